// What every Harbor resource stores as `__provider` (harbor/loader.ts): a constant loader that names harbor/host.js,
// the same for every version of the provider's code, and what each stack's plan registers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HARBOR_PROVIDERS, HarborResourceType } from "../../harbor/hosted";
import { HOST_MODULE, providerText } from "../../harbor/loader";
import { PROJECT_ROOT } from "../helpers/engine";
import { stackPlan } from "../helpers/pulumi";

describe("harbor/loader: the __provider every Harbor resource stores", () => {
    // The exact text is a contract: every Harbor resource in every stack's state stores it, so a change rewrites them all.
    it("is one short line per type that requires harbor/host.js and asks it for that type: no provider code", () => {
        assert.ok(fs.existsSync(path.join(PROJECT_ROOT, HOST_MODULE)), "the file the text names exists");
        for (const type of Object.keys(HARBOR_PROVIDERS) as HarborResourceType[]) {
            const text = providerText(type);
            assert.equal(text, `exports.handler = () => require(process.cwd() + "/harbor/host.js").provider("${type}");\n`);
            assert.ok(Buffer.byteLength(text) <= 1536);
        }
    });

    for (const stack of ["dev", "prod", "pr-42"]) {
        it(`the ${stack} plan registers only the loader as a dynamic provider, each within 1.5 KiB`, async function () {
            this.timeout(30_000);
            const { recorded } = await stackPlan(stack);
            const dynamic = recorded.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
            assert.ok(dynamic.length > 0, "the plan has Harbor resources");
            for (const r of dynamic) {
                const text = String(r.inputs.__provider);
                assert.ok(Buffer.byteLength(text) <= 1536, `${r.type} ${r.name}: ${Buffer.byteLength(text)} bytes`);
                assert.equal(text, providerText(r.type.split(":").pop() as HarborResourceType), `${r.name}: the loader`);
            }
        });
    }
});
