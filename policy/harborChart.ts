/**
 * Policies on the Harbor Helm release (`kubernetes:helm.sh/v3:Release`, chart "harbor"): pinned chart version,
 * no secrets in values, TLS on the ingress outside previews, HA in production, Trivy on, pinned internal secrets.
 * Policies see only the values the program passes (not the chart defaults merged in), so an absent key means
 * "chart default" and is judged against the default documented in the chart's values.yaml (1.19.1).
 */
import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
    environmentOf, isExactSemver, isNonEmptyString, isPlainObject, keysOf, read, show, UNKNOWN, withDefaults,
} from "./helpers";
import { PRODUCTION_CONFIG_SCHEMA, ProductionConfig } from "./aws";

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const HELM_CHART_V4_TYPE = "kubernetes:helm.sh/v4:Chart";
export const HARBOR_CHART_TYPES = [HELM_RELEASE_TYPE, HELM_CHART_V4_TYPE];

/** True for a Helm release/chart of the official Harbor chart (by chart name or goharbor repository). */
export function isHarborChart(args: Pick<ResourceValidationArgs, "type" | "props">): boolean {
    if (!HARBOR_CHART_TYPES.includes(args.type)) {
        return false;
    }
    const chart = read(args.props, ["chart"]);
    if (typeof chart === "string") {
        return /(^|\/)harbor$/.test(chart); // "harbor", "goharbor/harbor", "oci://example.com/charts/harbor"
    }
    const repo = read(args.props, ["repositoryOpts", "repo"]);
    return typeof repo === "string" && /goharbor/.test(repo);
}

/** The chart values as the program passed them (`UNKNOWN` when the whole object is computed in preview). */
function harborValues(args: ResourceValidationArgs): Record<string, unknown> | typeof UNKNOWN {
    const values = read(args.props, ["values"]);
    if (values === UNKNOWN) {
        return UNKNOWN;
    }
    return isPlainObject(values) ? values : {};
}

/** Runs `check` only on the Harbor chart, with its values known. */
function onHarborValues(
    check: (values: Record<string, unknown>, args: ResourceValidationArgs, report: (m: string) => void) => void,
) {
    return (args: ResourceValidationArgs, report: (m: string) => void): void => {
        if (!isHarborChart(args)) {
            return;
        }
        const values = harborValues(args);
        if (values === UNKNOWN) {
            return; // values computed from unknowns in preview: judged at deploy time
        }
        check(values, args, report);
    };
}

export interface ChartVersionConfig {
    /** Optional allow-list of exact chart versions (e.g. ["1.19.1"]). */
    allowedVersions: string[];
}

export const harborChartVersionPinned: ResourceValidationPolicy = {
    name: "harbor-chart-version-pinned",
    description: "The Harbor chart version is pinned to an exact SemVer (no range, no empty/latest).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: { properties: { allowedVersions: { type: "array", items: { type: "string" }, default: [] } } },
    validateResource: (args, report) => {
        if (!isHarborChart(args)) {
            return;
        }
        const cfg = withDefaults<ChartVersionConfig>({ allowedVersions: [] }, args.getConfig<ChartVersionConfig>());
        const version = read(args.props, ["version"]);
        if (version === UNKNOWN) {
            return;
        }
        if (!isNonEmptyString(version) || !isExactSemver(version.trim())) {
            report(`Harbor chart "${args.name}": version is ${show(version)}; pin an exact version such as "1.19.1" (ranges like ^1.19 or ~1.19.0 and empty values pull whatever is newest).`);
            return;
        }
        if (cfg.allowedVersions.length > 0 && !cfg.allowedVersions.includes(version)) {
            report(`Harbor chart "${args.name}": version "${version}" is not in the allowed list ${show(cfg.allowedVersions)}.`);
        }
    },
};

/**
 * Values paths that carry a secret (`*` matches one segment). From the chart's values.yaml 1.19.1; every one has
 * an existingSecret/secretName alternative.
 */
export const SECRET_VALUE_PATHS = [
    "harborAdminPassword",
    "secretKey",
    "core.secret",
    "core.xsrfKey",
    "core.tokenKey",
    "jobservice.secret",
    "registry.secret",
    "registry.credentials.password",
    "registry.credentials.htpasswdString",
    "database.external.password",
    "database.internal.password",
    "redis.external.password",
    "persistence.imageChartStorage.s3.accesskey",
    "persistence.imageChartStorage.s3.secretkey",
    "persistence.imageChartStorage.azure.accountkey",
    "persistence.imageChartStorage.gcs.encodedkey",
    "persistence.imageChartStorage.swift.password",
    "persistence.imageChartStorage.swift.accesskey",
    "persistence.imageChartStorage.swift.secretkey",
    "persistence.imageChartStorage.oss.accesskeyid",
    "persistence.imageChartStorage.oss.accesskeysecret",
    "trivy.gitHubToken",
    "internalTLS.*.key",
];

