// Label: a global label (scope "g", needs a system admin) or a project label (scope "p"). Name, description and
// color change in place (PUT changes only those); the project is fixed, so changing it replaces the label.
// Names are unique per scope and project (Harbor answers 409), so a retried POST is resolved by looking the label
// up by name first (the list's `name` filter is fuzzy: matched exactly here).
import * as pulumi from "@pulumi/pulumi";
import { HarborClient, seg } from "./client";
import { adoptExisting, adoptInput, changedFields, Connection, diffManaged, HarborProvider, InputChecker, pick, projectIdInput, readOrGone, requireState, withProjectIdDiff, HARBOR_NAME_RE } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource } from "./resource";
import { deleteInProject, readInProject } from "./projectAccess";

export interface LabelInputs {
    connection: Connection;
    name: string;
    description: string;
    /** "" or a hex color, #RRGGBB (normalised to upper case, as Harbor's UI writes it). */
    color: string;
    /** Project name for a project label; undefined = global label. */
    project?: string;
    /** A project label: the project's id as declared (Project.projectId); another id than Harbor's = replace. */
    projectId?: number;
    /** Take over the label of this name in its scope if it exists. */
    adopt?: boolean;
}

export interface LabelOutputs extends LabelInputs {
    labelId: number;
    /** "g" (global) or "p" (project). */
    scope: "g" | "p";
    /** The project's id as Harbor holds it (0 for a global label). */
    projectId: number;
}

const MANAGED = ["name", "description", "color", "project"] as const;
const INPUT_KEYS = ["connection", ...MANAGED] as const;
const COLOR_RE = /^#[0-9A-Fa-f]{6}$/;

interface ApiLabel {
    id: number;
    name: string;
    description?: string;
    color?: string;
    scope: "g" | "p";
    project_id?: number;
}

const body = (i: LabelInputs, projectId: number) => ({ name: i.name, description: i.description, color: i.color, scope: i.project ? "p" : "g", project_id: projectId });

export class LabelProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<LabelInputs, LabelOutputs> {
    async check(_olds: LabelInputs, news: LabelInputs): Promise<pulumi.dynamic.CheckResult<LabelInputs>> {
        const c = new InputChecker(news);
        const color = c.string("color", { default: "", pattern: /^$|^#[0-9A-Fa-f]{6}$/, patternHint: 'use "#RRGGBB" (e.g. "#0095D3") or "" for none' })!;
        const inputs: LabelInputs = {
            connection: c.connection(),
            name: c.string("name", { required: true, minLength: 1, maxLength: 128, line: true })!,
            description: c.string("description", { default: "", text: true })!,
            color: typeof color === "string" && COLOR_RE.test(color) ? color.toUpperCase() : color,
            project: c.string("project", { minLength: 1, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "expected a project name (Project.name), or unset for a global label" }),
        };
        const projectId = projectIdInput(c);
        if (projectId !== undefined) {
            if (inputs.project === undefined) c.fail("projectId", "projectId is only for a project label (set project too)");
            inputs.projectId = projectId;
        }
        if (adoptInput(c)) inputs.adopt = true;
        return c.result(inputs);
    }

    /** Pure. The project (and with it the scope) cannot change: replace (a new scope never clashes on the name). */
    async diff(_id: string, olds: LabelOutputs, news: LabelInputs): Promise<pulumi.dynamic.DiffResult> {
        // Harbor leaves a deleted project's labels behind (controller/event/handler/internal/project.go deletes none),
        // still readable by id: Harbor's project id in state against the declared one tells a replaced project.
        return withProjectIdDiff(diffManaged<LabelInputs>(olds, news, { managed: MANAGED, replaceOn: ["project"] }), olds.projectId, news.projectId);
    }

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
                    color: COLOR_RE.test(l.color ?? "") ? l.color!.toUpperCase() : l.color ?? "",
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

export interface LabelArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** Label name (unique in its scope). */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** "#RRGGBB" or "" (default). */
    color?: pulumi.Input<string>;
    /** Project name for a project label; leave unset for a global label. Replaces the label when changed. */
    project?: pulumi.Input<string>;
    /** A project label: the Project's `projectId` output. A new id (the project was replaced; Harbor leaves its labels behind) replaces the label. */
    projectId?: pulumi.Input<number>;
    /** Take over the existing label of this name in its scope (default false). */
    adopt?: pulumi.Input<boolean>;
}

/** A Harbor label, global or in a project. */
export class Label extends HarborResource {
    declare readonly labelId: pulumi.Output<number>;
    /** "g" (global) or "p" (project). */
    declare readonly scope: pulumi.Output<string>;
    declare readonly projectId: pulumi.Output<number>;

    constructor(name: string, args: LabelArgs, opts?: pulumi.CustomResourceOptions) {
        super("Label", name, dynamicProps(args, args.projectId !== undefined ? ["labelId", "scope"] : ["labelId", "scope", "projectId"]), opts);
    }
}
