// DefaultScanner, GarbageCollectionSchedule, PurgeAuditSchedule, SystemConfig, Webhook and Label as a Pulumi program
// sees them (under mocks): type tokens, secret connection, secrets kept secret, declared outputs resolve.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as harbor from "../../harbor";
import { useResourceMocks, valueOf } from "../helpers/providerKit";

describe("harbor system resource classes (mocks)", () => {
    const { connection, rec } = useResourceMocks({ registrationUuid: "uuid-1", isDefault: true, harborCron: "0 0 0 * * *", policyId: 5, labelId: 6, scope: "g", projectId: 0, ldapSearchPasswordHash: "h1", oidcClientSecretHash: "" });

    it("registers each type under pulumi-nodejs:dynamic/harbor with a secret connection and no captured credential", async () => {
        const all: [pulumi.CustomResource, string][] = [
            [new harbor.DefaultScanner("scanner", { connection, scanAllSchedule: "daily" }), "DefaultScanner"],
            [new harbor.GarbageCollectionSchedule("gc", { connection, schedule: "weekly", workers: 2 }), "GarbageCollectionSchedule"],
            [new harbor.PurgeAuditSchedule("purge", { connection, schedule: "daily", retentionHours: 720, includeEventTypes: ["pull_artifact"] }), "PurgeAuditSchedule"],
            [new harbor.SystemConfig("config", { connection, projectCreationRestriction: "adminonly" }), "SystemConfig"],
            [new harbor.Webhook("hook", { connection, project: "web", name: "ci", address: "https://hooks.example.com", eventTypes: ["PUSH_ARTIFACT"] }), "Webhook"],
            [new harbor.Label("label", { connection, name: "release" }), "Label"],
        ];
        for (const [r, type] of all) {
            const a = rec((await valueOf(r.urn)).split("::").pop()!);
            assert.equal(a.type, `pulumi-nodejs:dynamic/harbor:${type}`);
            assert.ok(pulumi.runtime.isRpcSecret(a.inputs.connection), `${type}: connection is a secret`);
            assert.ok(!String(a.inputs.__provider).includes("Harbor12345"), `${type}: no credential in the serialized provider`);
        }
        assert.equal(await valueOf((all[0][0] as harbor.DefaultScanner).registrationUuid), "uuid-1");
        assert.equal(await valueOf((all[1][0] as harbor.GarbageCollectionSchedule).harborCron), "0 0 0 * * *");
        assert.equal(await valueOf((all[4][0] as harbor.Webhook).policyId), 5);
        assert.equal(await valueOf((all[5][0] as harbor.Label).labelId), 6);
    });

    it("Webhook: a plain authHeader is made secret", async () => {
        const hook = new harbor.Webhook("hook2", { connection, project: "web", name: "ci", address: "https://hooks.example.com", eventTypes: ["PUSH_ARTIFACT"], authHeader: "Bearer plain" });
        await valueOf(hook.urn);
        assert.ok(pulumi.runtime.isRpcSecret(rec("hook2").inputs.authHeader));
    });

    it("SystemConfig: ldap/oidc (which carry secrets) are sent as secrets", async () => {
        const sc = new harbor.SystemConfig("config2", { connection, authMode: "ldap_auth", ldap: { url: "ldaps://ldap.example.com", baseDn: "dc=x", searchPassword: "Ld4p-Secret" } });
        await valueOf(sc.urn);
        assert.ok(pulumi.runtime.isRpcSecret(rec("config2").inputs.ldap));
        assert.equal(rec("config2").inputs.oidc, undefined);
    });
});