/** Any other key whose name says "secret" (a catch-all for keys added in later chart versions). */
const SECRET_KEY_NAME = /(password|passwd|secret|token|accesskey|secretkey|accountkey|encodedkey|privatekey|apikey)$/i;
/** Keys that name or point at a Secret rather than hold one. */
const SECRET_REFERENCE_NAME = /^existing|secretname$|^privatekeysecret$/i;

function pathMatches(pattern: string, path: string[]): boolean {
    const parts = pattern.split(".");
    return parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i]);
}

/** Paths in the values that hold a secret. Never returns the values themselves. */
export function findSecretValuePaths(values: unknown, prefix: string[] = []): string[] {
    const found: string[] = [];
    for (const key of keysOf(values)) {
        const path = [...prefix, key];
        const v = read(values, [key]);
        const present = v === UNKNOWN || (v !== undefined && v !== null && v !== "" && v !== false);
        if (present && SECRET_VALUE_PATHS.some((p) => pathMatches(p, path))) {
            found.push(path.join("."));
            continue;
        }
        if (isPlainObject(v)) {
            found.push(...findSecretValuePaths(v, path));
        } else if ((typeof v === "string" && v !== "" || v === UNKNOWN) && SECRET_KEY_NAME.test(key) && !SECRET_REFERENCE_NAME.test(key)) {
            found.push(path.join("."));
        }
    }
    return found;
}

/** existingSecret keys that must be set, given the values (empty means the chart falls back to a default secret). */
export function missingExistingSecrets(values: Record<string, unknown>): string[] {
    const required: string[][] = [["existingSecretAdminPassword"], ["existingSecretSecretKey"]];
    if (read(values, ["database", "type"]) === "external") {
        required.push(["database", "external", "existingSecret"]);
    }
    if (read(values, ["persistence", "imageChartStorage", "type"]) === "s3") {
        required.push(["persistence", "imageChartStorage", "s3", "existingSecret"]);
    }
    return required
        .filter((p) => {
            const v = read(values, p);
            return v !== UNKNOWN && !isNonEmptyString(v);
        })
        .map((p) => p.join("."));
}

export const harborValuesNoSecrets: ResourceValidationPolicy = {
    name: "harbor-values-no-secrets",
    description: "No password, key or token in the Harbor chart values (they end up in the Helm release in clear); secrets come from existingSecret references.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Create a Kubernetes Secret from a Pulumi secret and reference it with the chart's existingSecret* keys.",
    validateResource: onHarborValues((values, args, report) => {
        for (const path of findSecretValuePaths(values)) {
            report(`Harbor chart "${args.name}": values.${path} holds a secret; use the matching existingSecret key instead.`);
        }
        for (const path of missingExistingSecrets(values)) {
            report(`Harbor chart "${args.name}": values.${path} is not set, so the chart falls back to its built-in default secret; point it at a Kubernetes Secret.`);
        }
    }),
};

export const harborIngressTls: ResourceValidationPolicy = {
    name: "harbor-ingress-tls",
    description: "Outside pr-<n> previews, Harbor is exposed with TLS from a managed certificate (expose.tls.enabled, certSource secret or none, https externalURL).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onHarborValues((values, args, report) => {
        if (environmentOf(args.urn).preview) {
            return;
        }
        const enabled = read(values, ["expose", "tls", "enabled"]);
        if (enabled === false) {
            report(`Harbor chart "${args.name}": expose.tls.enabled is false; TLS is required outside previews.`);
            return;
        }
        const source = read(values, ["expose", "tls", "certSource"]);
        if (source !== UNKNOWN && source !== "secret" && source !== "none") {
            report(`Harbor chart "${args.name}": expose.tls.certSource is ${show(source ?? "auto (chart default)")}; use "secret" (cert-manager or an existing TLS Secret) or "none" (TLS at the load balancer). "auto" regenerates a self-signed certificate on every render.`);
        }
        if (source === "secret") {
            const name = read(values, ["expose", "tls", "secret", "secretName"]);
            if (name !== UNKNOWN && !isNonEmptyString(name)) {
                report(`Harbor chart "${args.name}": expose.tls.certSource is "secret" but expose.tls.secret.secretName is empty.`);
            }
        }
        const url = read(values, ["externalURL"]);
        if (typeof url === "string" && !url.startsWith("https://")) {
            report(`Harbor chart "${args.name}": externalURL ${show(url)} must start with https:// (token realm and CSRF checks follow it).`);
        }
    }),
};

