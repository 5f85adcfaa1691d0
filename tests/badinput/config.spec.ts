// Property-based bad input on config validation (parseSettings): random and hostile values anywhere give either
// valid Settings or ONE ConfigError listing problems, each naming the key as the user writes it, with no stack trace
// and never a secret's value; nothing else is ever thrown.
import { strict as assert } from "assert";
import fc from "fast-check";
import { ConfigError, parseSettings, PROJECT, SECRET_KEYS, Settings } from "../../config";

const RUNS = { numRuns: 40 };
const STACKS = ["dev", "prod", "pr-7"] as const;
const KEYS = [
    "hostname", "previewDomain", "namespace", "protect", "replicas", "resources", "scheduling", "ingress", "storage", "data", "aws",
    "trivy", "metrics", "harbor", "projects", "images", "system", "existingHarbor", "replication",
];
const BASE = { [`${PROJECT}:hostname`]: "harbor.example.com" };

/** parseSettings that must either succeed or throw a well-formed ConfigError. */
function parse(stack: string, raw: Record<string, unknown>, secretKeys = new Set<string>()): Settings | ConfigError {
    try {
        return parseSettings(stack, raw, { secretKeys });
    } catch (err) {
        assert.ok(err instanceof ConfigError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.ok(err.issues.length > 0);
        for (const i of err.issues) assert.ok(i.key.startsWith(`${PROJECT}:`) || i.key === "stack", `issue key ${i.key}`);
        assert.ok(!/\n\s+at /.test(err.message), "no stack trace");
        return err;
    }
}

const project = (over: Record<string, unknown>) => ({ [`${PROJECT}:projects`]: [{ name: "web", ...over }] });
const issueAt = (r: Settings | ConfigError, key: string) => r instanceof ConfigError && r.issues.some((i) => i.key === `${PROJECT}:${key}` || i.key.startsWith(`${PROJECT}:${key}.`) || i.key.startsWith(`${PROJECT}:${key}[`));

describe("bad input: config validation (parseSettings)", () => {
    it("random JSON under any setting: Settings or a ConfigError naming keys, never another exception", () => {
        fc.assert(fc.property(fc.constantFrom(...STACKS), fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 }), (stack, key, value) => {
            parse(stack, { ...BASE, [`${PROJECT}:${key}`]: value });
        }), { numRuns: 150 });
    });

    it("random objects deep inside sections (wrong shapes, wrong types) are reported at their key", () => {
        fc.assert(fc.property(fc.constantFrom("replicas", "ingress", "storage", "data", "trivy", "system", "replication"), fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), (section, sub, value) => {
            const r = parse("dev", { ...BASE, [`${PROJECT}:${section}`]: { [sub]: value } });
            if (r instanceof ConfigError) assert.ok(r.issues.every((i) => i.key.length > PROJECT.length + 1));
        }), RUNS);
    });

    it("a stack name other than dev, prod or pr-<n> is refused clearly", () => {
        fc.assert(fc.property(fc.string({ maxLength: 12 }).filter((s) => !/^(dev|prod|pr-[1-9]\d{0,6})$/.test(s)), (stack) => {
            const r = parse(stack, BASE);
            assert.ok(r instanceof ConfigError && r.issues[0].key === "stack" && /dev, prod or pr-<n>/.test(r.issues[0].message));
        }), RUNS);
    });

    const hostile = fc.oneof(
        fc.constantFrom("..", "../etc", "a/b", "Web", "wéb", "веб", " web", "web\u0000", "web\u202e", "-web", "web-", "a..b", "x".repeat(256), ""),
        fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom("/", "../", "%2f", "\n", "\u00e9", "\u{1F680}", " ", "A")).map(([a, b]) => `${a}${b}${a}`),
    );

    it("hostile project and robot names are rejected at their key", () => {
        fc.assert(fc.property(hostile, (name) => {
            assert.ok(issueAt(parse("dev", { ...BASE, ...project({ name }) }), "projects[0].name"), `project ${JSON.stringify(name)} accepted`);
            assert.ok(issueAt(parse("dev", { ...BASE, ...project({ robots: [{ name }] }) }), "projects[0].robots[0].name"), `robot ${JSON.stringify(name)} accepted`);
        }), RUNS);
    });

    it("huge, zero and negative quotas are rejected (only -1 means unlimited)", () => {
        const bad = fc.oneof(fc.double({ min: 1_048_577, max: 1e300, noNaN: true }), fc.integer({ min: -1e9, max: -2 }), fc.constantFrom(0, -0.5, "lots", true, Number.NaN));
        fc.assert(fc.property(bad, (storageQuotaGiB) => {
            assert.ok(issueAt(parse("dev", { ...BASE, ...project({ storageQuotaGiB }) }), "projects[0].storageQuotaGiB"));
        }), RUNS);
    });

    it("negative and zero durations are rejected (only -1 means never)", () => {
        fc.assert(fc.property(fc.oneof(fc.integer({ min: -1e6, max: -2 }), fc.constantFrom(0, 3651, 1.5)), (durationDays) => {
            assert.ok(issueAt(parse("dev", { ...BASE, ...project({ robots: [{ name: "ci", durationDays }] }) }), "projects[0].robots[0].durationDays"));
        }), RUNS);
    });

    it("invalid cron is rejected at the schedule's key", () => {
        const badCron = fc.oneof(
            fc.tuple(fc.integer({ min: 60, max: 999 }), fc.integer({ min: 24, max: 99 })).map(([m, h]) => `${m} ${h} * * *`),
            fc.array(fc.constantFrom("0", "*", "5"), { minLength: 1, maxLength: 3 }).map((f) => f.join(" ")),
            fc.constantFrom("every day", "@reboot", "0 0 * * * * *", "*/0 * * * *", "0 0 32 * *", "0 0 * 13 *"),
        );
        fc.assert(fc.property(badCron, (schedule) => {
            assert.ok(issueAt(parse("dev", { ...BASE, ...project({ retention: { schedule, rules: [{ template: "always" }] } }) }), "projects[0].retention.schedule"));
            assert.ok(issueAt(parse("dev", { ...BASE, [`${PROJECT}:system`]: { manage: true, gc: { schedule } } }), "system.gc.schedule"));
        }), RUNS);
    });

    it("a secret set in plaintext is refused and its value never appears in the error", () => {
        fc.assert(fc.property(fc.constantFrom(...SECRET_KEYS), fc.stringMatching(/^[A-Za-z0-9!#%&*+=?@^_-]{8,24}$/), (key, value) => {
            const r = parse("dev", { ...BASE, [`${PROJECT}:${key}`]: value });
            assert.ok(r instanceof ConfigError && issueAt(r, key), `${key} in plaintext accepted`);
            assert.ok(!r.message.includes(value), "the secret's value is not echoed");
        }), RUNS);
    });
});
