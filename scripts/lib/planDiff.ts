/**
 * Diffs two offline plans (the JSON printed by `npm run plan -- --stack <s>`) into readable markdown for a
 * pull-request comment: resources created, deleted, replaced and updated (with the input paths that change), and
 * changed outputs. Pure: no I/O here. Secrets are already "[secret]" in plans, so they stay masked.
 *
 * Replacements: a plan has inputs only, no provider diff, so which changed inputs force a replacement comes from
 * `REPLACE_ON` (per resource type the program registers: the providers' force-new inputs, and for the Harbor
 * dynamic resources the replacing inputs each resource's declaration names). A replaced resource counts in
 * both the delete and create totals. A type missing from the table, or an input it cannot vouch for, is marked
 * "may replace". JSON documents in string inputs (IAM and bucket policies) are diffed structurally, every changed
 * path in full.
 */
import { DECLARATIONS } from "../../harbor/declarations";

export interface PlanResource {
    type: string;
    name: string;
    parent?: string;
    inputs?: Record<string, unknown>;
}

export interface Plan {
    stack: string;
    resources: PlanResource[];
    outputs?: Record<string, unknown>;
}

export interface Change {
    path: string;
    before?: unknown;
    after?: unknown;
    /** Rendered without values (e.g. the serialized code of a dynamic provider). */
    opaque?: boolean;
    /** A leaf inside a JSON document held in a string input (`policy(json).Statement[0].Action`): shown in full. */
    json?: boolean;
    /** This change forces a replacement (true), or might ("maybe"). */
    replaces?: true | "maybe";
}

export type ChangeAction = "update" | "replace" | "may-replace";

export interface ResourceChange {
    resource: PlanResource;
    changes: Change[];
    /** replace: deleted and created again; may-replace: the table cannot tell (unknown type or input). */
    action: ChangeAction;
}

export interface ReplaceRule {
    /** Input paths (`bucket`, `metadata.name`) whose change forces a replacement. */
    replace: readonly string[];
    /** Inputs whose change may replace (depends on the provider version or the cloud); shown as "may replace". */
    mayReplace?: readonly string[];
}

