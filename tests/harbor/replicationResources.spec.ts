// Registry, ReplicationPolicy, RetentionPolicy and ImmutableTagRule as a Pulumi program sees them (under mocks):
// type tokens, secret connection and access secret, seeded outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ImmutableTagRule, Registry, ReplicationPolicy, RetentionPolicy } from "../../harbor";

describe("harbor registry/replication/retention/immutable classes (mocks)", () => {
    const recorded: pulumi.runtime.MockResourceArgs[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    recorded.push(a);
                    return { id: `${a.name}-id`, state: { ...a.inputs, registryId: 3, accessSecretHash: "ab", policyId: 4, retentionId: 5, projectId: 6, ruleId: 7 } };
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
    const rec = (name: string) => recorded.find((r) => r.name === name)!;

    it("Registry: type token, connection AND accessSecret secret, outputs resolve", async () => {
        const r = new Registry("prod", { connection, name: "prod", type: "harbor", url: "https://harbor-prod.example.com", accessKey: "robot$x", accessSecret: "S3cret-One" });
        await value(r.urn);
        assert.equal(rec("prod").type, "pulumi-nodejs:dynamic/harbor:Registry");
        assert.ok(pulumi.runtime.isRpcSecret(rec("prod").inputs.connection));
        assert.ok(pulumi.runtime.isRpcSecret(rec("prod").inputs.accessSecret), "the access secret is a secret");
        assert.ok(!rec("prod").inputs.__provider.includes("S3cret-One"));
        assert.equal(await value(r.registryId), 3);
        assert.equal(await value(r.accessSecretHash), "ab");
    });

    it("ReplicationPolicy, RetentionPolicy, ImmutableTagRule: type tokens and outputs", async () => {
        const rp = new ReplicationPolicy("to-prod", { connection, name: "to-prod", direction: "push", registryId: 3 });
        const ret = new RetentionPolicy("ret", { connection, project: "web", rules: [{ template: "always" }] });
        const imm = new ImmutableTagRule("imm", { connection, project: "web" });
        await Promise.all([value(rp.urn), value(ret.urn), value(imm.urn)]);
        assert.equal(rec("to-prod").type, "pulumi-nodejs:dynamic/harbor:ReplicationPolicy");
        assert.equal(rec("ret").type, "pulumi-nodejs:dynamic/harbor:RetentionPolicy");
        assert.equal(rec("imm").type, "pulumi-nodejs:dynamic/harbor:ImmutableTagRule");
        for (const n of ["to-prod", "ret", "imm"]) assert.ok(pulumi.runtime.isRpcSecret(rec(n).inputs.connection));
        assert.equal(await value(rp.policyId), 4);
        assert.equal(await value(ret.retentionId), 5);
        assert.equal(await value(ret.projectId), 6);
        assert.equal(await value(imm.ruleId), 7);
    });
});
