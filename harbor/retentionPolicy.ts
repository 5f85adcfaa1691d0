// RetentionPolicy: a project's tag-retention policy (rules + schedule).
//
// Harbor quirks handled (see harbor/README.md, RetentionPolicy):
// - a project has at most one policy, found through its metadata `retention_id` (there is no list endpoint);
//   proxy-cache projects get one automatically. create ADOPTS an existing policy (PUT) instead of POSTing (which
//   would fail), and looks it up first rather than after a blind failed POST;
// - delete REALLY deletes it (DELETE /retentions/{id}, which also clears `retention_id`); the Terraform provider
//   only empties it;
// - a policy that no longer exists is never a 404: GET answers 500 (pkg/retention/manager.go GetPolicy's plain
//   "no such Retention policy"), DELETE 400 (handler/retention.go DeleteRetention wraps it as a bad request), PUT 404
//   (requirePolicyAccess); and deleting a project deletes its policy (controller/event/handler/internal/project.go).
//   So gone-ness is decided by the coupling, not the status: after a failed call the project is read, and a missing
//   project or a `retention_id` other than this policy's means gone (refresh drops it, delete is done, update
//   creates the project's policy again: adopting the one it has now, else POST; the id follows on the next refresh);
// - every rule always carries a tag AND a repository selector (a rule without a tag selector fails at run time);
// - at most 15 rules, no two identical (Harbor answers 409): both checked in `check`;
// - the schedule is a 5-field cron or preset in, 6-field out ("" = no schedule), validated in check.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, seg } from "./client";
import { fromHarborCron, toHarborCron } from "./cron";
import { ArgValuesOf, boolField, Field, listField, numberField, oneOfField, projectIdField, refined, scheduleField, stringField, ValuesOf } from "./fields";
import { DeclaredProvider, deepEqual, GONE, HARBOR_NAME_RE, isUnknown, pick } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, DeepInput, input, InputsOf, optionalInput, requiredInput } from "./schema";
import { ApiSelectorRule, SELECTOR_FIELDS, selectorsFromHarbor, selectorsToHarbor } from "./selectors";

export const RETENTION_TEMPLATES = ["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"] as const;
export type RetentionTemplate = (typeof RETENTION_TEMPLATES)[number];
export const MAX_RETENTION_RULES = 15;

/** One rule's fields (the value's range depends on the template: RETENTION_POLICY's rules). */
const RULE_FIELDS = {
    template: oneOfField(RETENTION_TEMPLATES, { required: true }),
    value: numberField({ integer: false }),
    untagged: boolField(true),
    disabled: boolField(false),
    ...SELECTOR_FIELDS,
};

/**
 * The largest value Harbor's evaluator accepts per template: pkg/retention/policy/rule/latestps and latestpl Valid
 * refuse a count >= math.MaxInt16; dayspl and daysps Valid refuse more than 20190904 days (a 400 from
 * handler/retention.go via policy Metadata.Valid → index.Valid).
 */
const VALUE_MAX: Record<RetentionTemplate, number> = {
    latestPushedK: 32766, latestPulledN: 32766, nDaysSinceLastPush: 20190904, nDaysSinceLastPull: 20190904, always: 2 ** 31 - 1,
};

/** `adopt` is refused, saying why (a project's one policy is always taken over). */
const NO_ADOPT: Field<boolean> = {
    ...refined(boolField(false), {
        problem: (v) => (v ? "is not a setting of RetentionPolicy: a project has at most one policy and create always takes over the one it has (found through its retention_id)" : undefined),
        summary: "`false` only",
    }),
    default: undefined,
};

/** A checked rule (`value` absent for "always"): every field but `value` has a default. */
export type RetentionRule = ValuesOf<typeof RULE_FIELDS>;

