import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigIssue, parseSettings, RawConfig } from "../config";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackConfig } from "../scripts/plan";
import { installMocks, settle } from "./helpers/pulumi";

const P = "harbor-platform";
const DEV: RawConfig = { [`${P}:hostname`]: "harbor-dev.example.com", [`${P}:previewDomain`]: "preview.example.com" };
const AWS = {
    region: "eu-west-1", vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"], clusterSecurityGroupIds: ["sg-0123456789abcdef0"],
};
const PROD: RawConfig = {
    [`${P}:hostname`]: "harbor.example.com",
    [`${P}:ingress`]: { tlsSource: "cert-manager", clusterIssuer: "letsencrypt" },
    [`${P}:aws`]: AWS,
};

function issuesOf(stack: string, raw: RawConfig, options?: Parameters<typeof parseSettings>[2]): ConfigIssue[] {
    try {
        parseSettings(stack, raw, options);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
        return e.issues;
    }
    assert.fail(`expected stack ${stack} to be rejected`);
}

describe("config: parseSettings", () => {
    describe("valid stacks and per-environment defaults", () => {
        it("dev: one replica each, MinIO, chart-internal data, nothing protected", () => {
            const s = parseSettings("dev", DEV);
            assert.strictEqual(s.environment, "dev");
            assert.strictEqual(s.externalUrl, "https://harbor-dev.example.com");
            assert.strictEqual(s.namespace, "harbor");
            assert.deepStrictEqual(Object.values(s.replicas), [1, 1, 1, 1, 1, 1]);
            assert.strictEqual(s.storage.mode, "minio");
            assert.strictEqual(s.data.mode, "internal");
            assert.strictEqual(s.protect, false);
        });

        it("prod: HA replicas, S3, AWS data, protected, metrics on", () => {
            const s = parseSettings("prod", PROD);
            assert.deepStrictEqual(s.replicas, { portal: 3, core: 3, jobservice: 2, registry: 3, trivy: 2, exporter: 1 });
            assert.strictEqual(s.storage.mode, "s3");
            assert.strictEqual(s.data.mode, "aws");
            assert.strictEqual(s.protect, true);
            assert.strictEqual(s.metrics.serviceMonitor, true);
            assert.deepStrictEqual(s.ingress.tls, { source: "cert-manager", clusterIssuer: "letsencrypt", secretName: "harbor-ingress-tls" });
        });

        it("pr-<n>: dev's config plus the preview profile, whatever dev sets", () => {
            const s = parseSettings("pr-42", {
                ...DEV,
                [`${P}:replicas`]: JSON.stringify({ core: 3 }),
                [`${P}:data`]: { mode: "aws" },
                [`${P}:storage`]: { mode: "s3" },
                [`${P}:protect`]: "true",
                [`${P}:aws`]: AWS,
            });
            assert.strictEqual(s.environment, "preview");
            assert.strictEqual(s.pr, 42);
            assert.strictEqual(s.namespace, "harbor-pr-42");
            assert.strictEqual(s.hostname, "pr-42.preview.example.com");
            assert.deepStrictEqual(Object.values(s.replicas), [1, 1, 1, 1, 1, 1]);
            assert.strictEqual(s.data.mode, "internal");
            assert.strictEqual(s.storage.mode, "minio");
            assert.strictEqual(s.protect, false);
            assert.strictEqual(s.metrics.enabled, false);
            assert.strictEqual(s.resources.core.requests.cpu, "50m", "small preview requests");
        });

        it("pr-<n>: the content layer manages the preview's own Harbor even when dev names an existing one", () => {
            const devRaw = {
                ...DEV,
                [`${P}:existingHarbor`]: { url: "https://harbor-shared.example.com" },
                [`${P}:existingHarborPassword`]: "s3cret-from-dev",
            };
            assert.strictEqual(parseSettings("dev", devRaw).content.existingHarbor?.url, "https://harbor-shared.example.com");
            assert.strictEqual(parseSettings("pr-42", devRaw).content.existingHarbor, undefined);
        });

        it("pr-<n> without previewDomain derives the domain from dev's hostname", () => {
            const s = parseSettings("pr-7", { [`${P}:hostname`]: "harbor-dev.example.com" });
            assert.strictEqual(s.hostname, "pr-7.example.com");
        });

        it("accepts values as the runtime hands them over: JSON text, numbers and booleans as strings, empty defaults", () => {
            const s = parseSettings("prod", {
                ...PROD,
                [`${P}:replicas`]: '{"core": "4", "registry": 5}',
                [`${P}:protect`]: "false",
                [`${P}:namespace`]: "",
                [`${P}:trivy`]: "{}",
                [`${P}:data`]: { postgres: { engineVersion: 16 } },
                "aws:region": "eu-west-1",
            });
            assert.strictEqual(s.replicas.core, 4);
            assert.strictEqual(s.replicas.registry, 5);
            assert.strictEqual(s.protect, false);
            assert.strictEqual(s.namespace, "harbor");
            assert.strictEqual(s.data.postgres.engineVersion, "16");
        });

        it("external data: passwords become secret Outputs", async () => {
            const s = parseSettings("prod", {
                ...PROD,
                [`${P}:data`]: { mode: "external", postgres: { host: "pg.example.com" }, redis: { addr: "redis.example.com:6379" } },
                [`${P}:externalDatabasePassword`]: "s3cret-db",
            }, { secretKeys: new Set([`${P}:externalDatabasePassword`]) });
            assert.strictEqual(s.data.mode, "external");
            if (s.data.mode !== "external") return;
            assert.strictEqual(await pulumi.isSecret(s.data.databasePassword), true);
            assert.strictEqual(s.data.redisPassword, undefined);
        });
    });

    describe("every invalid setting is reported, with its key, its value and what is allowed", () => {
        const table: { name: string; stack: string; raw: RawConfig; options?: Parameters<typeof parseSettings>[2]; expect: [key: string, value: string, message: RegExp][] }[] = [
            { name: "unknown stack name", stack: "staging", raw: DEV, expect: [["stack", '"staging"', /dev, prod or pr-<n>/]] },
            { name: "missing hostname", stack: "dev", raw: {}, expect: [[`${P}:hostname`, "(not set)", /required: a DNS hostname/]] },
            { name: "bad hostname", stack: "dev", raw: { [`${P}:hostname`]: "Harbor_Dev" }, expect: [[`${P}:hostname`, '"Harbor_Dev"', /DNS hostname/]] },
            { name: "typo in a top-level key", stack: "dev", raw: { ...DEV, [`${P}:replica`]: { core: 2 } }, expect: [[`${P}:replica`, '{"core":2}', /unknown setting; known settings: .*replicas/]] },
            { name: "typo in a nested key", stack: "dev", raw: { ...DEV, [`${P}:replicas`]: { cores: 2 } }, expect: [[`${P}:replicas.cores`, "2", /unknown setting; known here: .*core/]] },
            { name: "replicas not a number", stack: "dev", raw: { ...DEV, [`${P}:replicas`]: { core: "abc" } }, expect: [[`${P}:replicas.core`, '"abc"', /an integer from 1 to 20/]] },
            { name: "replicas out of range", stack: "dev", raw: { ...DEV, [`${P}:replicas`]: { registry: 0 } }, expect: [[`${P}:replicas.registry`, "0", /an integer from 1 to 20/]] },
            { name: "section not an object", stack: "dev", raw: { ...DEV, [`${P}:replicas`]: "3" }, expect: [[`${P}:replicas`, "\"3\"", /a map of settings/]] },
            { name: "broken JSON", stack: "dev", raw: { ...DEV, [`${P}:ingress`]: "{tlsSource: none" }, expect: [[`${P}:ingress`, '"{tlsSource: none"', /not valid/]] },
            { name: "protect not a boolean", stack: "dev", raw: { ...DEV, [`${P}:protect`]: "maybe" }, expect: [[`${P}:protect`, '"maybe"', /true or false/]] },
            { name: "auto TLS is not an option", stack: "dev", raw: { ...DEV, [`${P}:ingress`]: { tlsSource: "auto" } }, expect: [[`${P}:ingress.tlsSource`, '"auto"', /one of cert-manager, secret, none/]] },
            { name: "cert-manager without issuer", stack: "dev", raw: { ...DEV, [`${P}:ingress`]: { tlsSource: "cert-manager" } }, expect: [[`${P}:ingress.clusterIssuer`, '""', /required when ingress.tlsSource is cert-manager/]] },
            { name: "TLS secret without name", stack: "dev", raw: { ...DEV, [`${P}:ingress`]: { tlsSource: "secret" } }, expect: [[`${P}:ingress.tlsSecretName`, '""', /required when ingress.tlsSource is secret/]] },
            { name: "bad CPU quantity", stack: "dev", raw: { ...DEV, [`${P}:resources`]: { core: { requests: { cpu: "lots" } } } }, expect: [[`${P}:resources.core.requests.cpu`, '"lots"', /CPU quantity/]] },
            { name: "prod with chart-internal data", stack: "prod", raw: { ...PROD, [`${P}:data`]: { mode: "internal" } }, expect: [[`${P}:data.mode`, '"internal"', /allowed only for dev and pr-<n>/]] },
            { name: "prod with MinIO", stack: "prod", raw: { ...PROD, [`${P}:storage`]: { mode: "minio" } }, expect: [[`${P}:storage.mode`, '"minio"', /use s3 in prod/]] },
            { name: "prod with one core", stack: "prod", raw: { ...PROD, [`${P}:replicas`]: { core: 1 } }, expect: [[`${P}:replicas.core`, "1", /at least 2 in prod/]] },
            { name: "unknown data mode", stack: "dev", raw: { ...DEV, [`${P}:data`]: { mode: "rds" } }, expect: [[`${P}:data.mode`, '"rds"', /one of aws, external, internal/]] },
            {
                name: "aws data without network", stack: "prod", raw: { ...PROD, [`${P}:aws`]: { region: "eu-west-1" } },
                expect: [
                    [`${P}:aws.vpcId`, '""', /required when data.mode is aws/],
                    [`${P}:aws.subnetIds`, "[]", /at least 2 private subnets/],
                    [`${P}:aws.clusterSecurityGroupIds`, "[]", /reachable only from the cluster/],
                ],
            },
            { name: "s3 without region", stack: "prod", raw: { ...PROD, [`${P}:aws`]: { ...AWS, region: "" } }, expect: [[`${P}:aws.region`, '""', /required when storage.mode is s3/]] },
            { name: "bad subnet id", stack: "prod", raw: { ...PROD, [`${P}:aws`]: { ...AWS, subnetIds: ["subnet-1", "subnet-0123456789abcdef1"] } }, expect: [[`${P}:aws.subnetIds[0]`, '"subnet-1"', /subnet ids/]] },
            {
                name: "external data without host, address or password", stack: "dev", raw: { ...DEV, [`${P}:data`]: { mode: "external" } },
                expect: [
                    [`${P}:data.postgres.host`, '""', /required when data.mode is external/],
                    [`${P}:data.redis.addr`, '""', /required when data.mode is external/],
                    [`${P}:externalDatabasePassword`, "[secret]", /pulumi config set --secret externalDatabasePassword/],
                ],
            },
            {
                name: "a secret stored in plaintext (value never shown)", stack: "dev",
                raw: { ...DEV, [`${P}:externalDatabasePassword`]: "hunter2" }, options: { secretKeys: new Set() },
                expect: [[`${P}:externalDatabasePassword`, "[secret]", /stored in plaintext; store it encrypted: pulumi config set --secret/]],
            },
            { name: "ServiceMonitor without metrics", stack: "dev", raw: { ...DEV, [`${P}:metrics`]: { serviceMonitor: true } }, expect: [[`${P}:metrics.serviceMonitor`, "true", /needs metrics.enabled/]] },
            {
                name: "Redis versions ElastiCache rejects (a bare major from 7 on, a bare 6)", stack: "dev",
                raw: { ...DEV, [`${P}:data`]: { redis: { engineVersion: "7" } } },
                expect: [[`${P}:data.redis.engineVersion`, '"7"', /6\.x or 6\.2, or major\.minor from 7 on/]],
            },
            { name: "idle pool above open pool", stack: "dev", raw: { ...DEV, [`${P}:data`]: { postgres: { maxOpenConns: 10, maxIdleConns: 50 } } }, expect: [[`${P}:data.postgres.maxIdleConns`, "50", /must not exceed/]] },
            { name: "Trivy with no database source", stack: "dev", raw: { ...DEV, [`${P}:trivy`]: { dbRepositories: [] } }, expect: [[`${P}:trivy.dbRepositories`, "[]", /at least one repository/]] },
            { name: "bad Trivy timeout", stack: "dev", raw: { ...DEV, [`${P}:trivy`]: { timeout: "soon" } }, expect: [[`${P}:trivy.timeout`, '"soon"', /Go duration/]] },
            { name: "unpinned MinIO chart", stack: "dev", raw: { ...DEV, [`${P}:storage`]: { minio: { chartVersion: "^5" } } }, expect: [[`${P}:storage.minio.chartVersion`, '"^5"', /exact chart version/]] },
            { name: "preview without any domain", stack: "pr-3", raw: {}, expect: [[`${P}:previewDomain`, "(not set)", /required for pr-<n> stacks/]] },
        ];

        for (const c of table) {
            it(c.name, () => {
                const issues = issuesOf(c.stack, c.raw, c.options);
                for (const [key, value, message] of c.expect) {
                    const hit = issues.find((i) => i.key === key);
                    assert.ok(hit, `no issue for ${key}; got:\n${issues.map((i) => `${i.key}: ${i.message}`).join("\n")}`);
                    assert.strictEqual(hit.value, value);
                    assert.match(hit.message, message);
                }
                assert.strictEqual(issues.length, c.expect.length, `unexpected extra issues:\n${issues.map((i) => `${i.key}: ${i.message}`).join("\n")}`);
            });
        }

        it("reports all problems of a stack at once, in one message naming each key", () => {
            let err: ConfigError | undefined;
            try {
                parseSettings("prod", {
                    ...PROD,
                    [`${P}:replicas`]: { core: "abc" },
                    [`${P}:data`]: { mode: "internal", postgres: { port: 99999 } },
                    [`${P}:ingress`]: { tlsSource: "auto" },
                    [`${P}:protect`]: "maybe",
                });
            } catch (e) {
                err = e as ConfigError;
            }
            assert.ok(err instanceof ConfigError);
            const keys = err.issues.map((i) => i.key);
            for (const k of ["replicas.core", "data.postgres.port", "data.mode", "ingress.tlsSource", "protect"]) {
                assert.ok(keys.includes(`${P}:${k}`), `missing ${k} in ${keys.join(", ")}`);
                assert.ok(err.message.includes(`${P}:${k}`));
            }
        });

        it("never prints a secret value in an error", () => {
            const err = (() => {
                try {
                    parseSettings("dev", { ...DEV, [`${P}:externalDatabasePassword`]: "hunter2", [`${P}:replicas`]: { core: 0 } }, { secretKeys: new Set() });
                } catch (e) {
                    return e as Error;
                }
                return undefined;
            })();
            assert.ok(err);
            assert.ok(!err.message.includes("hunter2"));
        });
    });

    describe("every mistake at once, no misleading follow-on errors (issue 12.4)", () => {
        const project = (over: Record<string, unknown>) => ({ name: "web", robots: [{ name: "ci" }], ...over });
        const image = { name: "app", project: "web", version: "1.0.0", context: "apps/app" };
        const lines = (issues: ConfigIssue[]) => issues.map((i) => `${i.key}: ${i.message}`).join("\n");

        it("a bad field does not hide the rules across sections that read only valid fields, nor makes them misfire", () => {
            // aws.subnetIds is invalid, and aws.region is missing for S3: both at once (the region rule reads no bad field).
            const issues = issuesOf("dev", { ...DEV, [`${P}:storage`]: { mode: "s3" }, [`${P}:aws`]: { subnetIds: ["subnet-NOPE"] } });
            const keys = issues.map((i) => i.key);
            assert.ok(keys.includes(`${P}:aws.subnetIds[0]`) || keys.some((k) => k.startsWith(`${P}:aws.subnetIds`)), lines(issues));
            assert.ok(keys.includes(`${P}:aws.region`), lines(issues));
            // A rule that reads the bad field stays silent: no "needs at least 2 private subnets" on top of the bad id.
            const withData = issuesOf("dev", { ...DEV, [`${P}:data`]: { mode: "aws" }, [`${P}:aws`]: { region: "eu-west-1", vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-NOPE"] } });
            assert.ok(!withData.some((i) => /at least 2 private subnets/.test(i.message)), lines(withData));
            assert.ok(withData.some((i) => i.key === `${P}:aws.clusterSecurityGroupIds`), `the rule on valid fields still reports: ${lines(withData)}`);
        });

        it("a robot's unknown action is reported together with a bad project name", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [project({
                name: "Web_", robots: [{ name: "ci", preset: "custom", permissions: [{ resource: "repository", action: "fly" }] }],
            })] });
            assert.ok(issues.some((i) => i.key === `${P}:projects[0].name`), lines(issues));
            const action = issues.find((i) => i.key === `${P}:projects[0].robots[0].permissions[0]`);
            assert.ok(action, lines(issues));
            assert.match(action.message, /^action "fly" is not allowed on project resource "repository" \(allowed: .*push/);
            assert.strictEqual(issues.length, 2, lines(issues));
        });

        it("rules inside one project still run when another field of it (or another project) is invalid", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [
                project({ storageQuotaGiB: 0, members: [{ role: "developer" }], robots: [{ name: "ci", preset: "pull", permissions: [{ resource: "repository", action: "pull" }] }] }),
                project({ name: "api", public: "maybe", retention: { rules: [{ template: "latestPushedK" }] } }),
            ] });
            for (const key of ["projects[0].storageQuotaGiB", "projects[0].members[0]", "projects[0].robots[0].permissions", "projects[1].public", "projects[1].retention.rules[0].value"]) {
                assert.ok(issues.some((i) => i.key === `${P}:${key}`), `no issue at ${key}:\n${lines(issues)}`);
            }
            assert.strictEqual(issues.length, 5, lines(issues));
        });

        it("replication rules are checked even when a project is invalid", () => {
            const issues = issuesOf("dev", { ...DEV,
                [`${P}:projects`]: [project({ public: "maybe" })],
                [`${P}:replication`]: { outbound: { enabled: true, sourceProject: "web", prodStack: "", url: "" } },
            });
            assert.ok(issues.some((i) => i.key === `${P}:replication.outbound.prodStack`), lines(issues));
        });

        it("a capitalised project name is reported once, not again as an error about the images that use it", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [project({ name: "Web" })], [`${P}:images`]: [{ ...image, project: "Web" }] });
            assert.deepStrictEqual(issues.map((i) => i.key), [`${P}:projects[0].name`], lines(issues));
        });

        it("an image naming an undeclared project says so and lists the declared ones", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [project({})], [`${P}:images`]: [{ ...image, project: "Nope" }] });
            assert.strictEqual(issues.length, 1, lines(issues));
            assert.strictEqual(issues[0].key, `${P}:images[0].project`);
            assert.match(issues[0].message, /is not a project declared in projects \(declared: web\)/);
        });

        it("a duplicate project is reported as such, without a wrong 'no robot can push' for its images", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [project({}), project({ robots: [] })], [`${P}:images`]: [image] });
            assert.deepStrictEqual(issues.map((i) => `${i.key}: ${i.message}`), [`${P}:projects[1].name: is declared twice; project names are unique`]);
        });

        it("an image of a project that is itself invalid gets no follow-on error", () => {
            const issues = issuesOf("dev", { ...DEV, [`${P}:projects`]: [project({ robots: [{ name: "ci", durationDays: 0 }] })], [`${P}:images`]: [image] });
            assert.deepStrictEqual(issues.map((i) => i.key), [`${P}:projects[0].robots[0].durationDays`], lines(issues));
        });

        it("every issue names its file: Pulumi.<stack>.yaml, and Pulumi.dev.yaml plus the preview profile for pr-<n>", () => {
            const bad = { ...DEV, [`${P}:replicas`]: { cores: 1 } };
            const dev = issuesOf("dev", bad);
            assert.deepStrictEqual(dev.map((i) => i.file), ["Pulumi.dev.yaml"]);
            let err: unknown;
            try { parseSettings("pr-3", bad); } catch (e) { err = e; }
            assert.ok(err instanceof ConfigError);
            assert.deepStrictEqual(err.issues.map((i) => i.file), ["Pulumi.dev.yaml"]);
            assert.match(err.message, /stack 'pr-3'.*Pulumi\.dev\.yaml.*preview profile/);
            assert.match(err.message, /\n  - Pulumi\.dev\.yaml: harbor-platform:replicas\.cores = 1: unknown setting/);
            assert.match(issuesOf("prod", { [`${P}:hostname`]: "" })[0].file ?? "", /^Pulumi\.prod\.yaml$/);
        });

        it("a YAML syntax error in a stack file names the file and the line", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-yaml-"));
            try {
                fs.copyFileSync(path.join(__dirname, "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
                fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  harbor-platform:hostname: harbor.example.com\n  harbor-platform:replicas: {core: 2\n");
                for (const stack of ["dev", "pr-5"]) {
                    assert.throws(() => readStackConfig(stack, dir), (e: unknown) => {
                        assert.ok(e instanceof ConfigError, String(e));
                        assert.strictEqual(e.issues[0].file, "Pulumi.dev.yaml");
                        assert.match(e.message, /Pulumi\.dev\.yaml:\d+(:\d+)?: /);
                        assert.ok(typeof e.issues[0].line === "number" && e.issues[0].line >= 3, `line ${e.issues[0].line}`);
                        return true;
                    });
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("no resource is registered when the config is invalid", () => {
        it("index.ts throws the ConfigError before registering anything", async () => {
            const { recorded } = installMocks("prod");
            pulumi.runtime.setAllConfig({ [`${P}:hostname`]: "harbor.example.com", [`${P}:data`]: '{"mode":"internal"}' });
            assert.throws(() => require("../index"), (e: unknown) => e instanceof ConfigError && /data\.mode/.test(e.message));
            await settle();
            assert.deepStrictEqual(recorded, []);
        });
    });
});
