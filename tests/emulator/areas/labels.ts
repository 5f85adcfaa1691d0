// /labels, as Harbor 2.15 behaves (src/server/v2.0/handler/label.go, pkg/label):
// - scope "g" (global, project_id forced to 0, sysadmin) or "p" (project, project_id required);
// - names are unique per scope and project (409); PUT changes only name, description and color;
// - list requires scope (and project_id for "p"); `name` is a fuzzy match.
import { badRequest, conflict, created, defineArea, notFound, ok, paginate } from "../server";
import { projectsArea } from "./projects";

const NOW = "2026-01-01T00:00:00.000Z";

export interface LabelRecord {
    id: number;
    name: string;
    description: string;
    color: string;
    scope: "g" | "p";
    project_id: number;
}

export interface LabelsState {
    labels: Map<number, LabelRecord>;
    find(name: string, scope: "g" | "p", projectId: number): LabelRecord | undefined;
}

interface LabelBody {
    name?: string;
    description?: string;
    color?: string;
    scope?: string;
    project_id?: number;
}

const view = (l: LabelRecord) => ({ ...l, creation_time: NOW, update_time: NOW });

export const labelsArea = defineArea<LabelsState>({
    name: "labels",
    init: () => {
        const labels = new Map<number, LabelRecord>();
        return { labels, find: (name, scope, projectId) => [...labels.values()].find((l) => l.name === name && l.scope === scope && l.project_id === projectId) };
    },
    handlers: (state, emu) => {
        const must = (id: string) => {
            const l = state.labels.get(Number(id));
            if (!l) throw notFound(`label ${id}`);
            return l;
        };
        return {
            ListLabels: (req) => {
                const scope = req.query.get("scope") ?? "";
                if (scope !== "g" && scope !== "p") throw badRequest(`invalid scope: ${scope}`);
                const pid = Number(req.query.get("project_id") ?? "0");
                if (scope === "p" && !pid) throw badRequest("must with project ID when to query project labels");
                let list = [...state.labels.values()].filter((l) => l.scope === scope && (scope === "g" || l.project_id === pid));
                const name = req.query.get("name");
                if (name) list = list.filter((l) => l.name.includes(name));
                return paginate(req, list.map(view));
            },
            CreateLabel: (req) => {
                const body = req.body as LabelBody;
                const scope = body.scope;
                if (scope !== "g" && scope !== "p") throw badRequest(`unsupported label scope ${String(scope)}`);
                const projectId = scope === "g" ? 0 : body.project_id ?? 0;
                if (!body.name) throw badRequest("name is required");
                if (scope === "p") {
                    if (projectId <= 0) throw badRequest("project_id is required for a project label");
                    if (!emu.area(projectsArea).projects.has(projectId)) throw notFound(`project ${projectId}`);
                }
                if (state.find(body.name, scope, projectId)) throw conflict(`label ${body.name} already exists`);
                const l: LabelRecord = { id: emu.nextId(), name: body.name, description: body.description ?? "", color: body.color ?? "", scope, project_id: projectId };
                state.labels.set(l.id, l);
                return created("/labels", l.id);
            },
            GetLabelByID: (req) => ok(view(must(req.params.label_id))),
            UpdateLabel: (req) => {
                const l = must(req.params.label_id);
                const body = req.body as LabelBody;
                if (!body.name) throw badRequest("name is required");
                const clash = state.find(body.name, l.scope, l.project_id);
                if (clash && clash.id !== l.id) throw conflict(`label ${body.name} already exists`);
                Object.assign(l, { name: body.name, description: body.description ?? "", color: body.color ?? "" });
                return ok();
            },
            DeleteLabel: (req) => {
                state.labels.delete(must(req.params.label_id).id);
                return ok();
            },
        };
    },
});
