// `npm run migrate-state`: stacks deployed before the thin loader store the whole provider code in every Harbor
// resource's `__provider`. The migration rewrites those to the loader, touching nothing else, and the result is
// what `pulumi refresh` / `destroy` then run: proven here on a checkpoint built from the dev stack's real
// registrations, and through the real dynamic-provider host.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HARBOR_PROVIDERS, HarborResourceType } from "../harbor/hosted";
import { providerText } from "../harbor/loader";
import { LabelProvider } from "../harbor/label";
import { byValueProviderText, checkpointOf } from "../scripts/lib/checkpoint";
import { exportText, HARBOR_TYPE_PREFIX, migrateExport, StackExport } from "../scripts/lib/migrateState";
import type { RecordedResource } from "../scripts/lib/plan-mocks";
import { main as migrateMain } from "../scripts/migrate-state";
import { EngineProvider, sharedEngineHost } from "./helpers/engine";
import { FAST_CLIENT, useHarborEmulator } from "./helpers/harbor";
import { stackPlan } from "./helpers/pulumi";

const typeOf = (t: string) => t.slice(HARBOR_TYPE_PREFIX.length) as HarborResourceType;

/**
 * The dev stack's registrations stored as the previous code stored them: every Harbor resource's `__provider` an old
 * by-value blob (scripts/lib/checkpoint.ts byValueProviderText: code serialized by the SDK's closure serializer; the
 * migration treats the text as opaque).
 */
async function oldCheckpoint(stack: string, recorded: readonly RecordedResource[]): Promise<StackExport> {
    const blob = await byValueProviderText();
    return checkpointOf(stack, recorded, () => blob);
}

