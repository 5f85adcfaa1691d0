import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { HARBOR_CHART } from "../../config";
import { BlobStorageRef, childOf, DatabaseRef, RedisRef, secretsRevision, TOKEN_PREFIX } from "../common";
import { buildHarborAlertRules, HarborAlertsArgs, PROMETHEUS_RULE, ruleLabels } from "./alerts";
import { buildHarborValues, HARBOR_SECRETS, HarborValuesArgs, HarborValuesRefs, REGISTRY_USER } from "./values";

/** Arguments of {@link Harbor}: how Harbor runs (the chart values' {@link HarborValuesArgs}) and what it connects to. */
export interface HarborArgs extends HarborValuesArgs {
    /** Namespace to create and install into. */
    namespace: string;
    /**
     * Harbor's alerts: a Prometheus Operator PrometheusRule next to the release (needs its CRD, and `metrics.enabled`
     * for the series). Absent: none.
     */
    alerts?: HarborAlertsArgs;
    /** Blob storage (S3 or MinIO) and its credentials. */
    storage: BlobStorageRef;
    /** External PostgreSQL; absent means the chart's internal database (dev/previews only). */
    database?: DatabaseRef;
    /** External Redis; absent means the chart's internal Redis (dev/previews only). */
    redis?: RedisRef;
    /** Protect the namespace (prod): deleting it would take Harbor and its Secrets with it. */
    protect: boolean;
    /** Helm release name. Default `harbor`. */
    releaseName?: string;
    /**
     * What the Helm release waits for besides its Secrets: the storage (MinIO's release creates Harbor's bucket in a
     * post-install hook; the registry fails its first pushes without it).
     */
    waitFor?: pulumi.Resource[];
}

/**
 * Harbor itself: its namespace, every secret the chart would otherwise regenerate on each render pinned from
 * @pulumi/random and @pulumi/tls into Kubernetes Secrets (referenced through the chart's existingSecret keys, so
 * nothing rolls on the next `pulumi up` and no secret sits in Helm values), and the official chart as a
 * `helm.v3.Release` (the Helm SDK installs against the cluster, so the chart's `lookup` of the Redis Secret works).
 */
