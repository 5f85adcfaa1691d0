// The resource classes as a Pulumi program sees them (under mocks): type tokens, secret connection, seeded outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Project, Ready } from "../../harbor";

describe("harbor resource classes (mocks)", () => {
    const recorded: pulumi.runtime.MockResourceArgs[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    recorded.push(a);
                    return { id: `${a.name}-id`, state: { ...a.inputs, projectId: 7, quotaId: 8, healthy: true, version: "v2.15.2" } };
                },
                call: (a) => {
                    throw new Error(`unexpected invoke ${a.token}`);
                },
            },
            "harbor-platform",
            "dev",
        );
    });
    beforeEach(() => (recorded.length = 0));

    const connection = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
    const value = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

    it("registers Project as pulumi-nodejs:dynamic/harbor:Project with a secret connection and seeded outputs", async () => {
        const p = new Project("web", { connection, name: "web", autoScan: true });
        await value(p.urn);
        const rec = recorded.find((r) => r.name === "web")!;
        assert.equal(rec.type, "pulumi-nodejs:dynamic/harbor:Project");
        assert.ok(pulumi.runtime.isRpcSecret(rec.inputs.connection), "connection is a secret");
        assert.equal(typeof rec.inputs.__provider, "string");
        assert.ok(!rec.inputs.__provider.includes("Harbor12345"), "no credential in the serialized provider");
        assert.equal(rec.inputs.name, "web");
        // `declare`d outputs resolve from the engine's state (a `readonly x!` field would shadow them with undefined).
        assert.equal(await value(p.projectId), 7);
        assert.equal(await value(p.quotaId), 8);
    });

    it("registers Ready as pulumi-nodejs:dynamic/harbor:Ready", async () => {
        const r = new Ready("ready", { connection, timeoutSeconds: 900 });
        await value(r.urn);
        const rec = recorded.find((x) => x.name === "ready")!;
        assert.equal(rec.type, "pulumi-nodejs:dynamic/harbor:Ready");
        assert.ok(pulumi.runtime.isRpcSecret(rec.inputs.connection));
        assert.equal(await value(r.healthy), true);
        assert.equal(await value(r.version), "v2.15.2");
    });
});
