// ReplicationPolicy: push local repositories to a registry endpoint, or pull from it.
//
// Harbor quirks handled (see harbor/README.md, ReplicationPolicy):
// - the handlers read the DEPRECATED `deletion` field: both `deletion` and `replicate_deletion` are sent;
// - `dest_namespace_replace_count` left out means -1 (legacy flattening): it is always sent, explicitly;
// - filters are one object per type (a typed `filters` input makes "several attributes in one block" impossible),
//   decoration only on tag and label, label values as an array;
// - scheduled triggers need 6 fields, seconds 0 and minutes not "*": validated in check, converted from 5 fields;
// - negative speeds are stored as 0, so 0 (unlimited) is the default and the minimum;
// - direction is where the local Harbor (registry id 0) sits: push = dest set, pull = src set; it forces a replace;
// - Harbor's PUT writes EVERY column (handler/replication.go UpdateReplicationPolicy builds a fresh policy, dao
//   Update without a column list): copy_by_chunk and single_active_replication left out are reset to false, so both
//   are managed inputs, always sent; single_active_replication with an event_based trigger is refused (Harbor: 500);
// - EVERY field is read back (filters, description and speed included, which the Terraform provider does not).
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, qExact } from "./client";
import { fromHarborCron, normalizeSchedule, scheduleProblem, toHarborCron } from "./cron";
import { nested, objectInput } from "./nestedInputs";
import { adoptExisting, adoptInput, Connection, diffManaged, HarborProvider, InputChecker, isUnknown, pick, readOrGone, requireState } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource } from "./resource";
import { patternProblem } from "./selectors";

export const REPLICATION_DIRECTIONS = ["push", "pull"] as const;
export const REPLICATION_TRIGGERS = ["manual", "event_based", "scheduled"] as const;
export const FILTER_DECORATIONS = ["matches", "excludes"] as const;
export const REPLICATION_RESOURCES = ["image", "artifact"] as const;
export type ReplicationDirection = (typeof REPLICATION_DIRECTIONS)[number];
export type ReplicationTriggerType = (typeof REPLICATION_TRIGGERS)[number];
export type FilterDecoration = (typeof FILTER_DECORATIONS)[number];

/** Filters, at most one per type (checked form: decorations defaulted, label values sorted). */
export interface ReplicationFilters {
    /** Repository name pattern (doublestar), e.g. "library/**". */
    name?: string;
    tag?: { pattern: string; decoration: FilterDecoration };
    label?: { values: string[]; decoration: FilterDecoration };
    resource?: (typeof REPLICATION_RESOURCES)[number];
}

export interface ReplicationTrigger {
    type: ReplicationTriggerType;
    /** scheduled only: 5-field cron or hourly/daily/weekly (normalised). */
    cron?: string;
}

export interface ReplicationPolicyInputs {
    connection: Connection;
    /** Take over the existing object of the same identity instead of failing on it (harbor/README.md "Adoption"). */
    adopt?: boolean;
    name: string;
    direction: ReplicationDirection;
    registryId: number;
    filters: ReplicationFilters;
    trigger: ReplicationTrigger;
    destNamespace: string;
    destNamespaceReplaceCount: number;
    override: boolean;
    replicateDeletion: boolean;
    speedKbps: number;
    /** Copy blobs in chunks (copy_by_chunk). */
    copyByChunk: boolean;
    /** At most one execution of the policy at a time (single_active_replication); not with event_based triggers. */
    singleActiveReplication: boolean;
    enabled: boolean;
    description: string;
}

export interface ReplicationPolicyOutputs extends ReplicationPolicyInputs {
    policyId: number;
}

const MANAGED = ["name", "direction", "registryId", "filters", "trigger", "destNamespace", "destNamespaceReplaceCount", "override", "replicateDeletion", "speedKbps", "copyByChunk", "singleActiveReplication", "enabled", "description"] as const;
const INPUT_KEYS = ["connection", ...MANAGED] as const;
const NAMESPACE_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)?$/;

