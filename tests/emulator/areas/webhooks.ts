// /projects/{p}/webhook/policies, as Harbor 2.15 behaves (src/server/v2.0/handler/notification_policy.go):
// - event types must be non-empty and supported, targets non-empty with type http or slack (400);
// - a target address is stored as scheme://host+path (query, fragment and credentials dropped: SSRF guard);
// - names are unique per project (409, not in the spec); PUT replaces the whole policy, name included;
// - a policy addressed under another project is a 404; GET returns auth_header as stored.
import { badRequest, conflict, created, defineArea, notFound, ok, paginate } from "../server";
import { resolveProject } from "./projects";

const NOW = "2026-01-01T00:00:00.000Z";
export const WEBHOOK_EVENT_TYPES = [
    "PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "DELETE_REPOSITORY", "CREATE_TAG", "DELETE_TAG", "SCANNING_FAILED",
    "SCANNING_STOPPED", "SCANNING_COMPLETED", "QUOTA_WARNING", "QUOTA_EXCEED", "REPLICATION", "ARTIFACT_LABELED",
    "TAG_RETENTION", "CREATE_PROJECT", "DELETE_PROJECT", "CREATE_ROBOT", "DELETE_ROBOT",
];

export interface WebhookTarget {
    type: string;
    address: string;
    auth_header?: string;
    skip_cert_verify?: boolean;
    payload_format?: string;
}

export interface WebhookRecord {
    id: number;
    project_id: number;
    name: string;
    description: string;
    enabled: boolean;
    event_types: string[];
    targets: WebhookTarget[];
}

export interface WebhooksState {
    policies: Map<number, WebhookRecord>;
    byName(projectId: number, name: string): WebhookRecord | undefined;
}

interface PolicyBody {
    name?: string;
    description?: string;
    enabled?: boolean;
    event_types?: string[];
    targets?: WebhookTarget[];
}

/** Validate and normalise a policy body as Harbor's handler does. */
function normalise(body: PolicyBody): Omit<WebhookRecord, "id" | "project_id"> {
    const events = body.event_types ?? [];
    if (events.length === 0) throw badRequest("empty event type");
    for (const e of events) if (!WEBHOOK_EVENT_TYPES.includes(e)) throw badRequest(`unsupported event type ${e}`);
    const targets = body.targets ?? [];
    if (targets.length === 0) throw badRequest(`empty notification target with policy ${body.name ?? ""}`);
    const stored = targets.map((t) => {
        let u: URL;
        try {
            u = new URL(t.address);
        } catch {
            throw badRequest(`invalid endpoint: ${t.address}`);
        }
        if (u.protocol !== "http:" && u.protocol !== "https:") throw badRequest(`invalid http url: ${t.address}`);
        if (t.type !== "http" && t.type !== "slack") throw badRequest(`unsupported target type ${t.type} with policy ${body.name ?? ""}`);
        return { ...t, address: `${u.protocol}//${u.host}${u.pathname === "/" && !t.address.replace(/^[a-z]+:\/\/[^/]*/i, "").startsWith("/") ? "" : u.pathname}` };
    });
    return { name: body.name ?? "", description: body.description ?? "", enabled: body.enabled ?? false, event_types: [...events], targets: stored };
}

function view(p: WebhookRecord): Record<string, unknown> {
    return {
        id: p.id, project_id: p.project_id, name: p.name, description: p.description, enabled: p.enabled, creator: "admin",
        event_types: [...p.event_types], targets: p.targets.map((t) => ({ ...t })), creation_time: NOW, update_time: NOW,
    };
}

export const webhooksArea = defineArea<WebhooksState>({
    name: "webhooks",
    init: () => {
        const policies = new Map<number, WebhookRecord>();
        return { policies, byName: (projectId, name) => [...policies.values()].find((p) => p.project_id === projectId && p.name === name) };
    },
    handlers: (state, emu) => {
        const inProject = (projectId: number, id: string) => {
            const p = state.policies.get(Number(id));
            if (!p || p.project_id !== projectId) throw notFound(`project id:${projectId}, webhook policy id: ${id}`);
            return p;
        };
        return {
            ListWebhookPoliciesOfProject: (req) => {
                const project = resolveProject(req);
                let list = [...state.policies.values()].filter((p) => p.project_id === project.project_id);
                const q = req.query.get("q");
                if (q) {
                    const m = /^name=(.+)$/.exec(q);
                    if (!m) throw badRequest(`unsupported query ${q}`);
                    list = list.filter((p) => p.name === m[1]);
                }
                return paginate(req, list.map(view));
            },
            CreateWebhookPolicyOfProject: (req) => {
                const project = resolveProject(req);
                const fields = normalise(req.body as PolicyBody);
                if (!fields.name) throw badRequest("name is required");
                if (state.byName(project.project_id, fields.name)) throw conflict(`notification policy ${fields.name} already exists`);
                const p: WebhookRecord = { id: emu.nextId(), project_id: project.project_id, ...fields };
                state.policies.set(p.id, p);
                return created(`/projects/${encodeURIComponent(req.params.project_name_or_id)}/webhook/policies`, p.id);
            },
            GetWebhookPolicyOfProject: (req) => ok(view(inProject(resolveProject(req).project_id, req.params.webhook_policy_id))),
            UpdateWebhookPolicyOfProject: (req) => {
                const project = resolveProject(req);
                const p = inProject(project.project_id, req.params.webhook_policy_id);
                const fields = normalise(req.body as PolicyBody);
                const clash = state.byName(project.project_id, fields.name);
                if (clash && clash.id !== p.id) throw conflict(`notification policy ${fields.name} already exists`);
                Object.assign(p, fields);
                return ok();
            },
            DeleteWebhookPolicyOfProject: (req) => {
                const p = inProject(resolveProject(req).project_id, req.params.webhook_policy_id);
                state.policies.delete(p.id);
                return ok();
            },
        };
    },
});
