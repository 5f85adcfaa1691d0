// The contract: every Harbor resource type driven as the Pulumi engine drives it, through the SDK's real
// dynamic-provider host process (plain node, cwd = the project root) over gRPC, with the `__provider` a real
// registration stores, against the Harbor emulator. What the engine receives must round-trip through protobuf
// Struct, errors must carry Harbor's message, and a preview (values not known yet) must not fail.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HARBOR_PROVIDERS } from "../../harbor/hosted";
import { healthArea, projectsArea } from "../emulator";
import { usersArea } from "../emulator/areas/users";
import { providerText } from "../../harbor/loader";
import { EngineHost, EngineProvider, FAST_HOST_ENV, PROJECT_ROOT, registeredProviderTexts, sharedEngineHost, sharedFakeEngine, startEngineHost, UNKNOWN } from "../helpers/engine";
import { countObjects, FIXTURES, prepare, Raw, ResourceFixture } from "../helpers/fixtures";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";

/** Round-trips a value through JSON: what the engine stores. */
const stored = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("engine protocol: every Harbor resource through the real dynamic-provider host", function () {
    this.timeout(60_000);
    const h = useHarborEmulator();
    let host: EngineHost;
    let texts: Map<string, string>;

    before(async () => {
        texts = await registeredProviderTexts();
        host = await sharedEngineHost();
    });

    const engine = (f: ResourceFixture) => new EngineProvider(host, f.type, texts.get(f.type)!);
    const direct = (f: ResourceFixture) => f.provider(FAST_CLIENT);

    it("registers a thin loader of at most 1.5 KiB for every exported type, without credentials", async () => {
        assert.deepEqual([...texts.keys()].sort(), Object.keys(HARBOR_PROVIDERS).sort(), "one registration per exported type");
        assert.deepEqual(FIXTURES.map((f) => f.type).sort(), Object.keys(HARBOR_PROVIDERS).sort(), "a fixture per type");
        for (const [type, text] of texts) {
            assert.ok(Buffer.byteLength(text) <= 1536, `${type}: ${Buffer.byteLength(text)} bytes`);
            assert.ok(!text.includes("Harbor12345"), `${type}: no password in __provider`);
            assert.equal(text, providerText(type as keyof typeof HARBOR_PROVIDERS), `${type}: the loader's text, as registered`);
        }
    });

    for (const f of FIXTURES) {
        describe(f.type, () => {
            it("check (olds empty, then olds = previous inputs) -> create -> diff -> read -> update -> delete, as the engine stores each result", async () => {
                const p = engine(f);
                const conn = h.connection();
                const raw = { connection: conn, ...prepare(f, h.emu) };
                const first = await p.check({}, raw);
                assert.deepEqual(first.failures, []);
                const again = await p.check(first.inputs, raw);
                assert.deepEqual(again.failures, []);
                assert.deepEqual(again.inputs, first.inputs, "checking the same inputs again changes nothing");
                const inputs = first.inputs as Raw;

                const before = await countObjects(f, h.emu);
                const made = await p.create(inputs);
                assert.ok(made.id, "an id");
                if (before !== undefined) assert.equal(await countObjects(f, h.emu), before + 1, "Harbor holds one more object");
                const outs = made.outs as Raw;
                assert.deepEqual(await p.diff(made.id, outs, inputs), { changes: false, replaces: [], deleteBeforeReplace: false }, "no change against its own inputs");

                const read = await p.read(made.id, outs, inputs);
                assert.equal(read.id, made.id);
                assert.deepEqual(read.props, outs, "read returns what create stored");
                assert.equal((await p.diff(made.id, read.props, inputs)).changes, false, "no phantom diff after a refresh");

                let latest = outs;
                if (f.ops.includes("update")) {
                    const news = (await p.check(inputs, { ...raw, ...f.change })).inputs as Raw;
                    const d = await p.diff(made.id, outs, news);
                    assert.equal(d.changes, true, "the change is seen");
                    assert.deepEqual(d.replaces, [], "updated in place");
                    latest = { ...outs, ...((await p.update(made.id, outs, news)).outs as Raw) };
                    const back = await p.read(made.id, latest, news);
                    assert.equal((await p.diff(made.id, back.props, news)).changes, false, "Harbor holds the update");
                }

                await p.delete(made.id, latest);
                if (f.deletes === "removes") {
                    assert.equal((await p.read(made.id, latest)).id, "", "gone after delete");
                    if (before !== undefined) assert.equal(await countObjects(f, h.emu), before);
                }
            });

            it("check and diff in a preview: values not known yet (the whole connection, the Harbor URL, every input) never fail", async () => {
                const p = engine(f);
                const raw = { connection: h.connection(), ...prepare(f, h.emu) };
                const wholeConnection = await p.check({}, { ...raw, connection: UNKNOWN });
                assert.deepEqual(wholeConnection.failures, [], "a new stack: the connection is not known yet");
                const url = await p.check({}, { ...raw, connection: { ...h.connection(), url: UNKNOWN } });
                assert.deepEqual(url.failures, [], "the Harbor URL is not known yet");
                const allUnknown = Object.fromEntries(Object.keys(raw).map((k) => [k, UNKNOWN]));
                assert.deepEqual((await p.check({}, allUnknown)).failures, [], "no input known yet");

                const made = await direct(f).create((await direct(f).check({}, raw)).inputs);
                for (const key of Object.keys(prepare(f, h.emu))) {
                    const d = await p.diff(made.id, stored(made.outs), { ...(stored(made.outs) as Raw), [key]: UNKNOWN });
                    assert.notEqual(d.changes, false, `${key} unknown: the diff says it may change`);
                }
            });

            it("a wrong input is reported by check with the property and the rule, not as an engine error", async () => {
                const p = engine(f);
                const r = await p.check({}, { connection: h.connection(), ...prepare(f, h.emu), notASetting: 1, connectionTypo: { url: 1 } });
                const props = (r.failures ?? []).map((x) => x.property);
                assert.ok(props.includes("notASetting"), `failures: ${JSON.stringify(r.failures)}`);
                const missing = await p.check({}, { ...prepare(f, h.emu) });
                assert.ok((missing.failures ?? []).some((x) => x.property === "connection"), "no connection");
            });

            if (f.deletes === "removes") {
                it("gone: deleted outside Pulumi, a refresh drops it and a delete succeeds", async () => {
                    const raw = { connection: h.connection(), ...prepare(f, h.emu) };
                    const made = await direct(f).create((await direct(f).check({}, raw)).inputs);
                    await direct(f).delete!(made.id, made.outs);
                    const p = engine(f);
                    assert.equal((await p.read(made.id, stored(made.outs))).id, "", "refresh reports it gone");
                    await p.delete(made.id, stored(made.outs));
                });
            }

            if (f.ops.includes("update") && f.type !== "Ready") {
                // (Ready holds nothing in Harbor that could drift.)
                it("drift: changed outside Pulumi, a refresh shows it and the next diff corrects it", async () => {
                    const raw = { connection: h.connection(), ...prepare(f, h.emu) };
                    const d = direct(f);
                    const inputs = (await d.check({}, raw)).inputs as Raw;
                    const made = await d.create(inputs);
                    const changed = (await d.check({}, { ...raw, ...f.change })).inputs;
                    await d.update!(made.id, made.outs, changed); // behind Pulumi's back

                    const p = engine(f);
                    const read = await p.read(made.id, stored(made.outs), stored(inputs));
                    assert.equal(read.id, made.id);
                    const diff = await p.diff(made.id, read.props, inputs);
                    assert.equal(diff.changes, true, "the drift shows as a change back to the declared inputs");
                    await p.update(made.id, read.props, inputs);
                    const back = await p.read(made.id, read.props, inputs);
                    assert.equal((await p.diff(made.id, back.props, inputs)).changes, false, "corrected");
                });
            }
        });
    }

    describe("errors reach the engine as Harbor said them", () => {
        it("a 409 for an object the stack did not create fails with Harbor's message and adopts nothing", async () => {
            const cases: { type: string; raw: () => Raw; exists: () => void }[] = [
                { type: "Project", raw: () => ({ name: "web" }), exists: () => void h.emu.area(projectsArea).seed("web") },
                { type: "User", raw: () => ({ username: "dev", email: "dev@example.com", password: "Initial-Passw0rd" }), exists: () => void h.emu.area(usersArea).seed("dev") },
                { type: "Group", raw: () => ({ name: "devs", type: "http" }), exists: () => undefined },
                { type: "ImmutableTagRule", raw: () => ({ project: "web", tagPattern: "v*" }), exists: () => undefined },
            ];
            for (const c of cases) {
                const f = FIXTURES.find((x) => x.type === c.type)!;
                const p = engine(f);
                c.exists();
                const raw = { connection: h.connection(), ...prepare(f, h.emu), ...c.raw() };
                if (c.type === "Group" || c.type === "ImmutableTagRule") await direct(f).create((await direct(f).check({}, raw)).inputs); // made by someone else
                h.emu.resetLog();
                const before = await countObjects(f, h.emu);
                const inputs = (await p.check({}, raw)).inputs;
                const err = await rejection(p.create(inputs));
                // Harbor's 409, or the provider's own look-up finding the existing object first: either way, a failure.
                assert.match(err.message, /409|already/, `${c.type}: ${err.message}`);
                assert.ok(!(err as { id?: string }).id, `${c.type}: not recorded as created (no adoption): ${JSON.stringify(err)}`);
                assert.equal(await countObjects(f, h.emu), before, `${c.type}: nothing created`);
                const posts = h.emu.log.filter((r) => r.method === "POST");
                assert.ok(posts.length <= 1, `${c.type}: no retry after the 409 (${posts.length} POSTs)`);
                h.emu.takeViolations();
            }
        });

        it("a 404 is recognised (gone), other statuses keep Harbor's message, and nothing is retried that should not be", async () => {
            const f = FIXTURES.find((x) => x.type === "Project")!;
            const p = engine(f);
            const raw = { connection: h.connection(), name: "web" };
            const inputs = (await p.check({}, raw)).inputs as Raw;
            const made = await p.create(inputs);
            h.emu.inject({ method: "PUT" }, { kind: "status", status: 400 });
            h.emu.resetLog();
            const news = (await p.check(inputs, { ...raw, autoScan: true })).inputs;
            const err = await rejection(p.update(made.id, made.outs, news));
            assert.match(err.message, /PUT \/api\/v2\.0\/projects\/\d+ failed: 400 INJECTED: injected 400/, err.message);
            assert.equal(h.emu.log.filter((r) => r.method === "PUT").length, 1, "a 400 is not retried");
        });

        it("a partial create is recorded by the engine with plain properties that say what Harbor holds", async () => {
            const f = FIXTURES.find((x) => x.type === "Project")!;
            const p = engine(f);
            const raw = { connection: h.connection(), name: "web", cveAllowlist: ["CVE-2024-0001"] };
            const inputs = (await p.check({}, raw)).inputs as Raw;
            h.emu.inject({ method: "PUT", path: /^\/projects\/\d+$/ }, { kind: "status", status: 400 }); // the allowlist PUT after the POST
            const err = (await rejection(p.create(inputs))) as Error & { id?: string; properties?: Raw; reasons?: string[] };
            const project = h.emu.area(projectsArea).byName("web")!;
            assert.equal(err.id, String(project.project_id), `recorded with Harbor's id: ${err.message}`);
            assert.equal(err.properties?.name, "web");
            assert.match(err.message, /created \d+, but could not finish configuring it/);
            assert.ok(err.reasons?.length, "reasons");
        });

        it("Harbor unreachable: check still passes, create fails naming the request, not a serialization error", async () => {
            const f = FIXTURES.find((x) => x.type === "Label")!;
            const p = engine(f);
            const raw = { connection: { url: "http://127.0.0.1:9", username: "admin", password: "x" }, name: "release" };
            const inputs = (await p.check({}, raw)).inputs;
            const err = await rejection(p.create(inputs));
            assert.match(err.message, /(GET|POST) \/api\/v2\.0\/labels\S* failed: CONNECTION/);
            assert.ok(!/struct|incompatible receiver|Unknown Error/i.test(err.message), err.message);
        });
    });

    it("Ready reports its wait in the update's output (the engine's Log), not silence for up to 15 minutes", async () => {
        const engine = await sharedFakeEngine();
        const p = new EngineProvider(host, "Ready", texts.get("Ready")!);
        const inputs = (await p.check({}, { connection: h.connection(), timeoutSeconds: 10, intervalSeconds: 0.05 })).inputs;
        const health = h.emu.area(healthArea);
        health.setAll("unhealthy");
        setTimeout(() => health.setAll("healthy"), 300);
        const before = engine.messages.length;
        const made = await p.create(inputs);
        assert.equal((made.outs as { healthy: boolean }).healthy, true);
        const lines = engine.messages.slice(before);
        assert.ok(lines.length >= 1, "a progress line while waiting");
        assert.match(lines[0], new RegExp(`^Waiting for Harbor at ${h.emu.url.replace(/[.]/g, "\\.")} to become healthy \\(\\d+ s of 10 s\\): unhealthy \\(not healthy: core, `));
    });

    it("what state stores names the loader, not the code: a changed checkout runs with the same stored text", async function () {
        // The stored text is one require: nothing of the provider's code is in it.
        const text = texts.get("Label")!;
        assert.ok(!/HarborClient|undici|InputChecker/.test(text) && text.split("\n").length <= 2, text);
        // A checkout whose Label code differs (a new check rule), run by a host in that checkout with the SAME text.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "changed-checkout-"));
        let changed: EngineHost | undefined;
        try {
            fs.cpSync(path.join(PROJECT_ROOT, "harbor"), path.join(root, "harbor"), { recursive: true });
            fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
            const label = path.join(root, "harbor", "label.ts");
            const source = fs.readFileSync(label, "utf8");
            // The declaration's cross-field rules run on every check: the changed checkout adds one.
            const hook = "rules: (i, fail) => {";
            assert.equal(source.split(hook).length, 2, "label.ts declares its rules as expected");
            fs.writeFileSync(label, source.replace(hook, `${hook}\n        fail("name", "rule of the changed checkout");`));
            changed = await startEngineHost(FAST_HOST_ENV, root);
            const news = { connection: h.connection(), name: "release" };
            assert.deepEqual((await new EngineProvider(host, "Label", text).check({}, news)).failures, [], "this checkout");
            assert.deepEqual((await new EngineProvider(changed, "Label", text).check({}, news)).failures, [{ property: "name", reason: "rule of the changed checkout" }], "the changed checkout's code ran");
        } finally {
            await changed?.stop();
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