interface ApiFilter {
    type: string;
    value?: unknown;
    decoration?: string;
}
interface ApiPolicy {
    id: number;
    name: string;
    description?: string;
    src_registry?: { id?: number } | null;
    dest_registry?: { id?: number } | null;
    dest_namespace?: string;
    dest_namespace_replace_count?: number | null;
    trigger?: { type?: string; trigger_settings?: { cron?: string } | null } | null;
    filters?: ApiFilter[] | null;
    replicate_deletion?: boolean;
    deletion?: boolean;
    override?: boolean;
    enabled?: boolean;
    speed?: number | null;
    copy_by_chunk?: boolean;
    single_active_replication?: boolean;
}

/** Inputs → Harbor's ReplicationPolicy body (every managed field, always). */
function toHarbor(p: ReplicationPolicyInputs): Record<string, unknown> {
    const filters: ApiFilter[] = [];
    if (p.filters.name !== undefined) filters.push({ type: "name", value: p.filters.name });
    if (p.filters.tag) filters.push({ type: "tag", value: p.filters.tag.pattern, decoration: p.filters.tag.decoration });
    if (p.filters.label) filters.push({ type: "label", value: p.filters.label.values, decoration: p.filters.label.decoration });
    if (p.filters.resource !== undefined) filters.push({ type: "resource", value: p.filters.resource });
    return {
        name: p.name,
        description: p.description,
        ...(p.direction === "push" ? { dest_registry: { id: p.registryId } } : { src_registry: { id: p.registryId } }),
        dest_namespace: p.destNamespace,
        dest_namespace_replace_count: p.destNamespaceReplaceCount,
        trigger: { type: p.trigger.type, ...(p.trigger.type === "scheduled" ? { trigger_settings: { cron: toHarborCron(p.trigger.cron!) } } : {}) },
        filters,
        replicate_deletion: p.replicateDeletion,
        deletion: p.replicateDeletion, // the handlers read this deprecated field
        override: p.override,
        enabled: p.enabled,
        speed: p.speedKbps,
        // Always sent: Harbor's PUT resets what is left out to false.
        copy_by_chunk: p.copyByChunk,
        single_active_replication: p.singleActiveReplication,
    };
}

/** Harbor policy → managed fields, normalised like check (previous trigger keeps the user's cron spelling). */
function fromHarbor(a: ApiPolicy, previous?: ReplicationTrigger): Omit<ReplicationPolicyInputs, "connection"> {
    const push = (a.dest_registry?.id ?? 0) !== 0;
    const filters: ReplicationFilters = {};
    for (const f of a.filters ?? []) {
        const deco = (f.decoration || "matches") as FilterDecoration;
        // One per type is what this resource writes; if a second one of a type was added elsewhere, the last wins
        // here, so an edit to it still shows up as drift.
        if (f.type === "name") filters.name = String(f.value ?? "");
        else if (f.type === "tag") filters.tag = { pattern: String(f.value ?? ""), decoration: deco };
        else if (f.type === "label") filters.label = { values: [...new Set((Array.isArray(f.value) ? f.value : [f.value]).map(String))].sort(), decoration: deco };
        else if (f.type === "resource") filters.resource = String(f.value ?? "") as ReplicationFilters["resource"];
    }
    const type = (a.trigger?.type || "manual") as ReplicationTriggerType;
    const trigger: ReplicationTrigger = type === "scheduled" ? { type, cron: fromHarborCron(a.trigger?.trigger_settings?.cron, previous?.cron) } : { type };
    return {
        name: a.name,
        direction: push ? "push" : "pull",
        registryId: (push ? a.dest_registry?.id : a.src_registry?.id) ?? 0,
        filters,
        trigger,
        destNamespace: a.dest_namespace ?? "",
        destNamespaceReplaceCount: a.dest_namespace_replace_count ?? -1,
        override: a.override ?? false,
        replicateDeletion: a.replicate_deletion ?? a.deletion ?? false,
        speedKbps: Math.max(0, a.speed ?? 0),
        copyByChunk: a.copy_by_chunk === true,
        singleActiveReplication: a.single_active_replication === true,
        enabled: a.enabled ?? false,
        description: a.description ?? "",
    };
}