/** The declaration: check, diff, types and the README table come from here. */
export const RETENTION_POLICY = declareResource({
    type: "RetentionPolicy",
    inputs: {
        project: requiredInput(stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name)" }), "The project's name (Project.name); Harbor holds its id as `scope.ref`.", { replaces: true }),
        schedule: input(scheduleField(), "`trigger.settings.cron` (6-field in Harbor); `\"\"` = manual runs only."),
        rules: requiredInput(
            listField(RULE_FIELDS, { min: 1, max: MAX_RETENTION_RULES, required: true }),
            "1-15 rules, no two identical (an artifact is kept when ANY rule retains it). `template`: `latestPushedK`/`latestPulledN` (value = count, < 32767), `nDaysSinceLastPush`/`nDaysSinceLastPull` (value = days, <= 20190904), `always` (no value); `untagged` default true; both selectors always sent.",
        ),
        projectId: optionalInput(projectIdField(), "The Project's `projectId` output: a new id (Harbor deleted the policy with its project) replaces the policy.", { unmanaged: true }),
        adopt: optionalInput(NO_ADOPT, "Refused: create always takes over the project's policy.", { unmanaged: true }),
    },
    outputs: {
        retentionId: { doc: "Harbor's retention policy id (the project's metadata `retention_id`)." },
        projectId: { doc: "The id of the project the policy belongs to (`scope.ref`)." },
    },
    rules: (i, fail) => {
        if (!Array.isArray(i.rules)) return;
        const seen = new Map<string, number>();
        i.rules.forEach((r, n) => {
            if (typeof r !== "object" || r === null) return; // not known yet (a preview)
            const at = `rules[${n}]`;
            const template = isUnknown(r.template) ? undefined : (r.template as RetentionTemplate | undefined);
            const counted = template !== "always";
            const what = template === "latestPushedK" || template === "latestPulledN" ? "the number of artifacts to keep" : "days";
            const v = r.value as number | undefined;
            if (typeof v === "number" && Number.isFinite(v)) {
                const max = VALUE_MAX[template ?? "always"];
                if (!Number.isInteger(v)) fail(`${at}.value`, `${at}.value must be a whole number, got ${v} (${what})`);
                else if (v < 1) fail(`${at}.value`, `${at}.value must be at least 1, got ${v} (${what})`);
                else if (v > max) fail(`${at}.value`, `${at}.value must be at most ${max}, got ${v} (${what}${template && template !== "always" ? `: Harbor refuses more for ${template}` : ""})`);
            }
            if (template !== undefined) {
                if (counted && v === undefined) fail(`${at}.value`, `${at}.value is required with template "${template}" (${what})`);
                if (!counted && v !== undefined) fail(`${at}.value`, `${at}.value is not used with template "always"; remove it`);
            }
            // handler/retention.go checkRuleConflict: a 409 for two rules whose JSON is equal (disabled included).
            const key = ruleKey(r);
            const prev = seen.get(key);
            if (prev !== undefined) fail(at, `${at} is identical to rules[${prev}] (Harbor refuses duplicate rules)`);
            else seen.set(key, n);
        });
    },
    normalise: ({ adopt: _adopt, ...i }) => i,
});

export type RetentionPolicyInputs = Omit<InputsOf<typeof RETENTION_POLICY.spec.inputs>, "adopt">;

export interface RetentionPolicyOutputs extends RetentionPolicyInputs {
    retentionId: number;
    /** The id of the project the policy belongs to (`scope.ref`). */
    projectId: number;
}

const MANAGED = RETENTION_POLICY.managed;
const INPUT_KEYS = ["connection", ...MANAGED] as (keyof RetentionPolicyOutputs)[];

interface ApiRule extends ApiSelectorRule {
    id?: number;
    priority?: number;
    disabled?: boolean;
    action?: string;
    template?: string;
    params?: Record<string, unknown> | null;
}
interface ApiRetention {
    id: number;
    algorithm?: string;
    rules?: ApiRule[] | null;
    trigger?: { kind?: string; settings?: { cron?: string } | null; references?: unknown } | null;
    scope?: { level?: string; ref?: number } | null;
}
interface ApiProject {
    project_id: number;
    metadata?: Record<string, string | undefined>;
}

