import { strict as assert } from "assert";
import {
    findSecretValuePaths, harborChartVersionPinned, harborIngressTls, harborPinnedSecrets, harborProductionHa,
    harborTrivyEnabled, harborValuesNoSecrets, HELM_RELEASE_TYPE, SECRET_VALUE_PATHS, PINNED_SECRET_REFS, HA_COMPONENTS,
} from "../../policy/policies";
import { HARBOR_CHART } from "../../config";
import { chartContract, chartDefaultsSkeleton } from "../helpers/contract";
import { resourceArgs, runResourcePolicy, unknown, violations } from "./harness";

/** Production-grade values as the platform is meant to render them (secrets only by reference). */
function prodValues(): Record<string, any> {
    const replicas = { replicas: 2 };
    return {
        externalURL: "https://harbor.example.com",
        expose: { type: "ingress", tls: { enabled: true, certSource: "secret", secret: { secretName: "harbor-tls" } }, ingress: { hosts: { core: "harbor.example.com" } } },
        existingSecretAdminPassword: "harbor-admin",
        existingSecretSecretKey: "harbor-secret-key",
        core: { ...replicas, existingSecret: "harbor-core", existingXsrfSecret: "harbor-xsrf", secretName: "harbor-token-cert" },
        portal: replicas,
        jobservice: { ...replicas, existingSecret: "harbor-jobservice", jobLoggers: ["database", "stdout"] },
        registry: { ...replicas, existingSecret: "harbor-registry", credentials: { username: "harbor_registry_user", existingSecret: "harbor-registry-htpasswd" } },
        trivy: { enabled: true, replicas: 2 },
        database: { type: "external", external: { host: "db.example.com", existingSecret: "harbor-db" } },
        redis: { type: "external", external: { addr: "redis.example.com:6379" } },
        persistence: { imageChartStorage: { type: "s3", s3: { bucket: "harbor-images", region: "eu-west-1", existingSecret: "harbor-s3" } } },
    };
}

function release(values: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { chart: "harbor", version: "1.19.1", repositoryOpts: { repo: "https://helm.goharbor.io" }, values, ...extra };
}

const check = (policy: Parameters<typeof violations>[0], values: unknown, stack = "prod", extra: Record<string, unknown> = {}, config?: Record<string, unknown>) =>
    violations(policy, HELM_RELEASE_TYPE, release(values, extra), { stack, name: "harbor", config });

describe("policy: harbor-chart-version-pinned", () => {
    it("passes an exact version", async () => {
        assert.deepEqual(await check(harborChartVersionPinned, {}), []);
    });

    for (const bad of ["", "^1.19.0", "~1.19", "1.19", "1.19.x", ">=1.19.0", "latest", undefined]) {
        it(`flags version ${JSON.stringify(bad)}`, async () => {
            const v = await check(harborChartVersionPinned, {}, "dev", { version: bad });
            assert.equal(v.length, 1);
            assert.match(v[0], /pin an exact version such as "1.19.1"/);
        });
    }

    it("enforces the optional allow-list from config", async () => {
        const v = await check(harborChartVersionPinned, {}, "dev", { version: "1.18.0" }, { allowedVersions: ["1.19.1"] });
        assert.deepEqual(v, ['Harbor chart "harbor": version "1.18.0" is not in the allowed list ["1.19.1"].']);
    });

    it("ignores other charts", async () => {
        assert.deepEqual(await violations(harborChartVersionPinned, HELM_RELEASE_TYPE, { chart: "minio", version: "" }), []);
    });
});

