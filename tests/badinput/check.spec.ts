// Property-based bad input on EVERY resource's `check` (fast-check): wrong types, unknown settings, hostile names
// (path traversal, '/', unicode, control characters), huge and negative numbers, invalid cron, odd filter patterns.
// Each is rejected as a check failure naming the property (the engine shows it next to the resource), never a thrown
// exception or a stack trace, and never a request to Harbor (the emulator's log stays empty).
import { strict as assert } from "assert";
import fc from "fast-check";
import { AnyProvider, FIXTURES, fixture, prepare, Raw, ResourceFixture } from "../helpers/fixtures";
import { FAST_CLIENT, useHarborEmulator } from "../helpers/harbor";

const RUNS = { numRuns: 15 };

/** A value of a different JSON type than `like`. */
function wrongTypeFor(like: unknown): fc.Arbitrary<unknown> {
    const str = fc.string({ maxLength: 8 });
    const num = fc.oneof(fc.integer(), fc.double({ noNaN: true }));
    const obj = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer(), { maxKeys: 2 });
    const list = fc.array(fc.integer(), { maxLength: 3 });
    if (typeof like === "string") return fc.oneof(num, fc.boolean(), obj, list);
    if (typeof like === "number") return fc.oneof(str, fc.boolean(), obj, list);
    if (typeof like === "boolean") return fc.oneof(str, num, obj, list);
    if (Array.isArray(like)) return fc.oneof(str, num, fc.boolean(), obj);
    return fc.oneof(str, num, fc.boolean(), list);
}

/** Names Harbor would refuse or that would escape a request path. */
const hostileName = fc.oneof(
    fc.constantFrom("..", "../etc/passwd", "..%2f..%2fadmin", "a/b", "a\\b", "web?x=1", "web#x", "web%00", " web", "web ", "Web", "wéb", "веб", "web\u202e", "web\u0000", "\u{1F680}", "a..b", "-web", "web-"),
    fc.tuple(fc.constantFrom("../", "/", "%2e%2e/", "\u0000", "\n", "\u00e9", "\u4e2d", "A"), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([bad, ok]) => `${ok}${bad}${ok}`),
);

/** Free-form text with a control character in it (NUL, ESC, a line break, a tab, DEL, C1, a line separator). */
const withControlChar = fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9 ._-]{0,8}$/), fc.constantFrom("\u0000", "\u001b", "\n", "\r", "\t", "\u007f", "\u0085", "\u2028"), fc.stringMatching(/^[a-z0-9._-]{0,8}$/))
    .map(([a, c, b]) => `${a}${c}${b}`);

/** Numbers no setting of any resource accepts: below -1, far beyond every maximum, not finite. */
const badNumber = fc.oneof(
    fc.integer({ min: -1_000_000_000, max: -2 }),
    fc.double({ min: 1e10, max: 1e300, noNaN: true }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1.5),
);

/** Cron expressions Harbor cannot run: a field out of range, the wrong number of fields, words. */
const badCron = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 60, max: 999 })).map(([i, v]) => {
        const fields = ["0", "2", "*", "*", "*"];
        fields[i] = String(i === 0 ? v : i === 1 ? v % 100 + 24 : i === 2 ? v % 60 + 32 : i === 3 ? v % 80 + 13 : v % 90 + 8);
        return fields.join(" ");
    }),
    fc.array(fc.constantFrom("0", "1", "*", "5"), { minLength: 1, maxLength: 3 }).map((f) => f.join(" ")),
    fc.array(fc.constantFrom("0", "1", "*"), { minLength: 8, maxLength: 9 }).map((f) => f.join(" ")),
    fc.constantFrom("every day", "@reboot", "0 0 * * * * * *", "-1 * * * *", "0 0 1-40 * *", "*/0 * * * *", "0 0 ? * MON-XYZ"),
);