/** Inputs → Harbor's RetentionPolicy body. */
function toHarbor(p: RetentionPolicyInputs, projectId: number, id?: number): Record<string, unknown> {
    return {
        ...(id !== undefined ? { id } : {}),
        algorithm: "or",
        rules: p.rules.map((r) => ({
            disabled: r.disabled,
            action: "retain",
            template: r.template,
            params: r.template === "always" ? {} : { [r.template]: r.value },
            ...selectorsToHarbor(r, JSON.stringify({ untagged: r.untagged })),
        })),
        trigger: { kind: "Schedule", settings: { cron: toHarborCron(p.schedule) }, references: {} },
        scope: { level: "project", ref: projectId },
    };
}

function ruleFromHarbor(r: ApiRule): RetentionRule {
    const template = (r.template ?? "") as RetentionTemplate;
    const raw = r.params?.[template];
    let untagged = false;
    try {
        untagged = (JSON.parse(r.tag_selectors?.[0]?.extras || "{}") as { untagged?: boolean }).untagged === true;
    } catch {
        // unparsable extras: Harbor treats them as "not untagged"
    }
    return {
        template,
        ...(template === "always" ? {} : { value: raw === undefined || raw === null ? undefined : Number(raw) }),
        untagged,
        disabled: r.disabled ?? false,
        ...selectorsFromHarbor(r),
    };
}

/** A rule as a comparable key (for the "no two identical rules" check). */
function ruleKey(r: RetentionRule): string {
    return JSON.stringify([r.template, r.value, r.untagged, r.disabled, r.tagPattern, r.tagDecoration, r.repoPattern, r.repoDecoration]);
}

export class RetentionPolicyProvider extends DeclaredProvider<RetentionPolicyInputs, RetentionPolicyOutputs> implements pulumi.dynamic.ResourceProvider<RetentionPolicyInputs, RetentionPolicyOutputs> {
    // A different project is a different policy; Harbor deletes the policy with its project
    // (controller/event/handler/internal/project.go onProjectDelete), so a new projectId replaces.
    protected readonly declaration = RETENTION_POLICY;

