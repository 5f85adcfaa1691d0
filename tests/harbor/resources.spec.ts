// The resource classes as a Pulumi program sees them (under mocks): type tokens, secret connection, seeded outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Project, Ready } from "../../harbor";
import { useResourceMocks, valueOf } from "../helpers/providerKit";

describe("harbor resource classes (mocks)", () => {
    const { recorded, connection } = useResourceMocks({ projectId: 7, quotaId: 8, healthy: true, version: "v2.15.2" });

    it("registers Project as pulumi-nodejs:dynamic/harbor:Project with a secret connection and seeded outputs", async () => {
        const p = new Project("web", { connection, name: "web", autoScan: true });
        await valueOf(p.urn);
        const rec = recorded.find((r) => r.name === "web")!;
        assert.equal(rec.type, "pulumi-nodejs:dynamic/harbor:Project");
        assert.ok(pulumi.runtime.isRpcSecret(rec.inputs.connection), "connection is a secret");
        assert.equal(typeof rec.inputs.__provider, "string");
        assert.ok(!rec.inputs.__provider.includes("Harbor12345"), "no credential in the serialized provider");
        assert.equal(rec.inputs.name, "web");
        // `declare`d outputs resolve from the engine's state (a `readonly x!` field would shadow them with undefined).
        assert.equal(await valueOf(p.projectId), 7);
        assert.equal(await valueOf(p.quotaId), 8);
    });

    it("registers Ready as pulumi-nodejs:dynamic/harbor:Ready", async () => {
        const r = new Ready("ready", { connection, timeoutSeconds: 900 });
        await valueOf(r.urn);
        const rec = recorded.find((x) => x.name === "ready")!;
        assert.equal(rec.type, "pulumi-nodejs:dynamic/harbor:Ready");
        assert.ok(pulumi.runtime.isRpcSecret(rec.inputs.connection));
        assert.equal(await valueOf(r.healthy), true);
        assert.equal(await valueOf(r.version), "v2.15.2");
    });
});
