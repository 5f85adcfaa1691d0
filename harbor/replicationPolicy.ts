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
import { boolField, numberField, objectField, oneOfField, refined, stringField, stringListField, ValuesOf, withDefault } from "./fields";
import { adoptExisting, DeclaredProvider, isUnknown, pick } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { AdoptableArgsOf, declareResource, input, InputsOf, requiredInput } from "./schema";
import { patternProblem } from "./selectors";

export const REPLICATION_DIRECTIONS = ["push", "pull"] as const;
export const REPLICATION_TRIGGERS = ["manual", "event_based", "scheduled"] as const;
export const FILTER_DECORATIONS = ["matches", "excludes"] as const;
export const REPLICATION_RESOURCES = ["image", "artifact"] as const;
export type ReplicationDirection = (typeof REPLICATION_DIRECTIONS)[number];
export type ReplicationTriggerType = (typeof REPLICATION_TRIGGERS)[number];
export type FilterDecoration = (typeof FILTER_DECORATIONS)[number];

// Harbor matches both with doublestar: an unbalanced brace or a bare list would only fail when the job runs.
const patternRule = (v: string): string | undefined => {
    const problem = v ? patternProblem(v) : undefined;
    return problem ? `${JSON.stringify(v)} ${problem}` : undefined;
};

/** Filters, at most one per type: `name` a repository name pattern (doublestar), e.g. "library/**". */
const FILTER_FIELDS = {
    name: refined(stringField({ minLength: 1 }), { problem: patternRule }),
    tag: objectField({ pattern: refined(stringField({ required: true, minLength: 1 }), { problem: patternRule }), decoration: oneOfField(FILTER_DECORATIONS, { default: "matches" }) }),
    label: objectField({
        values: refined(stringListField({ required: true, normalise: true }), { problem: (v) => (Array.isArray(v) && v.length === 0 ? "must name at least one label" : undefined) }),
        decoration: oneOfField(FILTER_DECORATIONS, { default: "matches" }),
    }),
    resource: oneOfField(REPLICATION_RESOURCES),
};
/** Checked filters: decorations defaulted, label values sorted. */
export type ReplicationFilters = ValuesOf<typeof FILTER_FIELDS>;

/** `cron`: scheduled only, 5-field or hourly/daily/weekly (normalised). */
const TRIGGER_FIELDS = { type: oneOfField(REPLICATION_TRIGGERS, { default: "manual" }), cron: stringField() };
export type ReplicationTrigger = ValuesOf<typeof TRIGGER_FIELDS>;

/** Harbor's filters, in the order and shape this resource sends them. */
function toHarborFilters(f: ReplicationFilters): ApiFilter[] {
    const filters: ApiFilter[] = [];
    if (f.name !== undefined) filters.push({ type: "name", value: f.name });
    if (f.tag) filters.push({ type: "tag", value: f.tag.pattern, decoration: f.tag.decoration });
    if (f.label) filters.push({ type: "label", value: f.label.values, decoration: f.label.decoration });
    if (f.resource !== undefined) filters.push({ type: "resource", value: f.resource });
    return filters;
}

/** JSON as Go's encoding/json writes it (<, > and & escaped): the length Harbor's varchar columns see. */
const goJsonLength = (v: unknown): number => JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, "\\u0000").length;

// replication_policy.filters is varchar(1024) (migration 0001) and holds the filters as JSON (controller/replication/
// model Policy.To): longer ones fail in PostgreSQL (a 500).
const MAX_FILTERS_JSON = 1024;
const filtersField = withDefault(
    refined(objectField(FILTER_FIELDS), {
        problem: (f) => {
            const length = goJsonLength(toHarborFilters(f));
            return length > MAX_FILTERS_JSON ? `are ${length} characters as Harbor stores them (JSON); replication_policy.filters holds at most ${MAX_FILTERS_JSON}` : undefined;
        },
    }),
    {},
);