function checkFilters(c: InputChecker, raw: unknown): ReplicationFilters {
    const rec = objectInput(c, "filters", raw, ["name", "tag", "label", "resource"]);
    if (!rec) return {};
    const out: ReplicationFilters = {};
    const notEmpty = { minLength: 1 };
    nested(c, "filters", rec, (sub) => {
        const name = sub.string("name", notEmpty);
        if (name !== undefined) out.name = name;
        const resource = sub.oneOf("resource", REPLICATION_RESOURCES);
        if (resource !== undefined) out.resource = resource;
    });
    const tag = objectInput(c, "filters.tag", rec.tag, ["pattern", "decoration"]);
    if (tag) {
        out.tag = nested(c, "filters.tag", tag, (sub) => ({
            pattern: sub.string("pattern", { required: true, minLength: 1 })!,
            decoration: sub.oneOf("decoration", FILTER_DECORATIONS, { default: "matches" })!,
        }));
    }
    // Harbor matches both with doublestar: an unbalanced brace or a bare list would only fail when the job runs.
    for (const [prop, v] of [["filters.name", out.name], ["filters.tag.pattern", out.tag?.pattern]] as const) {
        const problem = typeof v === "string" && !isUnknown(v) && v ? patternProblem(v) : undefined;
        if (problem) c.fail(prop, `${prop} ${JSON.stringify(v)} ${problem}`);
    }
    const label = objectInput(c, "filters.label", rec.label, ["values", "decoration"]);
    if (label) {
        out.label = nested(c, "filters.label", label, (sub) => ({
            values: sub.stringList("values", { required: true, normalise: true })!,
            decoration: sub.oneOf("decoration", FILTER_DECORATIONS, { default: "matches" })!,
        }));
        if (Array.isArray(out.label.values) && out.label.values.length === 0) c.fail("filters.label.values", "filters.label.values must name at least one label");
    }
    return out;
}

function checkTrigger(c: InputChecker, raw: unknown, direction: ReplicationDirection | undefined): ReplicationTrigger {
    const rec = objectInput(c, "trigger", raw, ["type", "cron"]);
    if (!rec) return { type: "manual" };
    const t = nested(c, "trigger", rec, (sub) => ({ type: sub.oneOf("type", REPLICATION_TRIGGERS, { default: "manual" })!, cron: sub.string("cron") }));
    if (isUnknown(t.type) || isUnknown(t.cron)) return t;
    if (t.type !== "scheduled") {
        if (t.cron !== undefined) c.fail("trigger.cron", `trigger.cron is only used with type "scheduled", not "${t.type}"`);
        if (t.type === "event_based" && direction === "pull") c.fail("trigger.type", `trigger.type "event_based" only works for push (Harbor sees events of its own artifacts only); use "scheduled" or "manual" for pull`);
        return { type: t.type };
    }
    const problem = t.cron === undefined || t.cron.trim() === "" ? "a scheduled trigger needs a cron (5-field or hourly, daily, weekly)" : scheduleProblem(t.cron);
    if (problem) {
        c.fail("trigger.cron", `trigger.cron ${problem}`);
        return t;
    }
    const cron = normalizeSchedule(t.cron!);
    if (toHarborCron(cron).split(" ")[1] === "*") c.fail("trigger.cron", `trigger.cron "${t.cron}": Harbor rejects "*" in the minutes field of a replication schedule; name a minute (e.g. "0 * * * *" or "hourly")`);
    return { type: "scheduled", cron };
}