const aws = (...replace: string[]): ReplaceRule => ({ replace, mayReplace: ["region"] });
const bucketConfig = aws("bucket", "expectedBucketOwner");
const harbor = (...replace: string[]): ReplaceRule => ({ replace });
const randomText: ReplaceRule = {
    replace: ["length", "special", "upper", "lower", "numeric", "number", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial", "keepers"],
};

/**
 * Inputs that force a replacement, per resource type the program registers (inputs not listed update in place).
 * AWS: the Terraform AWS provider's ForceNew attributes (e.g. aws_db_instance username, db_name, engine,
 * storage_encrypted, kms_key_id; aws_s3_bucket bucket/bucket_prefix); Kubernetes: an object's name and
 * namespace (and a Secret's type, immutable in the API); random and tls: every input but the renewal window;
 * Harbor: each resource's declaration.
 */
export const REPLACE_ON: Readonly<Record<string, ReplaceRule>> = {
    "aws:s3/bucket:Bucket": aws("bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketPolicy:BucketPolicy": aws("bucket"),
    "aws:s3/bucketVersioning:BucketVersioning": bucketConfig,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": aws("bucket"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": aws("bucket"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketConfig,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketConfig,
    "aws:rds/instance:Instance": {
        replace: ["username", "dbName", "engine", "availabilityZone", "characterSetName", "ncharCharacterSetName", "kmsKeyId", "storageEncrypted",
            "snapshotIdentifier", "timezone", "customIamInstanceProfile", "restoreToPointInTime", "s3Import"],
        mayReplace: ["region", "identifier", "identifierPrefix", "replicateSourceDb"],
    },
    "aws:rds/subnetGroup:SubnetGroup": aws("name", "namePrefix"),
    "aws:elasticache/subnetGroup:SubnetGroup": aws("name"),
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        replace: ["replicationGroupId", "port", "subnetGroupName", "atRestEncryptionEnabled", "kmsKeyId", "snapshotArns", "snapshotName",
            "preferredCacheClusterAzs", "securityGroupNames", "dataTieringEnabled", "networkType"],
        mayReplace: ["region", "engine", "transitEncryptionEnabled", "globalReplicationGroupId"],
    },
    "aws:ec2/securityGroup:SecurityGroup": aws("name", "namePrefix", "description", "vpcId"),
    "aws:iam/user:User": aws(),
    "aws:iam/accessKey:AccessKey": aws("user", "pgpKey"),
    "aws:iam/userPolicy:UserPolicy": aws("user", "name", "namePrefix"),
    "pulumi:providers:aws": { replace: [], mayReplace: ["region"] }, // a provider's region can replace everything it manages
    "kubernetes:core/v1:Namespace": { replace: ["metadata.name"] },
    "kubernetes:core/v1:Secret": { replace: ["metadata.name", "metadata.namespace", "type"] },
    "kubernetes:helm.sh/v3:Release": { replace: ["name", "namespace"] },
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": { replace: ["metadata.name", "metadata.namespace"] },
    "random:index/randomPassword:RandomPassword": randomText,
    "random:index/randomString:RandomString": randomText,
    "tls:index/privateKey:PrivateKey": { replace: ["algorithm", "rsaBits", "ecdsaCurve"] },
    "tls:index/selfSignedCert:SelfSignedCert": {
        replace: ["privateKeyPem", "subject", "validityPeriodHours", "allowedUses", "isCaCertificate", "dnsNames", "ipAddresses", "uris", "setSubjectKeyId", "setAuthorityKeyId"],
    },
    // A docker Image rebuilds and pushes on a change; whether the engine shows it as a replacement depends on the provider version.
    "docker:index/image:Image": { replace: [], mayReplace: ["imageName", "build", "registry"] },
    "pulumi:pulumi:StackReference": { replace: ["name"] },
    // Harbor: each resource's declaration (harbor/declarations.ts) names its replacing inputs; projectId too where
    // a resource takes one (another id = its project was replaced: withProjectIdDiff in harbor/provider.ts).
    ...Object.fromEntries(DECLARATIONS.map((d) => [`pulumi-nodejs:dynamic/harbor:${d.type}`, harbor(...(d.replaceOn as string[]), ...("projectId" in d.spec.inputs ? ["projectId"] : []))])),
};

/** Whether a change at `path` is at or under one of `props` (`metadata.name`, `group.name`, `policy(json)...`). */
function under(path: string, props: readonly string[]): boolean {
    return props.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`) || path.startsWith(`${p}(json)`));
}

/** Marks each change that (may) replace, and the resource's action. Component resources (no inputs) only update. */
export function classify(type: string, changes: Change[]): { changes: Change[]; action: ChangeAction } {
    // This program's own component resources have no inputs of a provider: nothing of theirs replaces.
    const rule = REPLACE_ON[type] ?? (type.startsWith("harbor-platform:") ? { replace: [] } : undefined);
    const marked = changes.map((c): Change => {
        if (c.opaque) return c; // the dynamic provider's code: an update
        if (!rule) return { ...c, replaces: "maybe" };
        if (under(c.path, rule.replace)) return { ...c, replaces: true };
        if (rule.mayReplace && under(c.path, rule.mayReplace)) return { ...c, replaces: "maybe" };
        return c;
    });
    const action: ChangeAction = marked.some((c) => c.replaces === true) ? "replace" : marked.some((c) => c.replaces === "maybe") ? "may-replace" : "update";
    return { changes: marked, action };
}

export interface PlanDiff {
    stack: string;
    /** False when there was no base plan to compare with. */
    hasBase: boolean;
    added: PlanResource[];
    removed: PlanResource[];
    changed: ResourceChange[];
    unchanged: number;
    outputs: Change[];
}

/** Parses and checks a plan file's JSON; `label` names the file in errors. */
export function parsePlan(json: string, label: string): Plan {
    let raw: unknown;
    try {
        raw = JSON.parse(json);
    } catch (e) {
        throw new Error(`${label} is not valid JSON: ${(e as Error).message}`);
    }
    const obj = raw as Partial<Plan> | null;
    if (!obj || typeof obj !== "object" || typeof obj.stack !== "string" || !Array.isArray(obj.resources)) {
        throw new Error(`${label} is not a plan: expected {"stack": string, "resources": [...], "outputs": {...}} as printed by \`npm run plan -- --stack <name>\``);
    }
    obj.resources.forEach((r, i) => {
        if (!r || typeof r.type !== "string" || typeof r.name !== "string") {
            throw new Error(`${label}: resources[${i}] needs string "type" and "name"`);
        }
    });
    return { stack: obj.stack, resources: obj.resources, outputs: obj.outputs ?? {} };
}

