// The thin loader each Harbor resource stores as `__provider` (harbor/loader.ts, harbor/provider-loader): one file
// per exported type, an installed copy that matches the sources (or a refusal saying what to run), and a text that
// names the package instead of carrying code.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HARBOR_PROVIDERS, HarborResourceType } from "../../harbor/hosted";
import { installedCopyProblem, LOADER_PACKAGE, loaderText } from "../../harbor/loader";
import type { RecordedResource } from "../../scripts/lib/plan-mocks";
import { PROJECT_ROOT } from "../helpers/engine";
import { planStack } from "../helpers/pulumi";

const SOURCE = path.join(PROJECT_ROOT, "harbor", "provider-loader");

describe("harbor/provider-loader: the __provider every Harbor resource stores", () => {
    it("has one loader file per exported resource type, and no other", () => {
        const files = fs.readdirSync(SOURCE).filter((f) => f.endsWith(".js") && f !== "loader.js").map((f) => f.slice(0, -3)).sort();
        assert.deepEqual(files, Object.keys(HARBOR_PROVIDERS).sort());
    });

    it("is installed as a copy of the sources (npm ci), so the serializer writes require(...) instead of code", async () => {
        const installed = path.join(PROJECT_ROOT, "node_modules", LOADER_PACKAGE);
        assert.ok(!fs.lstatSync(installed).isSymbolicLink(), "a symlinked package resolves outside node_modules and would be serialized by value");
        assert.equal(installedCopyProblem(SOURCE, installed), undefined);
        for (const type of Object.keys(HARBOR_PROVIDERS) as HarborResourceType[]) {
            const text = await loaderText(type);
            assert.ok(text.includes(`require("${LOADER_PACKAGE}/${type}.js")`), text);
            assert.ok(Buffer.byteLength(text) < 400, `${type}: ${Buffer.byteLength(text)} bytes`);
        }
    });

    it("refuses a stale or missing installed copy, naming the files and what to run", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loader-copy-"));
        try {
            for (const f of fs.readdirSync(SOURCE)) fs.copyFileSync(path.join(SOURCE, f), path.join(dir, f));
            assert.equal(installedCopyProblem(SOURCE, dir), undefined);
            fs.appendFileSync(path.join(dir, "loader.js"), "// changed\n");
            fs.rmSync(path.join(dir, "Project.js"));
            const stale = installedCopyProblem(SOURCE, dir) ?? "";
            assert.match(stale, /differs from harbor\/provider-loader \(.*loader\.js.*\)/);
            assert.match(stale, /Project\.js/);
            assert.match(stale, /run npm ci/);
            assert.match(installedCopyProblem(SOURCE, undefined) ?? "", /is not installed .*run npm ci/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    for (const stack of ["dev", "prod", "pr-7"]) {
        it(`the ${stack} plan registers only the loader as a dynamic provider, each within 1.5 KiB`, async function () {
            this.timeout(30_000);
            let recorded: readonly RecordedResource[] = [];
            await planStack(stack, { onRegistrations: (r) => (recorded = r) });
            const dynamic = recorded.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
            assert.ok(dynamic.length > 0, "the plan has Harbor resources");
            for (const r of dynamic) {
                const text = String(r.inputs.__provider);
                assert.ok(Buffer.byteLength(text) <= 1536, `${r.type} ${r.name}: ${Buffer.byteLength(text)} bytes`);
                assert.equal(text, await loaderText(r.type.split(":").pop() as HarborResourceType), `${r.name}: the loader`);
            }
        });
    }
});