export class ReplicationPolicyProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<ReplicationPolicyInputs, ReplicationPolicyOutputs> {
    async check(_olds: ReplicationPolicyInputs, news: ReplicationPolicyInputs): Promise<pulumi.dynamic.CheckResult<ReplicationPolicyInputs>> {
        const c = new InputChecker(news);
        const direction = c.oneOf("direction", REPLICATION_DIRECTIONS, { required: true })!;
        const destNamespace = c.string("destNamespace", {
            default: "", pattern: NAMESPACE_RE,
            patternHint: `use lower-case path components (letters, digits, '.', '_', '-') separated by '/', or "" to keep the source namespace`,
        })!;
        const inputs: ReplicationPolicyInputs = {
            connection: c.connection(),
            name: c.string("name", { required: true, minLength: 1, maxLength: 255, line: true })!,
            direction,
            registryId: c.number("registryId", { required: true, min: 1, hint: "Registry.registryId of the remote endpoint" })!,
            filters: checkFilters(c, c.value("filters")),
            trigger: checkTrigger(c, c.value("trigger"), direction),
            destNamespace,
            destNamespaceReplaceCount: c.number("destNamespaceReplaceCount", { default: -1, min: -1, max: 3, hint: "-1 = Harbor's legacy flattening (its default), 0 = keep the path, 1-3 = flatten that many levels" })!,
            override: c.bool("override", true),
            replicateDeletion: c.bool("replicateDeletion", false),
            speedKbps: c.number("speedKbps", { default: 0, min: 0, max: 2 ** 31 - 1, hint: "KB/s per task, 0 = unlimited" })!,
            copyByChunk: c.bool("copyByChunk", false),
            singleActiveReplication: c.bool("singleActiveReplication", false),
            enabled: c.bool("enabled", true),
            description: c.string("description", { default: "", text: true })!,
        };
        if (inputs.singleActiveReplication === true && inputs.trigger?.type === "event_based") {
            // handler/replication.go Create/UpdateReplicationPolicy refuse it (a 500, from a plain error).
            c.fail("singleActiveReplication", `singleActiveReplication is not allowed with trigger.type "event_based" (Harbor: single active replication is not allowed for event_based triggers)`);
        }
        if (adoptInput(c)) inputs.adopt = true;
        return c.result(inputs);
    }

    /** Pure. direction replaces (deleting first when the name stays: names are unique). */
    async diff(_id: string, olds: ReplicationPolicyOutputs, news: ReplicationPolicyInputs): Promise<pulumi.dynamic.DiffResult> {
        // State written before these two inputs existed holds neither: Harbor had them false (every PUT reset them).
        const before = { ...olds, copyByChunk: olds.copyByChunk ?? false, singleActiveReplication: olds.singleActiveReplication ?? false };
        return diffManaged<ReplicationPolicyInputs>(before, news, { managed: MANAGED, replaceOn: ["direction"], deleteBeforeReplace: (o, n) => o.name === n.name });
    }

    async create(inputs: ReplicationPolicyInputs): Promise<pulumi.dynamic.CreateResult<ReplicationPolicyOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const body = toHarbor(inputs);
            const existing = inputs.adopt ? await this.findByName(c, inputs.name) : undefined;
            const adopted = existing && (await adoptExisting<ReplicationPolicyInputs, ReplicationPolicyOutputs>("replication policy", this, String(existing.id), inputs, { policyId: existing.id }, ["direction"]));
            if (adopted) return adopted;
            const created = await c.create("/replication/policies", body, { probe: async () => (await this.findByName(c, inputs.name))?.id });
            const policyId = Number(created.id);
            // After a lost response the committed POST carried this body already; a PUT makes sure (only after a fault).
            if (created.adopted) await c.put(`/replication/policies/${policyId}`, body);
            return { id: String(policyId), outs: { ...inputs, policyId } };
        });
    }

    /** One GET: every managed field is in it. */
    async read(id: string, state?: ReplicationPolicyOutputs): Promise<pulumi.dynamic.ReadResult<ReplicationPolicyOutputs>> {
        const props = requireState(state, "ReplicationPolicy");
        return this.withClient(props.connection, (c) =>
            readOrGone(async () => {
                const a = await c.get<ApiPolicy>(`/replication/policies/${id}`);
                const outs: ReplicationPolicyOutputs = { ...fromHarbor(a, props.trigger), connection: props.connection, policyId: a.id };
                return { id: String(a.id), props: outs, inputs: pick(outs, INPUT_KEYS) as ReplicationPolicyOutputs };
            }),
        );
    }

    /** One PUT of the whole policy (Harbor replaces it as sent). */
    async update(id: string, _olds: ReplicationPolicyOutputs, news: ReplicationPolicyInputs): Promise<pulumi.dynamic.UpdateResult<ReplicationPolicyOutputs>> {
        return this.withClient(news.connection, async (c) => {
            await c.put(`/replication/policies/${id}`, toHarbor(news));
            return { outs: { ...news, policyId: Number(id) } };
        });
    }

    async delete(id: string, props: ReplicationPolicyOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            try {
                await c.delete(`/replication/policies/${id}`); // false (404) = already gone
            } catch (err) {
                if (err instanceof HarborApiError && err.status === 412) {
                    throw new Error(
                        `Harbor refuses to delete replication policy "${props.name}" (id ${id}) while an execution is running (${err.detail}). ` +
                            `Stop it in Harbor (Replications → Executions → Stop) or wait for it to finish, then run the delete again.`,
                    );
                }
                throw err;
            }
        });
    }

    private async findByName(c: HarborClient, name: string): Promise<ApiPolicy | undefined> {
        const q = qExact("name", name); // Harbor unescapes q twice; undefined (a ','): list all, match here
        const list = await c.list<ApiPolicy>("/replication/policies", q ? { query: { q } } : {});
        return list.find((p) => p.name === name);
    }
}

