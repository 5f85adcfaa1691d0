// Label: a global label (scope "g", needs a system admin) or a project label (scope "p"). Name, description and
// color change in place (PUT changes only those); the project is fixed, so changing it replaces the label.
// Names are unique per scope and project (Harbor answers 409), so a retried POST is resolved by looking the label
// up by name first (the list's `name` filter is fuzzy: matched exactly here).
import * as pulumi from "@pulumi/pulumi";
import { HarborClient, seg } from "./client";
import { hexColorField, normaliseHexColor, projectIdField, refined, stringField, utf8BytesProblem } from "./fields";
import { adoptExisting, changedFields, DeclaredProvider, HARBOR_NAME_RE, pick, readOrGone, requireState } from "./provider";
import { dynamicProps, HarborResource } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";
import { AdoptableArgsOf, declareResource, input, InputsOf, optionalInput, requiredInput } from "./schema";

/** The declaration: check, diff, types and the README table come from here. */
export const LABEL = declareResource({
    type: "Label",
    inputs: {
        // Harbor: pkg/label/model/model.go Label.Valid (UpdateLabel): not empty, at most 128 BYTES (Go's len); the
        // column is varchar(128). A longer name in bytes would be created, then refused by every update.
        name: requiredInput(refined(stringField({ required: true, minLength: 1, maxLength: 128, line: true }), { problem: utf8BytesProblem(128), summary: "string (1-128 characters, at most 128 bytes in UTF-8)" }), "Label name, unique in its scope (global, or the project)."),
        description: input(stringField({ default: "", text: true }), "Free text."),
        color: input(hexColorField(), "`#RRGGBB` (upper-cased, as Harbor's UI writes it) or `\"\"` for none."),
        project: optionalInput(
            stringField({ minLength: 1, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name), or unset for a global label" }),
            "Project name for a project label; unset = a global label (needs a system admin). Harbor's PUT changes only name, description and color.",
            { replaces: true },
        ),
        projectId: optionalInput(projectIdField(), "A project label: the Project's `projectId` output; another id (the project was replaced; Harbor leaves its labels behind) replaces the label.", { unmanaged: true }),
    },
    outputs: {
        labelId: { doc: "Harbor's label id." },
        scope: { doc: "`g` (global) or `p` (project)." },
        projectId: { doc: "The project's id as Harbor holds it (0 for a global label); the input when given." },
    },
    adoptable: true,
    rules: (i, fail) => {
        if (i.projectId !== undefined && i.project === undefined) fail("projectId", "projectId is only for a project label (set project too)");
    },
});

export type LabelInputs = InputsOf<typeof LABEL.spec.inputs> & {
    /** Take over the label of this name in its scope if it exists. */
    adopt?: boolean;
};

export interface LabelOutputs extends LabelInputs {
    labelId: number;
    /** "g" (global) or "p" (project). */
    scope: "g" | "p";
    /** The project's id as Harbor holds it (0 for a global label). */
    projectId: number;
}

/** Read returns Harbor's project id (0 for a global label) as an output only. */
const INPUT_KEYS = ["connection", ...LABEL.managed] as const;

interface ApiLabel {
    id: number;
    name: string;
    description?: string;
    color?: string;
    scope: "g" | "p";
    project_id?: number;
}

const body = (i: LabelInputs, projectId: number) => ({ name: i.name, description: i.description, color: i.color, scope: i.project ? "p" : "g", project_id: projectId });

export class LabelProvider extends DeclaredProvider<LabelInputs, LabelOutputs> implements pulumi.dynamic.ResourceProvider<LabelInputs, LabelOutputs> {
    // The project (and with it the scope) replaces; Harbor leaves a deleted project's labels behind
    // (controller/event/handler/internal/project.go deletes none), still readable by id, so a new projectId
    // replaces.
    protected readonly declaration = LABEL;

    /** [GET the project's id,] POST (retried only after looking the label up by name). */
    async create(inputs: LabelInputs): Promise<pulumi.dynamic.CreateResult<LabelOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const projectId = inputs.project ? (await c.get<{ project_id: number }>(`/projects/${seg(inputs.project)}`, { byName: true })).project_id : 0;
            if (inputs.projectId !== undefined && inputs.projectId !== projectId) {
                throw new Error(`project "${inputs.project}" has id ${projectId} in Harbor, not the declared projectId ${inputs.projectId}: it was replaced meanwhile; run pulumi refresh`);
            }
            const existing = inputs.adopt ? await this.findByName(c, inputs.name, projectId) : undefined;
            const adopted = existing && (await adoptExisting<LabelInputs, LabelOutputs>("label", this, String(existing.id), inputs, { labelId: existing.id, scope: existing.scope, projectId }));
            if (adopted) return adopted;
            const created = await c.create("/labels", body(inputs, projectId), { probe: async () => (await this.findByName(c, inputs.name, projectId))?.id });
            const labelId = Number(created.id);
            return { id: String(labelId), outs: { ...inputs, labelId, scope: inputs.project ? "p" : "g", projectId } };
        });
    }

    /** One GET. */
    async read(id: string, state?: LabelOutputs): Promise<pulumi.dynamic.ReadResult<LabelOutputs>> {
        const props = requireState(state, "Label");
        // A project label of a project that is gone answers a non-admin 403 (handler/label.go, requireAccess -> RequireProjectAccess).
        const read = (c: HarborClient, fn: () => Promise<pulumi.dynamic.ReadResult>) => (props.project ? readInProject(c, props.connection.username, props.project, fn) : readOrGone(fn));
        return this.withClient(props.connection, (c) =>
            read(c, async () => {
                const l = await c.get<ApiLabel>(`/labels/${seg(id)}`);
                const outs: LabelOutputs = {
                    ...props,
                    name: l.name,
                    description: l.description ?? "",
                    color: normaliseHexColor(l.color ?? ""),
                    scope: l.scope,
                    projectId: l.project_id ?? 0,
                    labelId: l.id,
                };
                return { id: String(l.id), props: outs, inputs: pick(outs, INPUT_KEYS) as LabelOutputs };
            }),
        );
    }

    /** One PUT. */
    async update(id: string, olds: LabelOutputs, news: LabelInputs): Promise<pulumi.dynamic.UpdateResult<LabelOutputs>> {
        return this.withClient(news.connection, async (c) => {
            if (changedFields(olds, news, ["name", "description", "color"]).length > 0) await c.put(`/labels/${seg(id)}`, body(news, olds.projectId));
            return { outs: { ...news, labelId: Number(id), scope: olds.scope, projectId: olds.projectId } };
        });
    }

    /** One DELETE (Harbor also removes it from every artifact); 404 = already gone. */
    async delete(id: string, props: LabelOutputs): Promise<void> {
        await this.withClient(props.connection, async (c) => {
            if (props.project) await deleteInProject(c, props.connection.username, props.project, `/labels/${seg(id)}`);
            else await c.delete(`/labels/${seg(id)}`);
        });
    }

    private async findByName(c: HarborClient, name: string, projectId: number): Promise<ApiLabel | undefined> {
        const query = projectId ? { scope: "p", project_id: projectId, name } : { scope: "g", name };
        return (await c.list<ApiLabel>("/labels", { query })).find((l) => l.name === name);
    }
}

/** The provider every Label uses, in the dynamic-provider host (harbor/hosted.ts). */
export const labelProvider = new LabelProvider();

export type LabelArgs = AdoptableArgsOf<typeof LABEL.spec.inputs>;

/** A Harbor label, global or in a project. */
export class Label extends HarborResource {
    declare readonly labelId: pulumi.Output<number>;
    /** "g" (global) or "p" (project). */
    declare readonly scope: pulumi.Output<string>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(name: string, args: LabelArgs, opts?: pulumi.CustomResourceOptions) {
        // projectId is an input too: given, it is not seeded as an output (the engine keeps the input).
        super(LABEL.type, name, dynamicProps(args, LABEL.outputNames.filter((o) => !(o === "projectId" && args.projectId !== undefined))), opts);
    }
}
