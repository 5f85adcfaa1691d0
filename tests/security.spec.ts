// docs/security.md's promises that no other spec covers whole: with EVERY user-set secret configured (as secure:
// values), no secret reaches the plan output or the Helm values; and no provider error (any resource type, wrong
// credentials or a failing Harbor) carries the password. Per-stack plans, config errors and check failures are
// covered in platform/content/plan specs and tests/badinput.
import { strict as assert } from "assert";
import { FIXTURES, checkedInputs, prepare } from "./helpers/fixtures";
import { FAST_CLIENT, rejection, useHarborEmulator } from "./helpers/harbor";
import { FAKE_SECRET_MARKER, ofType, planStack, SecureValue } from "./helpers/pulumi";

const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("security: no secret in plans, Helm values or errors", function () {
    this.timeout(60_000);

    describe("plan output with every secret setting configured", () => {
        const configs: Record<string, Record<string, unknown>> = {
            "dev, external data, existing Harbor, LDAP and OIDC secrets": {
                data: { mode: "external", postgres: { host: "db.example.com" }, redis: { addr: "redis.example.com:6379" } },
                externalDatabasePassword: new SecureValue("externalDatabasePassword"),
                externalRedisPassword: new SecureValue("externalRedisPassword"),
                existingHarbor: { url: "https://registry.example.com" },
                existingHarborPassword: new SecureValue("existingHarborPassword"),
                ldapSearchPassword: new SecureValue("ldapSearchPassword"),
                oidcClientSecret: new SecureValue("oidcClientSecret"),
                replication: { outbound: { prodStack: "", url: "https://harbor.example.com", username: "robot$replication-inbound" } },
                replicationPassword: new SecureValue("replicationPassword"),
            },
        };
        for (const [name, override] of Object.entries(configs)) {
            it(`${name}: every secret prints as [secret]; none appears in any input, output or Helm value`, async () => {
                const plan = await planStack("dev", { configOverride: override });
                const text = JSON.stringify(plan);
                assert.ok(!text.includes(FAKE_SECRET_MARKER), "no secret value (generated or from secure: config) in the plan");
                assert.ok(!text.includes("secure-config"), "no secure: placeholder unmasked");
                for (const rel of ofType(plan, RELEASE)) {
                    const values = JSON.stringify(rel.inputs.values ?? {});
                    assert.ok(!values.includes("[secret]"), `${rel.name}: Helm values hold no secret, even masked`);
                }
                const secretInputs = (r: { inputs: Record<string, unknown> }) => JSON.stringify(r.inputs);
                const connections = plan.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:"));
                assert.ok(connections.length > 0);
                for (const r of connections) assert.equal(r.inputs.connection, "[secret]", `${r.type} ${r.name}: connection is secret (${secretInputs(r).slice(0, 80)})`);
                const db = plan.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("database"));
                assert.ok(db && JSON.stringify(db.inputs).includes("[secret]"), "the external database password reaches its Kubernetes Secret, as a secret");
            });
        }
    });

    describe("provider errors never carry the password", () => {
        const h = useHarborEmulator();
        for (const f of FIXTURES) {
            it(`${f.type}: wrong credentials and a failing Harbor give errors without the password`, async () => {
                const p = f.provider(FAST_CLIENT);
                const raw = prepare(f, h.emu);
                const wrongPassword = "Wr0ng-Passw0rd-For-Test";
                const inputs = await checkedInputs(f, p, h.connection({ password: wrongPassword }), raw);
                const unauthorized = await rejection(p.create(inputs));
                assert.match(unauthorized.message, /401|rejected the credentials/);
                assert.doesNotMatch(unauthorized.message, /cannot reach/, `${f.type}: a 401 blames the connection, never a remote`);
                for (const secret of [wrongPassword, h.emu.password, Buffer.from(`admin:${wrongPassword}`).toString("base64")]) {
                    assert.ok(!unauthorized.message.includes(secret), `${f.type}: ${unauthorized.message}`);
                    assert.ok(!(unauthorized.stack ?? "").includes(secret));
                }
                if (f.polls) return; // Ready waits through failures; its timeout message: tests/faults/deploy.spec.ts
                h.emu.inject({}, { kind: "status", status: 500 }, 100);
                const failing = await rejection(p.create(await checkedInputs(f, p, h.connection(), raw)));
                assert.ok(!failing.message.includes(h.emu.password), `${f.type}: ${failing.message}`);
                h.emu.takeViolations();
            });
        }
    });
});
