// Registry, ReplicationPolicy, RetentionPolicy and ImmutableTagRule as a Pulumi program sees them (under mocks):
// type tokens, secret connection and access secret, seeded outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ImmutableTagRule, Registry, ReplicationPolicy, RetentionPolicy } from "../../harbor";
import { useResourceMocks, valueOf } from "../helpers/providerKit";

describe("harbor registry/replication/retention/immutable classes (mocks)", () => {
    const { connection, rec } = useResourceMocks({ registryId: 3, accessSecretHash: "ab", policyId: 4, retentionId: 5, projectId: 6, ruleId: 7 });

    it("Registry: type token, connection AND accessSecret secret, outputs resolve", async () => {
        const r = new Registry("prod", { connection, name: "prod", type: "harbor", url: "https://harbor-prod.example.com", accessKey: "robot$x", accessSecret: "S3cret-One" });
        await valueOf(r.urn);
        assert.equal(rec("prod").type, "pulumi-nodejs:dynamic/harbor:Registry");
        assert.ok(pulumi.runtime.isRpcSecret(rec("prod").inputs.connection));
        assert.ok(pulumi.runtime.isRpcSecret(rec("prod").inputs.accessSecret), "the access secret is a secret");
        assert.ok(!rec("prod").inputs.__provider.includes("S3cret-One"));
        assert.equal(await valueOf(r.registryId), 3);
        assert.equal(await valueOf(r.accessSecretHash), "ab");
        assert.equal(await pulumi.isSecret(r.accessSecretHash), true, "the secret's hash is kept secret too");
    });

    it("ReplicationPolicy, RetentionPolicy, ImmutableTagRule: type tokens and outputs", async () => {
        const rp = new ReplicationPolicy("to-prod", { connection, name: "to-prod", direction: "push", registryId: 3 });
        const ret = new RetentionPolicy("ret", { connection, project: "web", rules: [{ template: "always" }] });
        const imm = new ImmutableTagRule("imm", { connection, project: "web" });
        await Promise.all([valueOf(rp.urn), valueOf(ret.urn), valueOf(imm.urn)]);
        assert.equal(rec("to-prod").type, "pulumi-nodejs:dynamic/harbor:ReplicationPolicy");
        assert.equal(rec("ret").type, "pulumi-nodejs:dynamic/harbor:RetentionPolicy");
        assert.equal(rec("imm").type, "pulumi-nodejs:dynamic/harbor:ImmutableTagRule");
        for (const n of ["to-prod", "ret", "imm"]) assert.ok(pulumi.runtime.isRpcSecret(rec(n).inputs.connection));
        assert.equal(await valueOf(rp.policyId), 4);
        assert.equal(await valueOf(ret.retentionId), 5);
        assert.equal(await valueOf(ret.projectId), 6);
        assert.equal(await valueOf(imm.ruleId), 7);
    });
});