// replication_policy.trigger is varchar(256) (migration 0004 renamed cron_str) and holds the trigger as JSON.
const MAX_TRIGGER_JSON = 256;
/** Why a trigger is refused (controller/replication/model Policy.Validate: cron with seconds 0, minutes not "*"). */
function triggerProblem(t: { type?: string; cron?: string }): string | undefined {
    if (isUnknown(t.type) || isUnknown(t.cron)) return undefined;
    if (t.type !== "scheduled") return t.cron !== undefined ? `is only used with type "scheduled", not "${t.type}"` : undefined;
    if (t.cron === undefined || t.cron.trim() === "") return "a scheduled trigger needs a cron (5-field or hourly, daily, weekly)";
    const problem = scheduleProblem(t.cron);
    if (problem) return problem;
    const harbor = toHarborCron(normalizeSchedule(t.cron));
    if (harbor.split(" ")[1] === "*") return `"${t.cron}": Harbor rejects "*" in the minutes field of a replication schedule; name a minute (e.g. "0 * * * *" or "hourly")`;
    const length = goJsonLength({ type: "scheduled", trigger_settings: { cron: harbor } });
    return length > MAX_TRIGGER_JSON ? `"${t.cron}" is ${length} characters as Harbor stores the trigger (JSON, 6-field cron); replication_policy.trigger holds at most ${MAX_TRIGGER_JSON}` : undefined;
}
/** The checked trigger: the cron normalised (scheduled only). Read-back keeps the user's spelling (fromHarborCron). */
const normaliseTrigger = (t: ReplicationTrigger): ReplicationTrigger =>
    t.type === "scheduled" ? { type: "scheduled", cron: isUnknown(t.cron) ? t.cron : normalizeSchedule(t.cron ?? "") } : { type: t.type };
const triggerBase = objectField(TRIGGER_FIELDS);
const triggerField = withDefault(
    {
        ...triggerBase,
        schema: triggerBase.schema
            .superRefine((t, ctx) => {
                const problem = triggerProblem(t);
                if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
            })
            .transform(normaliseTrigger) as unknown as typeof triggerBase.schema,
        summary: "{ type (`manual` / `event_based` / `scheduled`), cron }",
    },
    { type: "manual" },
);

const NAMESPACE_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)?$/;

/** The declaration: check, diff, types and the README table come from here. */
export const REPLICATION_POLICY = declareResource({
    type: "ReplicationPolicy",
    // direction replaces, deleting first when the name stays (names are unique).
    deleteBeforeReplace: (o, n) => o.name === n.name,
    adoptable: true,
    inputs: {
        name: requiredInput(stringField({ required: true, minLength: 1, maxLength: 255, line: true }), "Unique policy name."),
        direction: requiredInput(oneOfField(REPLICATION_DIRECTIONS, { required: true }), "`push` (local → registry, sets `dest_registry`) or `pull` (sets `src_registry`); a change replaces the policy, deleting first when the name stays.", { replaces: true }),
        registryId: requiredInput(numberField({ required: true, min: 1, hint: "Registry.registryId of the remote endpoint" }), "The remote endpoint (`Registry.registryId`)."),
        filters: input(filtersField, "One filter per type: `name` (doublestar pattern), `tag: { pattern, decoration }`, `label: { values, decoration }` (values sorted), `resource` (`image`/`artifact`); decoration `matches` (default) / `excludes`."),
        trigger: input(triggerField, "`manual`, `event_based` (push only), or `scheduled` with `cron`: 5-field or hourly/daily/weekly → 6-field with seconds 0; minutes must not be `*`."),
        // controller/replication/model Policy.Validate: lib.RepositoryNameRe (this rule is stricter); varchar(256).
        destNamespace: input(stringField({
            default: "", maxLength: 256, pattern: NAMESPACE_RE,
            patternHint: `use lower-case path components (letters, digits, '.', '_', '-') separated by '/', or "" to keep the source namespace`,
        }), "`dest_namespace`; `\"\"` keeps the source's."),
        destNamespaceReplaceCount: input(numberField({ default: -1, min: -1, max: 3, hint: "-1 = Harbor's legacy flattening (its default), 0 = keep the path, 1-3 = flatten that many levels" }), "`dest_namespace_replace_count`, always sent: -1 legacy flattening, 0 keep the path, 1-3 levels."),
        override: input(boolField(true), "Overwrite existing artifacts at the destination."),
        replicateDeletion: input(boolField(false), "Replicate deletions (`deletion` **and** `replicate_deletion`: Harbor's handlers read the deprecated one)."),
        speedKbps: input(numberField({ default: 0, min: 0, max: 2 ** 31 - 1, hint: "KB/s per task, 0 = unlimited" }), "`speed` per task in KB/s; 0 = unlimited (Harbor stores negatives as 0)."),
        copyByChunk: input(boolField(false), "`copy_by_chunk`, always sent (Harbor's PUT resets what is left out)."),
        singleActiveReplication: input(boolField(false), "`single_active_replication`, always sent; not with an `event_based` trigger."),
        enabled: input(boolField(true), "`enabled`."),
        description: input(stringField({ default: "", text: true }), "`description`."),
    },
    outputs: { policyId: { doc: "Harbor's numeric policy id." } },
    rules: (i, fail) => {
        const type = typeof i.trigger === "object" ? i.trigger.type : undefined;
        if (type === "event_based" && i.direction === "pull") {
            fail("trigger.type", `trigger.type "event_based" only works for push (Harbor sees events of its own artifacts only); use "scheduled" or "manual" for pull`);
        }
        if (i.singleActiveReplication === true && type === "event_based") {
            // handler/replication.go Create/UpdateReplicationPolicy refuse it (a 500, from a plain error).
            fail("singleActiveReplication", `singleActiveReplication is not allowed with trigger.type "event_based" (Harbor: single active replication is not allowed for event_based triggers)`);
        }
    },
});