/** The provider every ReplicationPolicy uses, in the dynamic-provider host (harbor/hosted.ts). */
export const replicationPolicyProvider = new ReplicationPolicyProvider();

export interface ReplicationFiltersArgs {
    /** Repository name pattern (doublestar), e.g. "library/**" or "{web,api}/**". */
    name?: pulumi.Input<string>;
    /** Tag pattern, matched or excluded (default "matches"). */
    tag?: pulumi.Input<{ pattern: pulumi.Input<string>; decoration?: pulumi.Input<FilterDecoration> }>;
    /** Artifacts carrying these labels, matched or excluded (default "matches"). */
    label?: pulumi.Input<{ values: pulumi.Input<pulumi.Input<string>[]>; decoration?: pulumi.Input<FilterDecoration> }>;
    /** "image" or "artifact". */
    resource?: pulumi.Input<"image" | "artifact">;
}

export interface ReplicationPolicyArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** Take over an object of the same identity that already exists in Harbor and converge it to these inputs (default false; harbor/README.md "Adoption"). */
    adopt?: pulumi.Input<boolean>;
    /** Unique policy name. */
    name: pulumi.Input<string>;
    /** "push" (local → registry) or "pull" (registry → local). Changing it replaces the policy. */
    direction: pulumi.Input<ReplicationDirection>;
    /** The remote endpoint (Registry.registryId). */
    registryId: pulumi.Input<number>;
    /** At most one filter per type. */
    filters?: pulumi.Input<ReplicationFiltersArgs>;
    /** Default { type: "manual" }. `cron` (scheduled only): 5-field cron or hourly/daily/weekly; minutes must not be "*". */
    trigger?: pulumi.Input<{ type: pulumi.Input<ReplicationTriggerType>; cron?: pulumi.Input<string> }>;
    /** Destination namespace; "" (default) keeps the source's. */
    destNamespace?: pulumi.Input<string>;
    /** Path components replaced by destNamespace: -1 (default, Harbor's legacy flattening), 0 none, 1-3 levels. Always sent. */
    destNamespaceReplaceCount?: pulumi.Input<number>;
    /** Overwrite existing artifacts at the destination. Default true. */
    override?: pulumi.Input<boolean>;
    /** Replicate deletions too. Default false. */
    replicateDeletion?: pulumi.Input<boolean>;
    /** Bandwidth per task in KB/s; 0 (default) = unlimited. */
    speedKbps?: pulumi.Input<number>;
    /** Copy blobs in chunks. Default false. */
    copyByChunk?: pulumi.Input<boolean>;
    /** Never run two executions of this policy at once. Default false; not with an event_based trigger. */
    singleActiveReplication?: pulumi.Input<boolean>;
    /** Default true. */
    enabled?: pulumi.Input<boolean>;
    description?: pulumi.Input<string>;
}

/** A Harbor replication policy. */
export class ReplicationPolicy extends HarborResource {
    /** Harbor's numeric policy id. */
    declare readonly policyId: pulumi.Output<number>;

    constructor(name: string, args: ReplicationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super("ReplicationPolicy", name, dynamicProps(args, ["policyId"]), opts);
    }
}