export class Harbor extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;
    /** Harbor's alerts (a Prometheus Operator PrometheusRule), when `alerts` is given. */
    readonly alertRule?: k8s.apiextensions.CustomResource;
    readonly externalUrl: pulumi.Output<string>;
    readonly adminUsername: pulumi.Output<string>;
    /** Secret. Only the initial password: later changes go through Harbor's UI/API. */
    readonly adminPassword: pulumi.Output<string>;

    constructor(name: string, args: HarborArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${TOKEN_PREFIX}:harbor:Harbor`, name, {}, opts);
        const S = HARBOR_SECRETS;

        const ns = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.namespace, labels: { "app.kubernetes.io/part-of": "harbor" } },
        }, childOf(this, { protect: args.protect }));
        const namespace = ns.metadata.name;

        // Alphanumeric, like the chart's randAlphaNum; lengths are what Harbor requires.
        const alnum = (id: string, length: number) =>
            new random.RandomString(`${name}-${id}`, { length, special: false }, childOf(this, { additionalSecretOutputs: ["result"] }));
        const adminPassword = new random.RandomPassword(`${name}-admin`, { length: 24, special: true, overrideSpecial: "!#%+-_" }, childOf(this));
        const secretKey = alnum("secret-key", 16); // encrypts credentials stored in the database: never change it
        const coreSecret = alnum("core-secret", 16);
        const xsrfKey = alnum("xsrf-key", 32); // must be exactly 32 characters
        const jobserviceSecret = alnum("jobservice-secret", 16);
        const registryHttpSecret = alnum("registry-http-secret", 16);
        // The registry's basic-auth user: htpasswd needs bcrypt, which RandomPassword computes once and keeps.
        const registryPassword = new random.RandomPassword(`${name}-registry-password`, { length: 32, special: false }, childOf(this));

        // Token-signing key and certificate (otherwise genCA on every render).
        const tokenKey = new tls.PrivateKey(`${name}-token-key`, { algorithm: "RSA", rsaBits: 4096 }, childOf(this));
        const tokenCert = new tls.SelfSignedCert(`${name}-token-cert`, {
            privateKeyPem: tokenKey.privateKeyPem,
            subject: { commonName: "harbor-token-ca" },
            validityPeriodHours: 5 * 365 * 24,
            earlyRenewalHours: 90 * 24,
            isCaCertificate: true,
            allowedUses: ["digital_signature", "cert_signing", "key_encipherment"],
        }, childOf(this));

        const secret = (id: string, secretName: string, stringData: Record<string, pulumi.Input<string>>, type = "Opaque") =>
            new k8s.core.v1.Secret(`${name}-${id}`, {
                metadata: { name: secretName, namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
                type,
                stringData,
            }, childOf(this));

        const secrets: k8s.core.v1.Secret[] = [
            secret("admin", S.admin.name, { [S.admin.key]: adminPassword.result }),
            secret("secret-key", S.secretKey.name, { [S.secretKey.key]: secretKey.result }),
            secret("core-secret", S.core.name, { [S.core.key]: coreSecret.result }),
            secret("xsrf", S.xsrf.name, { [S.xsrf.key]: xsrfKey.result }),
            secret("token-signing", S.tokenSigning.name, { "tls.key": tokenKey.privateKeyPem, "tls.crt": tokenCert.certPem }, "kubernetes.io/tls"),
            secret("jobservice-secret", S.jobservice.name, { [S.jobservice.key]: jobserviceSecret.result }),
            secret("registry-http", S.registryHttp.name, { [S.registryHttp.key]: registryHttpSecret.result }),
            secret("registry-credentials", S.registryCredentials.name, {
                [S.registryCredentials.passwordKey]: registryPassword.result,
                [S.registryCredentials.htpasswdKey]: pulumi.interpolate`${REGISTRY_USER}:${registryPassword.bcryptHash}`,
            }),
            secret("s3", S.s3.name, {
                [S.s3.accessKeyKey]: args.storage.credentials.accessKeyId,
                [S.s3.secretKeyKey]: args.storage.credentials.secretAccessKey,
            }),
        ];
        if (args.database) secrets.push(secret("database", S.database.name, { [S.database.key]: args.database.password }));
        // The chart's internal PostgreSQL (dev, previews) takes its password only from values, and defaults to a
        // public one. A generated one goes into a values file of its own, a secret input of the release, so the
        // values stay plain and reviewable. PostgreSQL keeps the password it was initialised with: never rotate it.
        const internalDatabasePassword = args.database
            ? undefined
            : new random.RandomPassword(`${name}-internal-database`, { length: 32, special: false }, childOf(this));
        if (args.redis?.password) secrets.push(secret("redis", S.redis.name, { [S.redis.key]: args.redis.password }));

        // A plain object with Outputs only at the endpoint leaves: a preview shows (and policies check) the rest.
        const refs: HarborValuesRefs = {
            storage: {
                bucket: args.storage.bucket, region: args.storage.region, regionEndpoint: args.storage.regionEndpoint,
                disableRedirect: args.storage.disableRedirect, encrypt: args.storage.encrypt, kmsKeyId: args.storage.kmsKeyId,
            },
            database: args.database
                ? {
                      kind: "external", host: args.database.host, port: args.database.port.apply(String),
                      username: args.database.username, database: args.database.database, sslmode: args.database.sslmode,
                  }
                : { kind: "internal" },
            redis: args.redis
                ? { kind: "external", addr: args.redis.addr, tls: args.redis.tls, hasPassword: args.redis.password !== undefined }
                : { kind: "internal" },
            secretsRevision: secretsRevision(secrets),
        };
        const values = buildHarborValues(args, refs);

        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: args.releaseName ?? "harbor",
            chart: HARBOR_CHART.name,
            version: HARBOR_CHART.version,
            repositoryOpts: { repo: HARBOR_CHART.repo },
            namespace,
            values,
            ...(internalDatabasePassword
                ? { valueYamlFiles: [pulumi.secret(internalDatabasePassword.result.apply((password) => new pulumi.asset.StringAsset(JSON.stringify({ database: { internal: { password } } }))))] }
                : {}),
            timeout: 900,
            maxHistory: 10,
            // No atomic rollback: a failed upgrade after Harbor's DB migration cannot be rolled back by Helm anyway.
            atomic: false,
            waitForJobs: true,
        }, childOf(this, { dependsOn: [...secrets, ...(args.waitFor ?? [])] }));

        if (args.alerts) {
            // Needs the Prometheus Operator's CRD: without it `pulumi up` fails on this resource with "no matches for
            // kind PrometheusRule" (docs/operations.md, Monitoring). After the release: a first install would
            // otherwise alert on a Harbor still starting (no health reported yet).
            this.alertRule = new k8s.apiextensions.CustomResource(`${name}-alerts`, {
                apiVersion: PROMETHEUS_RULE.apiVersion,
                kind: PROMETHEUS_RULE.kind,
                metadata: {
                    name: `${args.releaseName ?? "harbor"}-alerts`, namespace,
                    labels: { "app.kubernetes.io/part-of": "harbor", "app.kubernetes.io/managed-by": "pulumi", ...ruleLabels(args.alerts, args.metrics.serviceMonitorLabels) },
                },
                spec: buildHarborAlertRules(args.alerts, args.namespace),
            }, childOf(this, { dependsOn: [this.release] }));
        }

        this.namespace = namespace;
        this.externalUrl = pulumi.output(args.externalUrl);
        this.adminUsername = pulumi.output("admin");
        this.adminPassword = pulumi.secret(adminPassword.result);
        this.registerOutputs({
            namespace: this.namespace, externalUrl: this.externalUrl, adminUsername: this.adminUsername,
            adminPassword: this.adminPassword, releaseStatus: this.release.status,
        });
    }
}
