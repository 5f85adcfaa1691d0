import * as assert from "assert";
import { harborArgs, parseSettings, RawConfig } from "../config";
import { SECRETS_REVISION_ANNOTATION } from "../components/common";
import { buildHarborValues, HarborValuesArgs, HarborValuesRefs } from "../components/harbor/values";
import { ChartKeys, leafPaths, unknownKeys } from "./helpers/chartKeys";
import { at } from "./helpers/pulumi";
import { chartKeys } from "./helpers/contract";

const DEV = { "harbor-platform:hostname": "harbor-dev.example.com", "harbor-platform:previewDomain": "preview.example.com" };
const PROD = {
    "harbor-platform:hostname": "harbor.example.com",
    "harbor-platform:ingress": { tlsSource: "cert-manager", clusterIssuer: "letsencrypt" },
    "harbor-platform:aws": {
        region: "eu-west-1", vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clusterSecurityGroupIds: ["sg-0123456789abcdef0"],
    },
    "harbor-platform:storage": { kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc" },
    "harbor-platform:scheduling": { priorityClassName: "platform-critical" },
    "harbor-platform:metrics": { scrapeInterval: "30s" },
};

const s3Refs: HarborValuesRefs = {
    storage: { bucket: "harbor-prod-registry", region: "eu-west-1", disableRedirect: false, encrypt: true, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc" },
    database: { kind: "external", host: "db.example.com", port: "5432", username: "harbor", database: "registry", sslmode: "require" },
    redis: { kind: "external", addr: "redis.example.com:6379", tls: true, hasPassword: true },
    secretsRevision: "0123456789abcdef",
};
const minioRefs: HarborValuesRefs = {
    storage: { bucket: "harbor", region: "us-east-1", regionEndpoint: "http://minio.harbor-minio.svc.cluster.local:9000", disableRedirect: true, encrypt: false },
    database: { kind: "internal" },
    redis: { kind: "internal" },
};

/** The Harbor component's args for a stack's config, as the program maps them (config/toArgs.ts). */
const argsOf = (stack: string, raw: RawConfig): HarborValuesArgs => harborArgs(parseSettings(stack, raw));

const cases: { name: string; args: HarborValuesArgs; refs: HarborValuesRefs }[] = [
    { name: "dev (MinIO, internal data)", args: argsOf("dev", DEV), refs: minioRefs },
    { name: "pr-12 (preview profile)", args: argsOf("pr-12", DEV), refs: minioRefs },
    { name: "prod (S3, external data, cert-manager)", args: argsOf("prod", PROD), refs: s3Refs },
    {
        name: "dev with a TLS secret and an air-gapped Trivy",
        args: argsOf("dev", {
            ...DEV,
            "harbor-platform:ingress": { tlsSource: "secret", tlsSecretName: "harbor-tls", annotations: { "nginx.org/client-max-body-size": "0" } },
            "harbor-platform:trivy": { dbRepositories: ["mirror.example.com/trivy-db"], skipUpdate: true, skipJavaDbUpdate: true, offlineScan: true, storageClass: "gp3" },
        }),
        refs: { ...s3Refs, redis: { kind: "external", addr: "redis.example.com:6379", tls: false, hasPassword: false } },
    },
];

describe("buildHarborValues (pure chart values)", () => {
    let chart: ChartKeys;
    before(() => {
        chart = chartKeys();
    });

    it("the chart-key reader knows real, commented and nested commented keys", () => {
        for (const k of ["externalURL", "core.xsrfKey", "persistence.imageChartStorage.s3.existingSecret", "core.resources.requests.cpu",
            "redis.external.harborDatabaseIndex", "database.internal.resources", "caBundleSecretName"]) {
            assert.ok(chart.known.has(k), `expected the chart to know ${k}`);
        }
        assert.ok(!chart.known.has("core.replica"), "a typo must not be known");
        assert.deepStrictEqual(unknownKeys({ core: { replica: 2 } }, chart), ["core.replica"]);
    });

    for (const c of cases) {
        describe(c.name, () => {
            const values = buildHarborValues(c.args, c.refs);

            it("sets only keys that exist in the chart's values.yaml (commented keys count)", () => {
                assert.deepStrictEqual(unknownKeys(values, chart), []);
            });

            it("holds no secret: credentials only through existingSecret names", () => {
                const text = JSON.stringify(values);
                for (const k of ["harborAdminPassword", "secretKey", "xsrfKey", "tokenKey", "tokenCert", "password", "accesskey", "secretkey", "htpasswdString"]) {
                    const leaf = leafPaths(values).find((p) => p.split(".").pop() === k);
                    assert.strictEqual(leaf, undefined, `values must not set ${leaf}`);
                }
                assert.ok(!/Harbor12345|not-a-secure-key/.test(text));
                // Every credential the chart would otherwise generate or default comes from a named Secret (that those
                // Secrets exist, with the keys the chart reads: tests/platform.spec.ts).
                for (const p of ["existingSecretAdminPassword", "existingSecretSecretKey", "core.existingSecret", "core.existingXsrfSecret", "core.secretName",
                    "jobservice.existingSecret", "registry.existingSecret", "registry.credentials.existingSecret", "persistence.imageChartStorage.s3.existingSecret"]) {
                    assert.match(String(at(values, p)), /^[a-z0-9][a-z0-9.-]*$/, `${p} names a Secret`);
                }
            });

            it("keeps job logs out of files, TLS off 'auto', and every part's resources set", () => {
                assert.deepStrictEqual(at(values, "jobservice.jobLoggers"), ["database", "stdout"]);
                assert.notStrictEqual(at(values, "expose.tls.certSource"), "auto");
                assert.strictEqual(at(values, "expose.tls.enabled"), true);
                for (const p of ["portal", "core", "jobservice", "trivy", "exporter", "registry.registry", "registry.controller"]) {
                    assert.ok(at(values, `${p}.resources.requests.cpu`), `${p} has a CPU request`);
                    assert.ok(at(values, `${p}.resources.limits.memory`), `${p} has a memory limit`);
                }
                const ann = at(values, "expose.ingress.annotations") as Record<string, string>;
                assert.strictEqual(ann["nginx.ingress.kubernetes.io/proxy-body-size"], "0");
                assert.strictEqual(ann["nginx.ingress.kubernetes.io/proxy-request-buffering"], "off");
                assert.ok(Number(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 600);
                assert.strictEqual(at(values, "externalURL"), c.args.externalUrl);
                assert.strictEqual(at(values, "expose.ingress.hosts.core"), c.args.hostname);
            });

            it("gives Harbor and the cache layer their own Redis databases", () => {
                const r = (at(values, "redis.type") === "external" ? at(values, "redis.external") : at(values, "redis.internal")) as Record<string, string>;
                assert.strictEqual(r.harborDatabaseIndex, "6");
                assert.strictEqual(r.cacheLayerDatabaseIndex, "7");
                const used = ["jobserviceDatabaseIndex", "registryDatabaseIndex", "trivyAdapterIndex", "harborDatabaseIndex", "cacheLayerDatabaseIndex"].map((k) => r[k]);
                assert.strictEqual(new Set(used).size, used.length, "indexes are distinct");
            });
        });
    }

    it("prod: HA replicas with PDBs, zone spread enforced, external data over TLS, S3 encrypted with KMS", () => {
        const v = buildHarborValues(cases[2].args, s3Refs);
        for (const p of ["portal", "core", "registry"]) assert.strictEqual(at(v, `${p}.replicas`), 3);
        for (const p of ["jobservice", "trivy"]) assert.strictEqual(at(v, `${p}.replicas`), 2);
        for (const p of ["portal", "core", "jobservice", "registry", "trivy"]) {
            assert.strictEqual(at(v, `${p}.podDisruptionBudget.enabled`), true, `${p} PDB`);
            const spread = at(v, `${p}.topologySpreadConstraints`) as { topologyKey: string; whenUnsatisfiable: string }[];
            assert.ok(spread.some((t) => t.topologyKey === "topology.kubernetes.io/zone" && t.whenUnsatisfiable === "DoNotSchedule"));
            assert.ok(spread.some((t) => t.topologyKey === "kubernetes.io/hostname"));
            assert.strictEqual(at(v, `${p}.priorityClassName`), "platform-critical");
        }
        assert.strictEqual(at(v, "exporter.podDisruptionBudget.enabled"), false);
        assert.strictEqual(at(v, "database.type"), "external");
        assert.match(String(at(v, "database.external.existingSecret")), /^[a-z0-9-]+$/, "the database password from a Secret");
        assert.strictEqual(at(v, "database.external.port"), "5432");
        assert.strictEqual(at(v, "database.external.sslmode"), "require");
        assert.strictEqual(at(v, "redis.external.tlsOptions.enable"), true);
        assert.match(String(at(v, "redis.external.existingSecret")), /^[a-z0-9-]+$/, "the Redis password from a Secret");
        assert.strictEqual(at(v, "persistence.imageChartStorage.type"), "s3");
        assert.strictEqual(at(v, "persistence.imageChartStorage.s3.encrypt"), true);
        assert.strictEqual(at(v, "persistence.imageChartStorage.s3.keyid"), s3Refs.storage.kmsKeyId);
        assert.strictEqual(at(v, "persistence.imageChartStorage.s3.regionendpoint"), undefined);
        assert.strictEqual(at(v, "expose.tls.certSource"), "secret");
        assert.strictEqual((at(v, "expose.ingress.annotations") as Record<string, string>)["cert-manager.io/cluster-issuer"], "letsencrypt");
        assert.strictEqual(at(v, "metrics.enabled"), true);
        assert.strictEqual(at(v, "metrics.serviceMonitor.enabled"), true);
        assert.strictEqual(at(v, "metrics.serviceMonitor.interval"), "30s");
    });

    it("MinIO: regionendpoint with scheme, redirects off, no encrypt flag; dev spread is soft", () => {
        const v = buildHarborValues(cases[0].args, minioRefs);
        assert.match(String(at(v, "persistence.imageChartStorage.s3.regionendpoint")), /^http:\/\//);
        assert.strictEqual(at(v, "persistence.imageChartStorage.disableredirect"), true);
        assert.strictEqual(at(v, "persistence.imageChartStorage.s3.encrypt"), undefined);
        assert.strictEqual(at(v, "database.type"), "internal");
        assert.strictEqual(at(v, "redis.type"), "internal");
        assert.strictEqual(at(v, "core.podDisruptionBudget.enabled"), false, "no PDB with one replica (it would block drains)");
        const spread = at(v, "core.topologySpreadConstraints") as { whenUnsatisfiable: string }[];
        assert.ok(spread.every((t) => t.whenUnsatisfiable === "ScheduleAnyway"));
    });

    it("air-gapped Trivy: mirrors and offline flags reach the chart; TLS from an existing secret", () => {
        const v = buildHarborValues(cases[3].args, cases[3].refs);
        assert.deepStrictEqual(at(v, "trivy.dbRepository"), ["mirror.example.com/trivy-db"]);
        // Not configured: the chart's own mirrors apply (nothing set, so no registry host is pinned here).
        const plain = buildHarborValues(argsOf("dev", DEV), minioRefs);
        assert.strictEqual(at(plain, "trivy.dbRepository"), undefined);
        assert.strictEqual(at(plain, "trivy.javaDBRepository"), undefined);
        assert.strictEqual(at(v, "trivy.skipUpdate"), true);
        assert.strictEqual(at(v, "trivy.skipJavaDBUpdate"), true);
        assert.strictEqual(at(v, "trivy.offlineScan"), true);
        assert.strictEqual(at(v, "persistence.persistentVolumeClaim.trivy.storageClass"), "gp3");
        assert.strictEqual(at(v, "expose.tls.secret.secretName"), "harbor-tls");
        assert.strictEqual((at(v, "expose.ingress.annotations") as Record<string, string>)["nginx.org/client-max-body-size"], "0");
        assert.strictEqual(at(v, "redis.external.existingSecret"), undefined, "no Redis Secret when Redis has no password");
    });

    it("a rotated pinned Secret rolls the parts that read Secrets (chart checksums only its own Secrets), not the portal", () => {
        const args = argsOf("prod", PROD);
        const v = buildHarborValues(args, s3Refs);
        for (const p of ["core", "jobservice", "registry", "trivy", "exporter"]) {
            assert.deepStrictEqual(at(v, `${p}.podAnnotations`), { [SECRETS_REVISION_ANNOTATION]: "0123456789abcdef" }, p);
        }
        assert.strictEqual(at(v, "portal.podAnnotations"), undefined);
        const rotated = buildHarborValues(args, { ...s3Refs, secretsRevision: "fedcba9876543210" });
        assert.notDeepStrictEqual(at(rotated, "core.podAnnotations"), at(v, "core.podAnnotations"));
        // Without a revision (e.g. values built before the Secrets exist) nothing is annotated.
        assert.strictEqual(at(buildHarborValues(args, { ...s3Refs, secretsRevision: undefined }), "core.podAnnotations"), undefined);
    });

    it("is pure: same input, same output, input untouched", () => {
        const s = argsOf("prod", PROD);
        const before = JSON.stringify(s);
        assert.deepStrictEqual(buildHarborValues(s, s3Refs), buildHarborValues(s, s3Refs));
        assert.strictEqual(JSON.stringify(s), before);
    });
});