/** Identity of a resource across plans: type + name, plus the parent when type+name is ambiguous. */
function keyed(resources: PlanResource[]): Map<string, PlanResource> {
    const counts = new Map<string, number>();
    for (const r of resources) {
        counts.set(`${r.type}::${r.name}`, (counts.get(`${r.type}::${r.name}`) ?? 0) + 1);
    }
    const out = new Map<string, PlanResource>();
    for (const r of resources) {
        const base = `${r.type}::${r.name}`;
        out.set((counts.get(base) ?? 0) > 1 ? `${r.parent ?? ""}>${base}` : base, r);
    }
    return out;
}

/** Keys holding machine-generated blobs: compared, but never printed. */
const OPAQUE_KEYS = new Set(["__provider"]);

/** Flattens a value into `a.b[0].c` → leaf, for path-level diffs. */
export function flatten(value: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
    const doc = prefix ? jsonDocument(value) : undefined;
    if (doc !== undefined) {
        flatten(doc, `${prefix}(json)`, out);
        return out;
    }
    if (Array.isArray(value) && value.length > 0) {
        value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    } else if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const path = prefix ? `${prefix}.${k}` : k;
            if (OPAQUE_KEYS.has(k)) {
                out.set(path, JSON.stringify(v));
            } else {
                flatten(v, path, out);
            }
        }
    } else if (prefix) {
        out.set(prefix, value);
    }
    return out;
}

/** A string holding a JSON object or list (a policy document), parsed; undefined otherwise. */
function jsonDocument(value: unknown): unknown {
    if (typeof value !== "string") return undefined;
    const t = value.trim();
    if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]"))) return undefined;
    try {
        const v = JSON.parse(t) as unknown;
        return v !== null && typeof v === "object" ? v : undefined;
    } catch {
        return undefined;
    }
}

export function diffValues(before: unknown, after: unknown): Change[] {
    const a = flatten(before);
    const b = flatten(after);
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const changes: Change[] = [];
    for (const path of paths) {
        const [x, y] = [a.get(path), b.get(path)];
        if (JSON.stringify(x) !== JSON.stringify(y)) {
            const opaque = OPAQUE_KEYS.has(path.split(".").pop() ?? "");
            changes.push(opaque ? { path, opaque } : path.includes("(json)") ? { path, before: x, after: y, json: true } : { path, before: x, after: y });
        }
    }
    return changes;
}

export function diffPlans(base: Plan | undefined, head: Plan): PlanDiff {
    const before = keyed(base?.resources ?? []);
    const after = keyed(head.resources);
    const diff: PlanDiff = { stack: head.stack, hasBase: base !== undefined, added: [], removed: [], changed: [], unchanged: 0, outputs: [] };
    for (const [key, r] of after) {
        const old = before.get(key);
        if (!old) {
            diff.added.push(r);
            continue;
        }
        const changes = diffValues(old.inputs ?? {}, r.inputs ?? {});
        if (changes.length > 0) {
            diff.changed.push({ resource: r, ...classify(r.type, changes) });
        } else {
            diff.unchanged++;
        }
    }
    for (const [key, r] of before) {
        if (!after.has(key)) {
            diff.removed.push(r);
        }
    }
    diff.outputs = base ? diffValues(base.outputs ?? {}, head.outputs ?? {}) : [];
    return diff;
}

export interface RenderOptions {
    /** Input paths listed per updated resource before "and N more". */
    maxChangesPerResource?: number;
    /** Longest rendered value. */
    maxValueLength?: number;
}

