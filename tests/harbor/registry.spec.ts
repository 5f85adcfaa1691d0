import { strict as assert } from "assert";
import { RegistryInputs, RegistryOutputs, RegistryProvider, secretHash } from "../../harbor/registry";
import { projectsArea } from "../emulator";
import { registriesArea } from "../emulator/areas/registries";
import { FAST_CLIENT, rejection, useHarborEmulator } from "../helpers/harbor";
import { assertNoOpDiff, assertReadRoundTrip, assertEngineLifecycle, byProperty, exhaustRetries, providerKit } from "../helpers/providerKit";

const REMOTE = "https://harbor-prod.example.com";

describe("harbor/Registry", () => {
    const h = useHarborEmulator();
    const p = new RegistryProvider({ client: FAST_CLIENT });
    const state = () => h.emu.area(registriesArea);
    beforeEach(() => state().addRemote(REMOTE, "robot$replicator", "S3cret-One"));

    const { checked, created, check } = providerKit(h, p, { name: "prod", type: "harbor", url: `${REMOTE}/`, accessKey: "robot$replicator", accessSecret: "S3cret-One" });

    describe("check", () => {
        it("applies defaults and trims the URL", async () => {
            const i = await checked();
            assert.deepEqual({ ...i, connection: undefined }, {
                connection: undefined, name: "prod", type: "harbor", url: REMOTE, accessKey: "robot$replicator", accessSecret: "S3cret-One",
                insecure: false, caCertificate: "", description: "",
            });
        });

        it("fails on bad inputs, naming each property, never quoting the secret", async () => {
            const r = await check({
                name: "", type: "nexus", url: "ftp://x", accessKey: "user", accessSecret: 12345678, caCertificate: "not pem", insecure: "no", colour: 1,
            });
            const byProp = byProperty(r.failures);
            assert.match(byProp.name, /must not be empty/);
            assert.match(byProp.type, /must be one of harbor, docker-hub.*got "nexus"/);
            assert.match(byProp.url, /"ftp:\/\/x" is invalid: expected an http\(s\) URL/);
            assert.equal(byProp.accessSecret, "accessSecret must be a string");
            assert.match(byProp.caCertificate, /PEM/);
            assert.match(byProp.insecure, /true or false/);
            assert.match(byProp.colour, /not a setting/);
            assert.ok(!JSON.stringify(r.failures).includes("12345678"));
            const half = await check({ name: "x", type: "harbor", url: REMOTE, accessKey: "u" });
            assert.deepEqual(half.failures, [{ property: "accessSecret", reason: "accessKey and accessSecret go together: set both, or neither for anonymous access" }]);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("check: Harbor's registry rules (issue 11.5)", () => {
        it("names are at most 64 bytes (controller/registry/controller.go); types are the 15 adapters Harbor 2.15 registers (no artifact-hub)", async () => {
            const base = { name: "prod", type: "harbor", url: REMOTE };
            const bad = byProperty((await check({ ...base, name: "n".repeat(65), type: "artifact-hub" })).failures);
            assert.match(bad.name, /at most 64/);
            assert.match(bad.type, /one of harbor, docker-hub, docker-registry, huawei-SWR, google-gcr, aws-ecr, azure-acr, ali-acr, jfrog-artifactory, quay, gitlab, dtr, tencent-tcr, github-ghcr, volcengine-cr, got "artifact-hub"/);
            assert.match(byProperty((await check({ ...base, name: "é".repeat(33) })).failures).name, /66 bytes in UTF-8; Harbor allows at most 64 bytes/);
            assert.deepEqual((await check({ ...base, name: "n".repeat(64) })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });
    });

    describe("check: what Harbor v2.15.2 would refuse (issue 11 part C)", () => {
        const base = { name: "prod", type: "harbor", url: REMOTE };
        const CA = [
            "-----BEGIN CERTIFICATE-----",
            "MIIBezCCASGgAwIBAgIUTaxCAVRNxscjKdgy6yoiHiLgQTowCgYIKoZIzj0EAwIw",
            "EjEQMA4GA1UEAwwHdGVzdC1jYTAgFw0yNjExMzAwODE4NDRaGA8yMTI2MTEwNjA4",
            "MTg0NFowEjEQMA4GA1UEAwwHdGVzdC1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH",
            "A0IABD+RqmOhx2mvPHkd+jIaLXSEk9DmfYJ9IKqSK0Re2FynZefo0JdUuC8IcoIr",
            "jNOIpN/QLYC08afuu9USlBkAP/ejUzBRMB0GA1UdDgQWBBRqLj8kJtVfvDWzfP2a",
            "twbjRoyYljAfBgNVHSMEGDAWgBRqLj8kJtVfvDWzfP2atwbjRoyYljAPBgNVHRMB",
            "Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCID9sFH4E2OUfKSd3QU0PfCYT5Xve",
            "T24EeZazs0l//0yNAiEA3ZgMW51K53k4vqbpwhIeaz9NHFuy+LttMDV/pTmyzGM=",
            "-----END CERTIFICATE-----",
        ].join("\n");

        it("url: a query, fragment or percent-escape is refused (lib/endpoint.go ValidateHTTPURL keeps scheme://host+decoded path), and at most 256 characters are stored", async () => {
            assert.match(byProperty((await check({ ...base, url: `${REMOTE}/v2?x=1` })).failures).url, /^url ".*" has a query or fragment: Harbor keeps only scheme, host and path/);
            assert.match(byProperty((await check({ ...base, url: `${REMOTE}/#top` })).failures).url, /has a query or fragment/);
            assert.match(byProperty((await check({ ...base, url: `${REMOTE}/a%20b` })).failures).url, /has a percent-escape: Harbor stores the path decoded/);
            assert.match(byProperty((await check({ ...base, url: `${REMOTE}/${"p".repeat(256)}` })).failures).url, /^url is 288 characters .*at most 256/);
            assert.deepEqual((await check({ ...base, url: `${REMOTE}/${"p".repeat(256 - REMOTE.length - 1)}///` })).failures, []);
            assert.equal(h.emu.log.length, 0);
        });

        it("caCertificate: every CERTIFICATE block must be an X.509 certificate (common/http/transport.go ValidateCACertificate)", async () => {
            assert.deepEqual((await check({ ...base, caCertificate: `${CA}\n` })).failures, []);
            const broken = CA.replace("MIIBezCCASGgAwIBAgIU", "MIIBezCCASGgAwIBAgIA");
            assert.equal(byProperty((await check({ ...base, caCertificate: `${CA}\n${broken}` })).failures).caCertificate,
                'caCertificate certificate 2 of 2 is not a valid X.509 certificate (Harbor refuses the CA with 400 "invalid CA certificate")');
            assert.match(byProperty((await check({ ...base, caCertificate: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----" })).failures).caCertificate, /certificate 1 of 1 is not a valid X\.509/);
        });

        it("accessSecret: at most 3050 bytes (registry.access_secret varchar(4096) holds it encrypted: common/utils/encrypt.go ReversibleEncrypt), never quoted", async () => {
            const long = "S".repeat(3051);
            const r = await check({ ...base, accessKey: "u", accessSecret: long });
            assert.deepEqual(r.failures, [{ property: "accessSecret", reason: "accessSecret is 3051 bytes; Harbor stores it encrypted in a varchar(4096), which holds at most 3050 bytes of secret" }]);
            assert.deepEqual((await check({ ...base, accessKey: "u", accessSecret: "S".repeat(3050) })).failures, []);
        });
    });

    describe("lifecycle", () => {
        it("create: ping, then POST; Harbor holds every field; the secret is tracked by its hash", async () => {
            const inputs = await checked({ description: "prod Harbor" });
            const { result, calls } = await h.during(() => p.create(inputs));
            assert.deepEqual(calls.map((c) => c.operationId), ["pingRegistry", "createRegistry"]);
            const rec = state().byName("prod")!;
            assert.equal(result.id, String(rec.id));
            assert.deepEqual({ ...rec, id: 0 }, {
                id: 0, name: "prod", type: "harbor", url: REMOTE, description: "prod Harbor", insecure: false, ca_certificate: "",
                credential: { type: "basic", access_key: "robot$replicator", access_secret: "S3cret-One" },
            });
            assert.equal(result.outs!.registryId, rec.id);
            assert.equal(result.outs!.accessSecretHash, secretHash("robot$replicator", "S3cret-One"));
            assert.match(result.outs!.accessSecretHash, /^[0-9a-f]{64}$/);
            assert.ok(!result.outs!.accessSecretHash.includes("S3cret"));
        });

        it("create fails clearly when the endpoint is unreachable or the credential is refused, creating nothing", async () => {
            const bad = await rejection(created({ accessSecret: "Wrong-Secret1" }));
            assert.match(bad.message, /registry "prod": Harbor cannot reach harbor endpoint https:\/\/harbor-prod\.example\.com with access key "robot\$replicator" \(the registry is unhealthy\)\. Check url, type, accessKey\/accessSecret/);
            assert.ok(!bad.message.includes("Wrong-Secret1"));
            const unreachable = await rejection(created({ url: "https://nowhere.example.com" }));
            assert.match(unreachable.message, /cannot reach harbor endpoint https:\/\/nowhere\.example\.com/);
            assert.equal(h.emu.count("createRegistry"), 0);
            assert.equal(state().registries.size, 0);
            assert.equal(h.emu.takeViolations().length, 2); // the emulator logs Harbor's 400s
        });

        it("create with wrong connection credentials blames the connection, not the remote's access key", async () => {
            const inputs = await checked();
            const wrong = await rejection(p.create({ ...inputs, connection: h.connection({ password: "Wr0ng-Passw0rd" }) }));
            assert.match(wrong.message, /registry "prod": Harbor at http:\/\/127\.0\.0\.1:\d+ rejected the credentials of user "admin" \(401 UNAUTHORIZED\) on POST \/registries\/ping\. Check connection\.username and connection\.password/);
            assert.doesNotMatch(wrong.message, /cannot reach|access key "robot/);
            h.emu.inject({ operationId: "pingRegistry" }, { kind: "status", status: 403 });
            const forbidden = await rejection(p.create(inputs));
            assert.match(forbidden.message, /registry "prod": Harbor at .* does not allow user "admin" to manage registries \(403 INJECTED: injected 403\)\. Registries need a Harbor system administrator/);
            assert.doesNotMatch(forbidden.message, /cannot reach/);
            assert.equal(h.emu.count("createRegistry"), 0);
            h.emu.takeViolations();
        });

        it("diff: a no-op makes ZERO requests; a password change alone changes nothing", async () => {
            await assertNoOpDiff(h, p, await created());
        });

        it("update: a rotated secret is a change, pinged then applied with one PUT carrying only the credential", async () => {
            const { id, outs, inputs } = await created();
            state().addRemote(REMOTE, "robot$replicator", "S3cret-Two");
            const news = { ...inputs, accessSecret: "S3cret-Two" };
            const d = await p.diff(id, outs, news);
            assert.deepEqual(d, { changes: true, replaces: [], deleteBeforeReplace: false });
            const { result, calls } = await h.during(() => p.update(id, outs, news));
            assert.deepEqual(calls.map((c) => c.operationId), ["pingRegistry", "updateRegistry"]);
            assert.deepEqual(calls[1].body, { credential_type: "basic", access_key: "robot$replicator", access_secret: "S3cret-Two" });
            assert.equal(state().byName("prod")!.credential!.access_secret, "S3cret-Two");
            assert.equal(result.outs!.accessSecretHash, secretHash("robot$replicator", "S3cret-Two"));
        });

        it("update: a description change is one PUT with only that field, no ping", async () => {
            const { id, outs, inputs } = await created();
            const { calls } = await h.during(() => p.update(id, outs, { ...inputs, description: "new" }));
            assert.deepEqual(calls.map((c) => [c.operationId, c.body]), [["updateRegistry", { description: "new" }]]);
        });

        it("update while the remote is down: Harbor health-checks on every PUT, so even a description change fails, naming the endpoint and why (issue 11.5)", async () => {
            const { id, outs, inputs } = await created();
            state().remotes.clear(); // the remote goes down
            const err = await rejection(p.update(id, outs, { ...inputs, description: "new" }));
            assert.match(err.message, new RegExp(`registry "prod": Harbor refused the update because it cannot reach harbor endpoint ${REMOTE.replace(/[.]/g, "\\.")} with access key "robot\\$replicator" \\(400: the registry is unhealthy\\)\\. Harbor health-checks the endpoint on every change, even of the description`));
            assert.equal(state().must(Number(id)).description, "", "nothing changed");
            assert.equal(h.emu.takeViolations().length, 1, "Harbor's 400");
        });

        it("replace: type replaces, deleting first when the name stays", async () => {
            const { id, outs, inputs } = await created();
            assert.deepEqual(await p.diff(id, outs, { ...inputs, type: "docker-registry" }), { changes: true, replaces: ["type"], deleteBeforeReplace: true });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, type: "docker-registry", name: "prod2" }), { changes: true, replaces: ["type"], deleteBeforeReplace: false });
            assert.deepEqual(await p.diff(id, outs, { ...inputs, name: "prod2" }), { changes: true, replaces: [], deleteBeforeReplace: false });
        });

        it("read: one GET, no phantom diff, inputs returned (secret kept from state)", async () => {
            await assertReadRoundTrip(h, p, await created(), ["getRegistry"]);
        });

        it("read after drift: every readable field comes back and the diff shows it", async () => {
            const { id, outs, inputs } = await created();
            const rec = state().byName("prod")!;
            Object.assign(rec, { url: "https://other.example.com", description: "edited", insecure: true, ca_certificate: "-----BEGIN CERTIFICATE-----x", name: "renamed" });
            rec.credential!.access_key = "someone";
            const read = await p.read(id, outs);
            const props = read.props as RegistryOutputs;
            assert.deepEqual(
                [props.url, props.description, props.insecure, props.caCertificate, props.name, props.accessKey],
                ["https://other.example.com", "edited", true, "-----BEGIN CERTIFICATE-----x", "renamed", "someone"],
            );
            assert.equal((read.inputs as RegistryInputs).name, "renamed");
            assert.equal((await p.diff(id, props, inputs)).changes, true);
            state().addRemote("https://other.example.com"); // ping only matters for the re-applied endpoint
            await p.update(id, props, inputs);
            const again = await p.read(id, props);
            assert.equal((await p.diff(id, again.props as RegistryOutputs, inputs)).changes, false);
        });

        it("read after a delete behind its back: gone", async () => {
            const { id, outs } = await created();
            state().registries.delete(Number(id));
            assert.equal((await p.read(id, outs)).id, "");
        });

        it("delete: one request; 404 counts as gone; 412 while in use gives a clear error", async () => {
            const { id, outs } = await created();
            h.emu.area(projectsArea).seed("cache", { registryId: Number(id) });
            const err = await rejection(p.delete(id, outs));
            assert.match(err.message, /refuses to delete registry "prod" \(id \d+\) because it is still in use \(.*proxy-cache project cache\)\. Delete the replication policies and proxy-cache projects/);
            h.emu.area(projectsArea).remove("cache");
            assert.deepEqual(await h.opsDuring(() => p.delete(id, outs)), ["deleteRegistry"]);
            assert.equal(state().registries.size, 0);
            await p.delete(id, outs);
        });

        it("anonymous endpoints: no credential is sent or read back", async () => {
            state().addRemote("https://mirror.example.com");
            const { id, outs, inputs } = await created({ name: "hub", type: "docker-registry", url: "https://mirror.example.com", accessKey: undefined, accessSecret: undefined });
            assert.equal(state().byName("hub")!.credential, undefined);
            assert.equal(outs.accessSecretHash, "");
            const read = await p.read(id, outs);
            assert.equal((await p.diff(id, read.props as RegistryOutputs, inputs)).changes, false);
        });
    });

    describe("faults", () => {
        it("POST 503 before commit: probes, retries, exactly one registry", async () => {
            h.emu.inject({ operationId: "createRegistry" }, { kind: "status", status: 503 });
            await created();
            assert.deepEqual(h.emu.sequence(), ["pingRegistry", "createRegistry", "listRegistries", "createRegistry"]);
            assert.equal(state().registries.size, 1);
        });

        it("POST committed then dropped: adopts it (re-applying the settings), no duplicate", async () => {
            h.emu.inject({ operationId: "createRegistry" }, { kind: "commitThenFail", status: "drop" });
            const { id } = await created();
            assert.deepEqual(h.emu.sequence(), ["pingRegistry", "createRegistry", "listRegistries", "updateRegistry"]);
            assert.equal(state().registries.size, 1);
            assert.equal(id, String(state().byName("prod")!.id));
        });

        it("429 on read and a slow update are retried", async () => {
            const { id, outs, inputs } = await created();
            h.emu.inject({ operationId: "getRegistry" }, { kind: "status", status: 429, retryAfter: 1 });
            assert.equal((await p.read(id, outs)).id, id);
            h.emu.inject({ operationId: "updateRegistry" }, { kind: "delay", ms: 500 });
            await p.update(id, outs, { ...inputs, description: "slow" });
            assert.equal(state().byName("prod")!.description, "slow");
            assert.equal(h.emu.count("getRegistry"), 2);
        });

        it("exhausted retries give a clear error", async () => {
            const { id, outs } = await created();
            const err = await exhaustRetries(h, { operationId: "deleteRegistry" }, { kind: "status", status: 503 }, () => p.delete(id, outs));
            assert.match(err.message, /DELETE \/api\/v2\.0\/registries\/\d+ failed: 503 INJECTED: injected 503 \(after 4 attempts\)/);
            assert.equal(state().registries.size, 1);
        });
    });

    it("through the engine's dynamic-provider host: create, read back and delete (no credentials in __provider)", async () => {
        await assertEngineLifecycle(h, checked, "Registry", {
            afterCreate: (outs) => assert.equal(outs.accessSecretHash, secretHash("robot$replicator", "S3cret-One")),
            afterDelete: () => assert.equal(state().registries.size, 0),
        });
    });
});