describe("migrate-state: old __provider blobs rewritten to the loader", function () {
    this.timeout(60_000);
    let recorded: readonly RecordedResource[] = [];

    before(async () => {
        recorded = (await stackPlan("dev")).recorded;
    });

    it("rewrites every Harbor resource of the dev stack's checkpoint, and nothing else", async () => {
        const doc = await oldCheckpoint("dev", recorded);
        const before = JSON.parse(JSON.stringify(doc)) as StackExport;
        const harbor = doc.deployment.resources!.filter((r) => r.type.startsWith(HARBOR_TYPE_PREFIX));
        assert.ok(harbor.length >= 5, `dev registers Harbor resources (${harbor.length})`);
        assert.ok(harbor.every((r) => String(r.inputs?.__provider).length > 20_000), "the fixture carries old by-value blobs");

        const report = await migrateExport(doc);

        assert.equal(report.rewritten, harbor.length);
        assert.equal(report.current, 0);
        assert.ok(report.bytesAfter * 5 < report.bytesBefore, `state shrinks: ${report.bytesBefore} -> ${report.bytesAfter}`);
        doc.deployment.resources!.forEach((r, i) => {
            const was = before.deployment.resources![i];
            if (!r.type.startsWith(HARBOR_TYPE_PREFIX)) return assert.deepEqual(r, was, `${r.urn} untouched`);
            const strip = (x: typeof r) => ({ ...x, inputs: { ...x.inputs, __provider: "" }, outputs: { ...x.outputs, __provider: "" } });
            assert.deepEqual(strip(r), strip(was), `${r.urn}: only __provider changed (ids, secrets, dependencies kept)`);
        });
        for (const r of harbor) {
            const text = providerText(typeOf(r.type));
            assert.equal(r.inputs?.__provider, text);
            assert.equal(r.outputs?.__provider, text);
        }
        assert.deepEqual(await migrateExport(doc), { rewritten: 0, current: harbor.length, bytesBefore: report.bytesAfter, bytesAfter: report.bytesAfter }, "running it again changes nothing");
    });

    it("refuses a document it does not understand, or Harbor types this checkout does not know, before changing anything", async () => {
        await assert.rejects(migrateExport({} as StackExport), /not a `pulumi stack export` document/);
        await assert.rejects(migrateExport({ version: 2, deployment: { resources: [] } }), /checkpoint version 2 is not supported/);
        const doc = await oldCheckpoint("dev", recorded);
        doc.deployment.resources!.push({ urn: "urn:pulumi:dev::harbor-platform::pulumi-nodejs:dynamic/harbor:Gone::x", type: `${HARBOR_TYPE_PREFIX}Gone`, inputs: { __provider: "old" } });
        const before = exportText(doc);
        await assert.rejects(migrateExport(doc), /unknown Harbor resource types in the state: Gone .* nothing was changed/);
        assert.equal(exportText(doc), before);
    });

    describe("after the migration, refresh and destroy run the checkout's code through the real host", () => {
        const h = useHarborEmulator();

        it("reads and deletes a resource created under the old code", async () => {
            const label = new LabelProvider({ client: FAST_CLIENT });
            const inputs = (await label.check({} as never, { connection: h.connection(), name: "release" } as never)).inputs!;
            const made = await label.create(inputs);
            const old = await byValueProviderText();
            const doc: StackExport = {
                version: 3,
                deployment: {
                    resources: [{
                        urn: "urn:pulumi:dev::harbor-platform::pulumi-nodejs:dynamic/harbor:Label::release", type: `${HARBOR_TYPE_PREFIX}Label`, id: made.id,
                        inputs: { ...JSON.parse(JSON.stringify(inputs)), __provider: old }, outputs: { ...JSON.parse(JSON.stringify(made.outs)), __provider: old },
                    }],
                },
            };
            await migrateExport(doc);
            const [r] = doc.deployment.resources!;
            const { __provider: stored, ...outs } = r.outputs!;
            const engine = new EngineProvider(await sharedEngineHost(), "Label", providerText("Label"), String(stored));
            const read = await engine.read(made.id, outs);
            assert.equal(read.id, made.id, "refresh finds it");
            await engine.delete(made.id, outs);
            assert.equal((await engine.read(made.id, outs)).id, "", "destroy removed it from Harbor");
        });
    });

    describe("npm run migrate-state (with the pulumi CLI on PATH)", () => {
        let dir: string;
        let savedPath: string | undefined;
        const logs: string[] = [];
        const saved = { log: console.log, error: console.error };

        beforeEach(async () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-cli-"));
            fs.writeFileSync(path.join(dir, "state.json"), exportText(await oldCheckpoint("dev", recorded)));
            // A stand-in CLI: `stack export --file F` writes the stored state to F, `stack import --file F` stores F.
            fs.writeFileSync(path.join(dir, "pulumi"), [
                "#!/usr/bin/env bash",
                `echo "$*" >> "${dir}/calls"`,
                'while [ $# -gt 0 ]; do case "$1" in --file) file="$2"; shift;; esac; shift; done',
                `last=$(tail -n1 "${dir}/calls")`,
                `case "$last" in "stack export"*) cp "${dir}/state.json" "$file";; "stack import"*) cp "$file" "${dir}/state.json";; esac`,
            ].join("\n"), { mode: 0o755 });
            savedPath = process.env.PATH;
            process.env.PATH = `${dir}:${savedPath}`;
            logs.length = 0;
            console.log = (...a: unknown[]) => void logs.push(a.join(" "));
            console.error = (...a: unknown[]) => void logs.push(a.join(" "));
        });
        afterEach(() => {
            process.env.PATH = savedPath;
            Object.assign(console, saved);
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("exports, rewrites and imports the stack, keeping the export as a backup", async () => {
            assert.equal(await migrateMain(["--stack", "dev"]), 0, logs.join("\n"));
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.deepEqual(calls.map((c) => c.split(" --file")[0]), ["stack export --stack dev", "stack import --stack dev"]);
            const imported = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as StackExport;
            for (const r of imported.deployment.resources!.filter((x) => x.type.startsWith(HARBOR_TYPE_PREFIX))) {
                assert.equal(r.inputs?.__provider, providerText(typeOf(r.type)));
            }
            assert.match(logs.join("\n"), /dev: \d+ Harbor resources rewritten, 0 already current; state [\d.]+ KiB -> [\d.]+ KiB/);
            const backup = /kept in (\S+before\.json)/.exec(logs.join("\n"))?.[1];
            assert.ok(backup && fs.existsSync(backup), "the backup exists");
            assert.ok(String(JSON.parse(fs.readFileSync(backup, "utf8")).deployment.resources.find((r: { type: string }) => r.type.startsWith(HARBOR_TYPE_PREFIX)).inputs.__provider).length > 20_000);
            fs.rmSync(path.dirname(backup), { recursive: true, force: true });
        });

        it("--dry-run imports nothing; a current stack needs nothing; bad arguments get the usage line", async () => {
            assert.equal(await migrateMain(["--stack", "dev", "--dry-run"]), 0);
            assert.deepEqual(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n").map((c) => c.split(" ")[1]), ["export"]);
            assert.match(logs.join("\n"), /dry run: nothing imported/);
            assert.equal(await migrateMain(["--stack", "dev"]), 0);
            assert.equal(await migrateMain(["--stack", "dev"]), 0);
            assert.match(logs[logs.length - 1], /0 Harbor resources rewritten, \d+ already current/);
            assert.equal(await migrateMain([]), 2);
            assert.match(logs[logs.length - 1], /--stack is required\nusage: npm run migrate-state -- --stack <name> \[--dry-run\]/);
        });

        it("without a pulumi CLI: one clear line and exit 1", async () => {
            process.env.PATH = "/nonexistent";
            assert.equal(await migrateMain(["--stack", "dev"]), 1);
            assert.match(logs.join("\n"), /^error: the Pulumi CLI is not on PATH/);
        });
    });
});