export type ReplicationPolicyInputs = InputsOf<typeof REPLICATION_POLICY.spec.inputs> & { adopt?: boolean };
export type ReplicationPolicyArgs = AdoptableArgsOf<typeof REPLICATION_POLICY.spec.inputs>;

/** Filters as the program gives them: at most one per type, decorations may be left out (default "matches"). */
export type ReplicationFiltersArgs = NonNullable<ReplicationPolicyArgs["filters"]>;

export interface ReplicationPolicyOutputs extends ReplicationPolicyInputs {
    policyId: number;
}

const INPUT_KEYS = ["connection", ...REPLICATION_POLICY.managed] as const;

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
    const filters = toHarborFilters(p.filters);
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

export class ReplicationPolicyProvider extends DeclaredProvider<ReplicationPolicyInputs, ReplicationPolicyOutputs> implements pulumi.dynamic.ResourceProvider<ReplicationPolicyInputs, ReplicationPolicyOutputs> {
    protected readonly declaration = REPLICATION_POLICY;

    /** Pure. State written before these two inputs existed holds neither: Harbor had them false (every PUT reset them). */
    async diff(id: string, olds: ReplicationPolicyOutputs, news: ReplicationPolicyInputs): Promise<pulumi.dynamic.DiffResult> {
        return super.diff(id, { ...olds, copyByChunk: olds.copyByChunk ?? false, singleActiveReplication: olds.singleActiveReplication ?? false }, news);
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
        return this.readState(state, async (c, props) => {
            const a = await c.get<ApiPolicy>(`/replication/policies/${id}`);
            const outs: ReplicationPolicyOutputs = { ...fromHarbor(a, props.trigger), connection: props.connection, policyId: a.id };
            return { id: String(a.id), props: outs, inputs: pick(outs, INPUT_KEYS) as ReplicationPolicyOutputs };
        });
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

/** A Harbor replication policy. */
export class ReplicationPolicy extends HarborResource {
    /** Harbor's numeric policy id. */
    declare readonly policyId: pulumi.Output<number>;

    constructor(name: string, args: ReplicationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        super(REPLICATION_POLICY.type, name, dynamicProps(args, REPLICATION_POLICY.outputNames), opts);
    }
}
