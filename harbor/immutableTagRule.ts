// ImmutableTagRule: tags matching it cannot be overwritten or deleted in a project.
//
// Harbor quirks handled (see harbor/README.md, ImmutableTagRule):
// - create always stores disabled=false: a disabled rule is POST then PUT (a failed PUT is a partial create);
// - PUT quirk: when `disabled` differs from the stored value, Harbor ONLY toggles it and ignores selector changes in
//   the same request, so a change of both is two PUTs (selectors first, with the stored disabled value);
// - the PUT body's `id` must equal the path id;
// - there is no GET by id: read lists the project's rules and filters by id;
// - an identical rule in the project gives 409: a clear error naming the existing rule.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, seg } from "./client";
import { boolField, projectIdField, stringField } from "./fields";
import { adoptExisting, DeclaredProvider, HARBOR_NAME_RE, partialCreateError, pick, requireState } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";
import { AdoptableArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "./schema";
import { ApiSelectorRule, SELECTOR_INPUTS, SELECTOR_KEYS, Selectors, selectorsFromHarbor, selectorsToHarbor } from "./selectors";

/**
 * The declaration: check, diff, types and the README table come from here. Harbor v2.15.2 validates nothing of the
 * rule's body (handler/immutable.go CreateImmuRule/UpdateImmuRule copy it; pkg/immutable/manager.go stores it as
 * JSON; model/rule.go Metadata.Valid is never called), so these rules are ours: a selector Harbor's doublestar
 * cannot use never matches, and the rule silently protects nothing.
 */
export const IMMUTABLE_TAG_RULE = declareResource({
    type: "ImmutableTagRule",
    inputs: {
        project: requiredInput(stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name)" }), "The project (by name).", { replaces: true }),
        ...SELECTOR_INPUTS,
        disabled: input(boolField(false), "Keep the rule but do not enforce it."),
        projectId: optionalInput(projectIdField(), "The Project's `projectId` output: another id (the project was replaced, and Harbor deleted this rule with it) replaces the rule.", { unmanaged: true }),
    },
    outputs: { ruleId: { doc: "Harbor's rule id." } },
    adoptable: true,
});

export type ImmutableTagRuleInputs = InputsOf<typeof IMMUTABLE_TAG_RULE.spec.inputs> & {
    /** Take over the project's identical rule (same selectors) if it exists. */
    adopt?: boolean;
};

export interface ImmutableTagRuleOutputs extends ImmutableTagRuleInputs {
    ruleId: number;
}

const INPUT_KEYS = ["connection", ...IMMUTABLE_TAG_RULE.managed, "projectId"] as const;

interface ApiRule extends ApiSelectorRule {
    id: number;
    disabled?: boolean;
}

/** The ImmutableRule body. */
function toHarbor(s: Selectors, disabled: boolean, id?: number): Record<string, unknown> {
    return {
        ...(id !== undefined ? { id } : {}),
        disabled,
        action: "immutable",
        template: "immutable_template",
        params: {},
        ...selectorsToHarbor(s),
    };
}

const sameSelectors = (a: Selectors, b: Selectors) => SELECTOR_KEYS.every((k) => a[k] === b[k]);

export class ImmutableTagRuleProvider extends DeclaredProvider<ImmutableTagRuleInputs, ImmutableTagRuleOutputs> implements pulumi.dynamic.ResourceProvider<ImmutableTagRuleInputs, ImmutableTagRuleOutputs> {
    // The project replaces; Harbor deletes a project's immutable rules with it
    // (controller/event/handler/internal/project.go onProjectDelete), so a new projectId replaces too.
    protected readonly declaration = IMMUTABLE_TAG_RULE;

    /** POST (always stored enabled), then PUT when the rule must be disabled. */
    async create(inputs: ImmutableTagRuleInputs): Promise<pulumi.dynamic.CreateResult<ImmutableTagRuleOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const path = this.rulesPath(inputs.project);
            // adopt: the rule with the same selectors is this rule (Harbor refuses a second one, 409).
            const twin = inputs.adopt ? (await this.list(c, inputs.project)).find((r) => sameSelectors(selectorsFromHarbor(r), inputs)) : undefined;
            const adopted = twin && (await adoptExisting<ImmutableTagRuleInputs, ImmutableTagRuleOutputs>("immutable tag rule", this, String(twin.id), inputs, {}));
            if (adopted) return adopted;
            let created;
            try {
                created = await c.create(path, toHarbor(inputs, false), {
                    byName: true,
                    probe: async () => (await this.list(c, inputs.project)).find((r) => sameSelectors(selectorsFromHarbor(r), inputs))?.id,
                });
            } catch (err) {
                if (err instanceof HarborApiError && err.status === 409) {
                    const twin = (await this.list(c, inputs.project)).find((r) => sameSelectors(selectorsFromHarbor(r), inputs));
                    throw new Error(
                        `project "${inputs.project}" already has an identical immutable tag rule${twin ? ` (id ${twin.id})` : ""} ` +
                            `(tags ${inputs.tagDecoration} "${inputs.tagPattern}", repositories ${inputs.repoDecoration} "${inputs.repoPattern}"); ` +
                            `take it over with adopt: true, delete it in Harbor, or change this rule's selectors`,
                    );
                }
                throw err;
            }
            const ruleId = Number(created.id);
            const outs: ImmutableTagRuleOutputs = { ...inputs, ruleId };
            // An adopted rule (the POST was committed, its response lost) may have been disabled since: set it anyway.
            if (inputs.disabled || created.adopted) {
                try {
                    await c.put(`${path}/${ruleId}`, toHarbor(inputs, inputs.disabled, ruleId), { byName: true });
                } catch (err) {
                    throw partialCreateError(String(ruleId), { ...outs, disabled: false } as unknown as Record<string, unknown>, err);
                }
            }
            return { id: String(ruleId), outs };
        });
    }

    /** No GET by id: one list of the project's rules (usually one page), filtered by id. */
    async read(id: string, state?: ImmutableTagRuleOutputs): Promise<pulumi.dynamic.ReadResult<ImmutableTagRuleOutputs>> {
        const props = requireState(state, "ImmutableTagRule");
        return this.withClient(props.connection, (c) =>
            // 404, or a non-admin's 403 for a project that is gone (Harbor's RequireProjectAccess) = gone.
            readInProject(c, props.connection.username, props.project, async () => {
                const rule = (await this.list(c, props.project)).find((r) => String(r.id) === id);
                if (!rule) return { id: "" };
                const outs: ImmutableTagRuleOutputs = {
                    connection: props.connection,
                    project: props.project,
                    ...selectorsFromHarbor(rule),
                    disabled: rule.disabled ?? false,
                    ...(props.projectId !== undefined ? { projectId: props.projectId } : {}),
                    ruleId: rule.id,
                };
                return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as ImmutableTagRuleOutputs };
            }),
        );
    }

    /** One PUT per kind of change; two when selectors AND disabled change (Harbor's toggle ignores selectors). */
    async update(id: string, olds: ImmutableTagRuleOutputs, news: ImmutableTagRuleInputs): Promise<pulumi.dynamic.UpdateResult<ImmutableTagRuleOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const path = `${this.rulesPath(news.project)}/${id}`;
            if (!sameSelectors(olds, news)) await c.put(path, toHarbor(news, olds.disabled, Number(id)), { byName: true });
            if (olds.disabled !== news.disabled) await c.put(path, toHarbor(news, news.disabled, Number(id)), { byName: true });
            return { outs: { ...news, ruleId: Number(id) } };
        });
    }

    async delete(id: string, props: ImmutableTagRuleOutputs): Promise<void> {
        // 404, or a non-admin's 403 for a project that is gone = already gone.
        await this.withClient(props.connection, (c) => deleteInProject(c, props.connection.username, props.project, `${this.rulesPath(props.project)}/${id}`, { byName: true }));
    }

    private rulesPath(project: string): string {
        return `/projects/${seg(project)}/immutabletagrules`;
    }

    private list(c: HarborClient, project: string): Promise<ApiRule[]> {
        return c.list<ApiRule>(this.rulesPath(project), { byName: true });
    }
}

/** The provider every ImmutableTagRule uses, in the dynamic-provider host (harbor/hosted.ts). */
export const immutableTagRuleProvider = new ImmutableTagRuleProvider();

export type ImmutableTagRuleArgs = AdoptableArgsOf<typeof IMMUTABLE_TAG_RULE.spec.inputs>;

/** An immutable tag rule of a project. */
export class ImmutableTagRule extends HarborResource {
    /** Harbor's rule id. */
    declare readonly ruleId: pulumi.Output<number>;

    constructor(name: string, args: ImmutableTagRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(IMMUTABLE_TAG_RULE.type, name, dynamicProps(args, IMMUTABLE_TAG_RULE.outputNames), opts);
    }
}