    /** GET the project (id + retention_id), then PUT the existing policy (adopt) or POST a new one. */
    async create(inputs: RetentionPolicyInputs): Promise<pulumi.dynamic.CreateResult<RetentionPolicyOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const outs = await this.createIn(c, inputs);
            return { id: String(outs.retentionId), outs };
        });
    }

    /** The project's policy made to hold `inputs`: PUT the one it has (adopt), else POST (probed via retention_id). */
    private async createIn(c: HarborClient, inputs: RetentionPolicyInputs): Promise<RetentionPolicyOutputs> {
        const project = await this.projectOf(c, inputs.project);
        if (inputs.projectId !== undefined && inputs.projectId !== project.project_id) {
            throw new Error(`project "${inputs.project}" has id ${project.project_id} in Harbor, not the declared projectId ${inputs.projectId}: it was replaced meanwhile; run pulumi refresh`);
        }
        const existing = retentionIdOf(project);
        let retentionId: number;
        if (existing !== undefined) {
            retentionId = existing;
            await c.put(`/retentions/${retentionId}`, toHarbor(inputs, project.project_id, retentionId));
        } else {
            const created = await c.create("/retentions", toHarbor(inputs, project.project_id), {
                // A committed POST wrote retention_id into the project: that is the probe.
                probe: async () => retentionIdOf(await this.projectOf(c, inputs.project)),
            });
            retentionId = Number(created.id);
            if (created.adopted) await c.put(`/retentions/${retentionId}`, toHarbor(inputs, project.project_id, retentionId));
        }
        return { ...inputs, retentionId, projectId: project.project_id };
    }

    /** One GET: rules, schedule and scope are all in the policy. */
    async read(id: string, state?: RetentionPolicyOutputs): Promise<pulumi.dynamic.ReadResult<RetentionPolicyOutputs>> {
        return this.readState(state, async (c, props) => {
            const retentionId = policyIdOf(id, props);
            let a: ApiRetention;
            try {
                a = await c.get<ApiRetention>(`/retentions/${retentionId}`);
            } catch (err) {
                if (await this.isGone(c, props.project, retentionId, err)) return GONE;
                throw err;
            }
            const outs: RetentionPolicyOutputs = {
                connection: props.connection,
                project: props.project,
                schedule: fromHarborCron(a.trigger?.settings?.cron, props.schedule),
                rules: (a.rules ?? []).map(ruleFromHarbor),
                retentionId: a.id,
                projectId: a.scope?.ref ?? props.projectId,
            };
            // The policy moved to another project (it cannot, through the API): show it as a replace.
            if (props.projectId && outs.projectId !== props.projectId) outs.project = `(project id ${outs.projectId})`;
            return { id: String(a.id), props: outs, inputs: pick(outs, INPUT_KEYS) as RetentionPolicyOutputs };
        });
    }

    /** One PUT of the whole policy. */
    async update(id: string, olds: RetentionPolicyOutputs, news: RetentionPolicyInputs): Promise<pulumi.dynamic.UpdateResult<RetentionPolicyOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const retentionId = policyIdOf(id, olds);
            if (!deepEqual(olds.rules, news.rules) || olds.schedule !== news.schedule) {
                try {
                    await c.put(`/retentions/${retentionId}`, toHarbor(news, olds.projectId, retentionId));
                } catch (err) {
                    // Deleted behind Pulumi's back (or with a re-created project): the project gets its policy again.
                    if (await this.isGone(c, news.project, retentionId, err)) return { outs: await this.createIn(c, news) };
                    throw err;
                }
            }
            return { outs: { ...news, retentionId, projectId: olds.projectId } };
        });
    }

    /** DELETE /retentions/{id}: the policy is gone and the project's retention_id cleared. 404 = already gone. */
    async delete(id: string, props: RetentionPolicyOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            const retentionId = policyIdOf(id, props);
            try {
                await c.delete(`/retentions/${retentionId}`);
            } catch (err) {
                if (!(await this.isGone(c, props.project, retentionId, err))) throw err;
            }
        });
    }

    /**
     * After `err` from a call on policy `retentionId`: is the policy gone? Harbor answers a missing policy with 500
     * (GET), 400 (DELETE) or 404 (PUT), so the project decides: gone when it is missing or its retention_id is another.
     */
    private async isGone(c: HarborClient, project: string, retentionId: number, err: unknown): Promise<boolean> {
        if (!(err instanceof HarborApiError) || ![400, 404, 500].includes(err.status)) return false;
        const p = await c.find<ApiProject>(`/projects/${seg(project)}`, { byName: true });
        return !p || retentionIdOf(p) !== retentionId;
    }

    private async projectOf(c: HarborClient, name: string): Promise<ApiProject> {
        const p = await c.find<ApiProject>(`/projects/${seg(name)}`, { byName: true });
        if (!p) throw new Error(`retention policy: project "${name}" does not exist in Harbor (create it first, e.g. make this resource depend on the Project)`);
        return p;
    }
}

/** The policy's id: the outputs' retentionId (an update may have re-created it), else the resource id. */
function policyIdOf(id: string, props: Partial<RetentionPolicyOutputs>): number {
    return typeof props.retentionId === "number" && props.retentionId > 0 ? props.retentionId : Number(id);
}

function retentionIdOf(p: ApiProject): number | undefined {
    const v = p.metadata?.retention_id;
    return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The provider every RetentionPolicy uses, in the dynamic-provider host (harbor/hosted.ts). */
export const retentionPolicyProvider = new RetentionPolicyProvider();

/** A rule as the program gives it: `template` required, the rest may be left out (their defaults; `value` by template). */
export type RetentionRuleArgs = DeepInput<ArgValuesOf<typeof RULE_FIELDS>>;

/** The program's arguments (see the README table). */
export type RetentionPolicyArgs = Omit<ArgsOf<typeof RETENTION_POLICY.spec.inputs>, "adopt">;

/** A project's tag-retention policy (adopts the one Harbor may already have; delete really deletes it). */
export class RetentionPolicy extends HarborResource {
    /** Harbor's retention policy id (the project's metadata retention_id). */
    declare readonly retentionId: pulumi.Output<number>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(name: string, args: RetentionPolicyArgs, opts?: pulumi.CustomResourceOptions) {
        // A declared projectId is passed as given; the output of that name is seeded only when it is not.
        super(RETENTION_POLICY.type, name, dynamicProps(args, RETENTION_POLICY.outputNames.filter((o) => o !== "projectId" || args.projectId === undefined)), opts);
    }
}