/** A value as inline code, short and safe inside a markdown table cell. */
export function cell(value: unknown, max = 60): string {
    let s = value === undefined ? "(unset)" : JSON.stringify(value);
    if (s.length > max) {
        s = s.slice(0, max - 1) + "…";
    }
    s = s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
    return s.includes("`") ? `<code>${s.replace(/</g, "&lt;")}</code>` : `\`${s}\``;
}

function renderChange(c: Change, maxValue: number): string {
    if (c.opaque) {
        return `\`${c.path}\` (provider code changed)`;
    }
    const max = c.json ? Infinity : maxValue; // a leaf of a JSON document is shown whole
    const mark = c.replaces === true ? " **(forces replacement)**" : c.replaces === "maybe" ? " (may force replacement)" : "";
    return renderValues(c, max) + mark;
}

function renderValues(c: Change, max: number): string {
    if (c.before === undefined) {
        return `\`${c.path}\`: + ${cell(c.after, max)}`;
    }
    if (c.after === undefined) {
        return `\`${c.path}\`: − ${cell(c.before, max)}`;
    }
    return `\`${c.path}\`: ${cell(c.before, max)} → ${cell(c.after, max)}`;
}

export function renderDiff(diff: PlanDiff, o: RenderOptions = {}): string {
    const maxChanges = o.maxChangesPerResource ?? 12;
    const maxValue = o.maxValueLength ?? 60;
    const lines: string[] = [`#### Plan of \`${diff.stack}\``, ""];
    if (!diff.hasBase) {
        lines.push("_No plan of the base branch to compare with (first plan, or the base branch could not be planned): everything is listed as new._", "");
    }
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    const replaced = diff.changed.filter((c) => c.action === "replace").length;
    const maybe = diff.changed.filter((c) => c.action === "may-replace").length;
    const notes = [
        ...(replaced ? [`${replaced} replaced: deleted and created again`] : []),
        ...(maybe ? [`${maybe} may be replaced`] : []),
    ];
    lines.push(
        `**${diff.added.length + replaced} to create, ${diff.changed.length - replaced} to update, ${diff.removed.length + replaced} to delete**` +
            `${notes.length ? ` (${notes.join("; ")})` : ""}, ${diff.unchanged} unchanged.`,
        "",
    );
    if (total > 0) {
        const rows: string[] = ["| | Resource | Type | Changes |", "|---|---|---|---|"];
        for (const r of diff.added) {
            rows.push(`| + | \`${r.name}\` | \`${r.type}\` | |`);
        }
        // Replacements first: they are what a reviewer must not miss.
        const order: Record<ChangeAction, number> = { replace: 0, "may-replace": 1, update: 2 };
        for (const { resource, changes, action } of [...diff.changed].sort((a, b) => order[a.action] - order[b.action])) {
            // Every change that forces a replacement and every changed leaf of a JSON document is listed; the rest is capped.
            const always = changes.filter((c) => c.replaces === true || c.json);
            const rest = changes.filter((c) => !(c.replaces === true || c.json));
            const shown = [...always, ...rest.slice(0, maxChanges)].map((c) => renderChange(c, maxValue));
            if (rest.length > maxChanges) {
                shown.push(`… and ${rest.length - maxChanges} more`);
            }
            const marker = action === "replace" ? "± replace" : action === "may-replace" ? "~ may replace" : "~";
            rows.push(`| ${marker} | \`${resource.name}\` | \`${resource.type}\` | ${shown.join("<br>")} |`);
        }
        for (const r of diff.removed) {
            rows.push(`| − | \`${r.name}\` | \`${r.type}\` | |`);
        }
        // Long tables fold away so the comment stays readable.
        if (rows.length > 32) {
            lines.push("<details><summary>Resources</summary>", "", ...rows, "", "</details>");
        } else {
            lines.push(...rows);
        }
        lines.push("");
    }
    if (diff.outputs.length > 0) {
        lines.push("Outputs:", "", ...diff.outputs.map((c) => `- ${renderChange(c, maxValue)}`), "");
    }
    return lines.join("\n");
}