describe("policy: harbor-values-no-secrets", () => {
    it("passes values that only reference Secrets", async () => {
        assert.deepEqual(await check(harborValuesNoSecrets, prodValues()), []);
    });

    it("flags each inline secret by path, without echoing its value", async () => {
        const values = prodValues();
        values.harborAdminPassword = "S3cr3t-Admin!";
        values.core.xsrfKey = "x".repeat(32);
        values.registry.credentials.password = "hunter22";
        values.persistence.imageChartStorage.s3.accesskey = "AKIAEXAMPLE";
        values.persistence.imageChartStorage.s3.secretkey = "wJalrEXAMPLEKEY";
        values.redis.external.password = unknown.string; // a Pulumi secret not known in preview is still a secret
        const v = await check(harborValuesNoSecrets, values);
        assert.deepEqual(v.map((m) => /values\.(\S+) holds a secret/.exec(m)?.[1]).sort(), [
            "core.xsrfKey", "harborAdminPassword", "persistence.imageChartStorage.s3.accesskey",
            "persistence.imageChartStorage.s3.secretkey", "redis.external.password", "registry.credentials.password",
        ]);
        for (const secret of ["S3cr3t-Admin!", "hunter22", "AKIAEXAMPLE", "wJalrEXAMPLEKEY"]) {
            assert.ok(!v.join("\n").includes(secret), "a violation message leaked a secret value");
        }
    });

    it("catches secret-looking keys the list does not know (e.g. added by a later chart)", async () => {
        assert.deepEqual(findSecretValuePaths({ exporter: { apiToken: "abc" }, core: { existingSecret: "x", tokenCert: "---" }, caSecretName: "ca" }), ["exporter.apiToken"]);
    });

    it("requires existingSecret keys, since the chart otherwise falls back to default secrets", async () => {
        const values = prodValues();
        delete values.existingSecretAdminPassword;
        values.database.external.existingSecret = "";
        const v = await check(harborValuesNoSecrets, values);
        assert.equal(v.length, 2);
        assert.match(v[0], /values\.existingSecretAdminPassword is not set/);
        assert.match(v[1], /values\.database\.external\.existingSecret is not set/);
    });

    describe("against the chart's values.yaml 1.19.1", () => {
        let chartValues: Record<string, unknown>;
        before(() => {
            chartValues = chartDefaultsSkeleton();
        });

        it("is the chart version the platform deploys", () => {
            const { chart } = chartContract();
            assert.deepEqual({ name: chart.name, version: chart.version }, { name: HARBOR_CHART.name, version: HARBOR_CHART.version });
        });

        it("every listed secret path exists in the chart (or under a wildcard)", () => {
            const has = (obj: any, parts: string[]): boolean => parts.length === 0 || (obj !== null && typeof obj === "object"
                && (parts[0] === "*" ? Object.values(obj).some((v) => has(v, parts.slice(1))) : parts[0] in obj && has(obj[parts[0]], parts.slice(1))));
            // accesskey/secretkey of s3 and some swift keys are commented out in values.yaml; they are documented there.
            const commented = ["persistence.imageChartStorage.s3.accesskey", "persistence.imageChartStorage.s3.secretkey", "persistence.imageChartStorage.swift.accesskey", "persistence.imageChartStorage.swift.secretkey"];
            for (const p of SECRET_VALUE_PATHS.filter((p) => !commented.includes(p))) {
                assert.ok(has(chartValues, p.split(".")), `${p} is not a key of the chart's values.yaml`);
            }
        });

        it("flags the chart defaults themselves (Harbor12345, not-a-secure-key, ...)", () => {
            const found = findSecretValuePaths(chartValues);
            for (const p of ["harborAdminPassword", "secretKey", "database.external.password", "registry.credentials.password"]) {
                assert.ok(found.includes(p), `${p} not detected in the chart defaults`);
            }
        });
    });
});