/** Doublestar patterns Harbor cannot use: unbalanced braces or brackets, a list without braces, control characters. */
const badPattern = fc.oneof(
    fc.stringMatching(/^[a-z*]{0,4}$/).map((s) => `{${s}`),
    fc.stringMatching(/^[a-z*]{0,4}$/).map((s) => `${s}}`),
    fc.tuple(fc.stringMatching(/^[a-z*]{0,4}$/), fc.stringMatching(/^[a-z0-9{},*-]{0,4}$/)).map(([a, b]) => `${a}[${b}`),
    fc.tuple(fc.stringMatching(/^[a-z*]{1,4}$/), fc.constantFrom("\u0000", "\u001b", "\u007f", "\u0085")).map(([a, c]) => `${a}${c}*`),
    fc.tuple(fc.stringMatching(/^[a-z*]{1,4}$/), fc.stringMatching(/^[a-z*]{1,4}$/)).map(([a, b]) => `${a},${b}`),
);

describe("bad input: every resource's check", function () {
    const h = useHarborEmulator();

    /** check with `props` replacing (or, when undefined, removing) inputs; returns the failures. */
    async function failuresOf(f: ResourceFixture, p: AnyProvider, base: Raw, props: Raw): Promise<{ property: string; reason: string }[]> {
        const news: Raw = { connection: h.connection(), ...base, ...props };
        let r;
        try {
            r = await p.check({}, news);
        } catch (err) {
            assert.fail(`${f.type}.check threw instead of reporting a failure: ${(err as Error).message}`);
        }
        const failures = r.failures ?? [];
        for (const x of failures) {
            assert.equal(typeof x.property, "string");
            assert.equal(typeof x.reason, "string");
            assert.ok(!/\n\s+at /.test(x.reason), `no stack trace: ${x.reason}`);
            assert.ok(!x.reason.includes(h.emu.password), "the password is never echoed");
        }
        return failures;
    }

    const names = (fails: { property: string }[], prop: string) => fails.some((x) => x.property === prop || x.property.startsWith(`${prop}.`) || x.property.startsWith(`${prop}[`));
    const reasonNames = (fails: { property: string; reason: string }[], prop: string) =>
        fails.filter((x) => x.property.startsWith(prop)).every((x) => x.reason.includes(prop.split(/[.[]/)[0]) || x.reason.includes(prop.split(".").pop()!));

    /** A property over one fixture: fresh provider, prerequisites seeded, and no request to Harbor at the end. */
    async function forFixture(f: ResourceFixture, body: (p: AnyProvider, base: Raw) => Promise<void>): Promise<void> {
        const p = f.provider(FAST_CLIENT);
        const base = prepare(f, h.emu);
        h.emu.resetLog();
        await body(p, base);
        assert.deepEqual(h.emu.sequence(), [], `${f.type}.check made requests`);
    }

    for (const f of FIXTURES) {
        describe(f.type, () => {
            it("a wrong type for any input is rejected, naming it", () =>
                forFixture(f, async (p, base) => {
                    // The fixture's inputs plus the settings its update changes, so a type with no required input
                    // (DefaultScanner) is still covered instead of passing without a single check.
                    const typed: Raw = { ...f.change, ...base };
                    const keys = Object.keys(typed);
                    assert.ok(keys.length > 0, `${f.type}: no input to try a wrong type on`);
                    await fc.assert(fc.asyncProperty(fc.constantFrom(...keys).chain((k) => fc.tuple(fc.constant(k), wrongTypeFor(typed[k]))), async ([k, v]) => {
                        const fails = await failuresOf(f, p, base, { [k]: v });
                        assert.ok(names(fails, k), `${f.type}.${k} = ${JSON.stringify(v)} not rejected: ${JSON.stringify(fails)}`);
                        assert.ok(reasonNames(fails, k), `the reason names ${k}: ${JSON.stringify(fails)}`);
                    }), RUNS);
                }));

            it("an unknown setting is rejected, naming it", () =>
                forFixture(f, async (p, base) => {
                    await fc.assert(fc.asyncProperty(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((k) => !(k in base) && k !== "connection" && !KNOWN[f.type]?.includes(k)), fc.jsonValue().filter((v) => v !== null), async (k, v) => {
                        const fails = await failuresOf(f, p, base, { [k]: v });
                        assert.ok(fails.some((x) => x.property === k && /not a setting/.test(x.reason)), `${f.type}: unknown ${k} accepted`);
                    }), RUNS);
                }));

            it("a bad connection (no URL scheme, credentials in the URL, no password) is rejected without echoing the password", () =>
                forFixture(f, async (p, base) => {
                    await fc.assert(fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9]{6,20}$/), async (pw) => {
                        const conns = [
                            { url: "harbor.example.com", username: "admin", password: pw },
                            { url: `https://admin:${pw}@harbor.example.com`, username: "admin", password: pw },
                            { url: "https://harbor.example.com", username: "admin" },
                            { url: "ftp://harbor.example.com", username: "admin", password: pw },
                        ];
                        for (const connection of conns) {
                            const fails = await failuresOf(f, p, base, { connection });
                            assert.ok(names(fails, "connection"), `${f.type}: ${JSON.stringify(connection.url)} accepted`);
                            assert.ok(fails.every((x) => !x.reason.includes(pw)), "the password is never echoed");
                        }
                    }), { numRuns: 3 });
                }));
        });
    }

    /** Keys a resource accepts besides its fixture's minimal inputs (so "unknown" really is unknown). */
    const KNOWN: Record<string, string[]> = {};
    before(async () => {
        // Collect every input key a check accepts: anything it does not report as "not a setting".
        for (const f of FIXTURES) {
            const r = await f.provider(FAST_CLIENT).check({}, { ...f.inputs });
            KNOWN[f.type] = Object.keys((r.inputs ?? {}) as object);
        }
    });

    /** Properties with a domain rule, by resource: hostile names, numbers, cron and patterns. */
    const DOMAIN: { type: string; prop: string; arb: fc.Arbitrary<unknown>; what: string; wrap?: (v: unknown) => Raw }[] = [
        { type: "Project", prop: "name", arb: hostileName, what: "hostile project name" },
        { type: "RobotAccount", prop: "name", arb: hostileName, what: "hostile robot name" },
        { type: "RobotAccount", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "ProjectMember", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "RetentionPolicy", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "ImmutableTagRule", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "Webhook", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "Label", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "ArtifactCheck", prop: "project", arb: hostileName, what: "hostile project" },
        { type: "ArtifactCheck", prop: "repository", arb: hostileName.filter((s) => !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(s)), what: "hostile repository" },
        { type: "ArtifactCheck", prop: "digest", arb: fc.oneof(hostileName, fc.stringMatching(/^[0-9a-f]{0,70}$/).map((x) => `sha256:${x}`).filter((d) => d.length !== 71)), what: "bad digest" },
        { type: "Project", prop: "storageQuotaGiB", arb: badNumber, what: "huge or negative quota" },
        { type: "RobotAccount", prop: "durationDays", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative duration" },
        { type: "Ready", prop: "timeoutSeconds", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative timeout" },
        { type: "Ready", prop: "intervalSeconds", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative interval" },
        { type: "ArtifactCheck", prop: "scanTimeoutSeconds", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative scan timeout" },
        { type: "PurgeAuditSchedule", prop: "retentionHours", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative retention" },
        { type: "GarbageCollectionSchedule", prop: "workers", arb: fc.oneof(badNumber, fc.constantFrom(0, 11, 2.5)), what: "bad worker count" },
        { type: "ReplicationPolicy", prop: "speedKbps", arb: badNumber, what: "huge or negative speed" },
        { type: "SystemConfig", prop: "robotTokenExpirationDays", arb: fc.oneof(badNumber, fc.constant(0)), what: "negative expiry" },
        { type: "RetentionPolicy", prop: "schedule", arb: badCron, what: "invalid cron" },
        { type: "GarbageCollectionSchedule", prop: "schedule", arb: badCron, what: "invalid cron" },
        { type: "PurgeAuditSchedule", prop: "schedule", arb: badCron, what: "invalid cron" },
        { type: "DefaultScanner", prop: "scanAllSchedule", arb: badCron, what: "invalid cron" },
        { type: "ReplicationPolicy", prop: "trigger", arb: badCron, what: "invalid cron", wrap: (cron) => ({ trigger: { type: "scheduled", cron } }) },
        { type: "ImmutableTagRule", prop: "tagPattern", arb: badPattern, what: "odd tag pattern" },
        { type: "ImmutableTagRule", prop: "repoPattern", arb: badPattern, what: "odd repository pattern" },
        { type: "RetentionPolicy", prop: "rules", arb: badPattern, what: "odd tag pattern in a rule", wrap: (tagPattern) => ({ rules: [{ template: "latestPushedK", value: 3, tagPattern }] }) },
        { type: "RetentionPolicy", prop: "rules", arb: badNumber, what: "negative rule value", wrap: (value) => ({ rules: [{ template: "latestPushedK", value }] }) },
    ];

    describe("domain rules", () => {
        for (const d of DOMAIN) {
            it(`${d.type}.${d.prop}: ${d.what} is rejected, naming it`, () =>
                forFixture(fixture(d.type), async (p, base) => {
                    await fc.assert(fc.asyncProperty(d.arb, async (v) => {
                        const fails = await failuresOf(fixture(d.type), p, base, d.wrap ? d.wrap(v) : { [d.prop]: v });
                        assert.ok(names(fails, d.prop), `${d.type}.${d.prop} = ${JSON.stringify(v)} was accepted`);
                    }), RUNS);
                }));
        }

        // Names Harbor stores as text: PostgreSQL refuses NUL and control characters corrupt logs. Lengths as Harbor's columns.
        const FREE_FORM: { type: string; prop: string; max: number; wrap?: (v: string) => Raw }[] = [
            { type: "Registry", prop: "name", max: 64 }, // Harbor: controller/registry/controller.go validate
            { type: "ReplicationPolicy", prop: "name", max: 255 },
            { type: "Group", prop: "name", max: 255 },
            { type: "Label", prop: "name", max: 128 },
            { type: "Webhook", prop: "name", max: 256 },
            { type: "ProjectMember", prop: "user", max: 255 },
            { type: "ProjectMember", prop: "group.name", max: 255, wrap: (name) => ({ user: undefined, group: { type: "http", name } }) },
            { type: "User", prop: "username", max: 255 },
        ];
        for (const n of FREE_FORM) {
            it(`${n.type}.${n.prop}: control characters and over-long values are rejected, naming it, without echoing the character`, () =>
                forFixture(fixture(n.type), async (p, base) => {
                    const input = (v: string) => (n.wrap ? n.wrap(v) : { [n.prop]: v });
                    await fc.assert(fc.asyncProperty(withControlChar, async (v) => {
                        const fails = await failuresOf(fixture(n.type), p, base, input(v));
                        const mine = fails.filter((x) => x.property === n.prop);
                        assert.ok(mine.some((x) => /must not contain control characters \(found U\+[0-9A-F]{4} at position \d+\)/.test(x.reason)), `${n.type}.${n.prop} = ${JSON.stringify(v)}: ${JSON.stringify(fails)}`);
                        assert.ok(fails.every((x) => !/[\u0000-\u001f\u007f-\u009f\u2028]/.test(x.reason)), "the control character is not echoed");
                    }), RUNS);
                    const long = await failuresOf(fixture(n.type), p, base, input("a".repeat(n.max + 1)));
                    assert.ok(long.some((x) => x.property === n.prop && x.reason.includes(`at most ${n.max} characters`)), JSON.stringify(long));
                    const fits = await failuresOf(fixture(n.type), p, base, input("a".repeat(n.max)));
                    assert.deepEqual(fits.filter((x) => x.property === n.prop), []);
                }));
        }

        it("ReplicationPolicy: any filter pattern either passes or fails naming filters; unbalanced ones fail", () =>
            forFixture(fixture("ReplicationPolicy"), async (p, base) => {
                await fc.assert(fc.asyncProperty(fc.string({ maxLength: 12 }), badPattern, async (any, bad) => {
                    const loose = await failuresOf(fixture("ReplicationPolicy"), p, base, { filters: { name: any, tag: { pattern: any } } });
                    assert.ok(loose.every((x) => x.property.startsWith("filters")), JSON.stringify(loose));
                    const fails = await failuresOf(fixture("ReplicationPolicy"), p, base, { filters: { name: bad } });
                    assert.ok(names(fails, "filters"), `filters.name ${JSON.stringify(bad)} accepted`);
                }), RUNS);
            }));
    });
});
