// Immutable tag rules of a project.
// Server behaviours mirrored from Harbor v2.15:
// - POST always stores disabled=false; an identical rule (same selectors) in the project gives 409;
// - PUT: the body id must equal the path id (400); when `disabled` differs from the stored value Harbor ONLY toggles
//   it and IGNORES selector changes in the same request; otherwise it updates the selectors;
// - there is no GET by id (list and filter); Location is /api/v2.0/projects/<as sent>/immutabletagrules/<id>.
import { badRequest, conflict, created, defineArea, HarborEmulator, notFound, ok, paginate } from "../server";
import { projectsArea, resolveProject } from "./projects";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON, validated by hand below

export interface ImmutableRuleRecord {
    id: number;
    projectId: number;
    disabled: boolean;
    tag_selectors: Json[];
    scope_selectors: Json;
}

export class ImmutableRulesState {
    readonly rules = new Map<number, ImmutableRuleRecord>();

    constructor(private readonly emu: HarborEmulator) {}

    ofProject(projectName: string): ImmutableRuleRecord[] {
        const p = this.emu.area(projectsArea).must(projectName);
        return [...this.rules.values()].filter((r) => r.projectId === p.project_id);
    }

    view(r: ImmutableRuleRecord): Record<string, unknown> {
        return {
            id: r.id, priority: 0, disabled: r.disabled, action: "immutable", template: "immutable_template", params: {},
            tag_selectors: JSON.parse(JSON.stringify(r.tag_selectors)), scope_selectors: JSON.parse(JSON.stringify(r.scope_selectors)),
        };
    }

    /** Validate the selectors of an ImmutableRule body. */
    selectors(b: Json): Pick<ImmutableRuleRecord, "tag_selectors" | "scope_selectors"> {
        if ((b.template ?? "immutable_template") !== "immutable_template") throw badRequest(`invalid template ${b.template}`);
        if ((b.action ?? "immutable") !== "immutable") throw badRequest(`invalid action ${b.action}`);
        const tags: Json[] = b.tag_selectors ?? [];
        const repos: Json[] = b.scope_selectors?.repository ?? [];
        if (tags.length === 0 || repos.length === 0) throw badRequest("an immutable rule needs a tag selector and a repository selector");
        for (const s of tags) if (s.kind !== "doublestar" || !["matches", "excludes"].includes(s.decoration) || !s.pattern) throw badRequest(`invalid tag selector ${JSON.stringify(s)}`);
        for (const s of repos) if (s.kind !== "doublestar" || !["repoMatches", "repoExcludes"].includes(s.decoration) || !s.pattern) throw badRequest(`invalid scope selector ${JSON.stringify(s)}`);
        return { tag_selectors: tags, scope_selectors: { repository: repos } };
    }

    duplicateOf(projectId: number, sel: Pick<ImmutableRuleRecord, "tag_selectors" | "scope_selectors">, except?: number): ImmutableRuleRecord | undefined {
        const key = JSON.stringify([sel.tag_selectors, sel.scope_selectors]);
        for (const r of this.rules.values()) {
            if (r.projectId === projectId && r.id !== except && JSON.stringify([r.tag_selectors, r.scope_selectors]) === key) return r;
        }
        return undefined;
    }
}

export const immutableTagRulesArea = defineArea<ImmutableRulesState>({
    name: "immutabletagrules",
    init: (emu) => {
        emu.area(projectsArea); // depends on projects
        return new ImmutableRulesState(emu);
    },
    handlers: (state, emu) => {
        const ruleOf = (req: { params: Record<string, string> }, projectId: number) => {
            const r = state.rules.get(Number(req.params.immutable_rule_id));
            if (!r || r.projectId !== projectId) throw notFound(`immutable rule ${req.params.immutable_rule_id}`);
            return r;
        };
        return {
            ListImmuRules: (req) => {
                const p = resolveProject(req);
                return paginate(req, [...state.rules.values()].filter((r) => r.projectId === p.project_id).map((r) => state.view(r)));
            },
            CreateImmuRule: (req) => {
                const p = resolveProject(req);
                const sel = state.selectors(req.body);
                if (state.duplicateOf(p.project_id, sel)) throw conflict("the immutable rule already exists");
                const rec: ImmutableRuleRecord = { id: emu.nextId(), projectId: p.project_id, disabled: false, ...sel }; // disabled is ignored on create
                state.rules.set(rec.id, rec);
                return created(`/projects/${req.params.project_name_or_id}/immutabletagrules`, rec.id);
            },
            UpdateImmuRule: (req) => {
                const p = resolveProject(req);
                const r = ruleOf(req, p.project_id);
                if (req.body.id !== r.id) throw badRequest(`the id in the body (${req.body.id}) must be the rule id ${r.id}`);
                if (req.body.disabled !== undefined && req.body.disabled !== r.disabled) {
                    r.disabled = req.body.disabled; // Harbor's toggle path: the selectors in this body are ignored
                    return ok();
                }
                const sel = state.selectors(req.body);
                if (state.duplicateOf(p.project_id, sel, r.id)) throw conflict("the immutable rule already exists");
                Object.assign(r, sel);
                return ok();
            },
            DeleteImmuRule: (req) => {
                const p = resolveProject(req);
                state.rules.delete(ruleOf(req, p.project_id).id);
                return ok();
            },
        };
    },
});