describe("policy: harbor-ingress-tls", () => {
    it("passes TLS from a Secret in prod and dev", async () => {
        assert.deepEqual(await check(harborIngressTls, prodValues()), []);
        assert.deepEqual(await check(harborIngressTls, prodValues(), "dev"), []);
    });

    it("flags disabled TLS outside previews", async () => {
        const values = prodValues();
        values.expose.tls.enabled = false;
        assert.match((await check(harborIngressTls, values, "dev"))[0], /expose\.tls\.enabled is false/);
    });

    it("flags the auto (self-signed, regenerated) certificate, including the chart default", async () => {
        const values = prodValues();
        delete values.expose.tls.certSource;
        const v = await check(harborIngressTls, values);
        assert.equal(v.length, 1);
        assert.match(v[0], /certSource is "auto \(chart default\)"/);
    });

    it("flags an http externalURL and an empty TLS secret name", async () => {
        const values = prodValues();
        values.externalURL = "http://harbor.example.com";
        values.expose.tls.secret.secretName = "";
        assert.equal((await check(harborIngressTls, values)).length, 2);
    });

    it("allows plain HTTP in pr-<n> previews", async () => {
        const values = prodValues();
        values.expose.tls = { enabled: false };
        values.externalURL = "http://pr-5.harbor.example.com";
        assert.deepEqual(await check(harborIngressTls, values, "pr-5"), []);
    });
});

describe("policy: harbor-production-ha", () => {
    it("passes HA values in prod", async () => {
        assert.deepEqual(await check(harborProductionHa, prodValues()), []);
    });

    it("flags every component below 2 replicas (absent = chart default 1)", async () => {
        const values = prodValues();
        values.core.replicas = 1;
        delete values.portal.replicas;
        const v = await check(harborProductionHa, values);
        assert.deepEqual(v, [
            'Harbor chart "harbor" in production: portal.replicas is 1; at least 2 are required.',
            'Harbor chart "harbor" in production: core.replicas is 1; at least 2 are required.',
        ]);
    });

    it("flags internal database and redis, filesystem storage and the file job logger", async () => {
        const values = prodValues();
        values.database = { type: "internal" };
        delete values.redis;
        delete values.persistence;
        values.jobservice.jobLoggers = ["file"];
        const v = await check(harborProductionHa, values);
        assert.equal(v.length, 4);
        assert.match(v.join("\n"), /database\.type is "internal"/);
        assert.match(v.join("\n"), /redis\.type is "internal \(chart default\)"/);
        assert.match(v.join("\n"), /imageChartStorage\.type/);
        assert.match(v.join("\n"), /jobLoggers/);
    });

    it("does not apply to dev, and reads minReplicas from config", async () => {
        assert.deepEqual(await check(harborProductionHa, {}, "dev"), []);
        const v = await check(harborProductionHa, prodValues(), "prod", {}, { minReplicas: 3 });
        assert.equal(v.length, HA_COMPONENTS.length);
    });

    it("skips values that are unknown in preview instead of failing", async () => {
        const values = prodValues();
        values.core.replicas = unknown.string;
        const run = await runResourcePolicy(harborProductionHa, resourceArgs(HELM_RELEASE_TYPE, release(values), { stack: "prod" }));
        assert.deepEqual(run, { violations: [], blockedByUnknown: false });
    });
});

describe("policy: harbor-trivy-enabled", () => {
    it("passes with Trivy on (explicitly or by chart default)", async () => {
        assert.deepEqual(await check(harborTrivyEnabled, prodValues(), "pr-3"), []);
        assert.deepEqual(await check(harborTrivyEnabled, {}, "pr-3"), []);
    });

    it("flags trivy.enabled false in any environment", async () => {
        assert.deepEqual(await check(harborTrivyEnabled, { trivy: { enabled: false } }, "pr-3"), [
            'Harbor chart "harbor": trivy.enabled is false; vulnerability scanning is required.',
        ]);
    });
});

describe("policy: harbor-pinned-secrets (advisory)", () => {
    it("passes when every internal secret is pinned", async () => {
        assert.deepEqual(await check(harborPinnedSecrets, prodValues()), []);
    });

    it("lists the unpinned ones", async () => {
        const v = await check(harborPinnedSecrets, { core: { existingSecret: "c" } });
        assert.equal(v.length, 1);
        for (const ref of PINNED_SECRET_REFS.filter((r) => r !== "core.existingSecret")) {
            assert.ok(v[0].includes(`values.${ref}`), ref);
        }
    });
});