export const HA_COMPONENTS = ["portal", "core", "jobservice", "registry", "trivy"];

export interface HaConfig extends ProductionConfig {
    minReplicas: number;
}

export const harborProductionHa: ResourceValidationPolicy = {
    name: "harbor-production-ha",
    description: "In production, Harbor runs at least 2 replicas of portal/core/jobservice/registry/trivy, on external PostgreSQL and Redis, shared object storage and no node-local job logs.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            ...PRODUCTION_CONFIG_SCHEMA.properties,
            minReplicas: { type: "integer", minimum: 1, default: 2 },
        },
    },
    validateResource: onHarborValues((values, args, report) => {
        const cfg = withDefaults<HaConfig>({ productionStacks: ["prod"], minReplicas: 2 }, args.getConfig<HaConfig>());
        if (!environmentOf(args.urn, cfg.productionStacks).production) {
            return;
        }
        const trivyOff = read(values, ["trivy", "enabled"]) === false;
        for (const c of HA_COMPONENTS) {
            if (c === "trivy" && trivyOff) {
                continue; // reported by harbor-trivy-enabled
            }
            const replicas = read(values, [c, "replicas"]);
            if (replicas === UNKNOWN) {
                continue;
            }
            const n = typeof replicas === "number" ? replicas : replicas === undefined ? 1 : Number(replicas);
            if (!(n >= cfg.minReplicas)) {
                report(`Harbor chart "${args.name}" in production: ${c}.replicas is ${show(replicas ?? 1)}; at least ${cfg.minReplicas} are required.`);
            }
        }
        for (const dep of ["database", "redis"]) {
            const type = read(values, [dep, "type"]);
            if (type !== UNKNOWN && type !== "external") {
                report(`Harbor chart "${args.name}" in production: ${dep}.type is ${show(type ?? "internal (chart default)")}; production uses an external HA ${dep === "database" ? "PostgreSQL" : "Redis"}.`);
            }
        }
        const storage = read(values, ["persistence", "imageChartStorage", "type"]);
        if (storage === undefined || storage === "filesystem") {
            report(`Harbor chart "${args.name}" in production: persistence.imageChartStorage.type is ${show(storage ?? "filesystem (chart default)")}; several registry replicas need shared object storage (s3).`);
        }
        const loggers = read(values, ["jobservice", "jobLoggers"]);
        if (loggers === undefined || (Array.isArray(loggers) && loggers.includes("file"))) {
            report(`Harbor chart "${args.name}" in production: jobservice.jobLoggers is ${show(loggers ?? ["file"])}; the "file" logger is node-local, use ["database", "stdout"].`);
        }
    }),
};

export const harborTrivyEnabled: ResourceValidationPolicy = {
    name: "harbor-trivy-enabled",
    description: "The Trivy scanner is deployed with Harbor (trivy.enabled not false).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: onHarborValues((values, args, report) => {
        if (read(values, ["trivy", "enabled"]) === false) {
            report(`Harbor chart "${args.name}": trivy.enabled is false; vulnerability scanning is required.`);
        }
    }),
};

/** Internal secrets the chart would otherwise regenerate on every render (rolling pods, breaking tokens). */
export const PINNED_SECRET_REFS = [
    "core.existingSecret",
    "core.existingXsrfSecret",
    "core.secretName",
    "jobservice.existingSecret",
    "registry.existingSecret",
    "registry.credentials.existingSecret",
];

export const harborPinnedSecrets: ResourceValidationPolicy = {
    name: "harbor-pinned-secrets",
    description: "Harbor's internal secrets (core, CSRF, token-signing cert, jobservice, registry, registry credentials) come from pinned Secrets, so renders are stable.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: onHarborValues((values, args, report) => {
        const missing = PINNED_SECRET_REFS.filter((p) => {
            const v = read(values, p.split("."));
            return v !== UNKNOWN && !isNonEmptyString(v);
        });
        if (missing.length > 0) {
            report(`Harbor chart "${args.name}": ${missing.map((m) => `values.${m}`).join(", ")} not set; the chart then generates new random secrets on renders without cluster access, rolling pods and invalidating tokens.`);
        }
    }),
};

export const harborChartPolicies = [
    harborChartVersionPinned, harborValuesNoSecrets, harborIngressTls, harborProductionHa, harborTrivyEnabled, harborPinnedSecrets,
];
