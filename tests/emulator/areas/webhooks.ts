// /projects/{p}/webhook/policies, as Harbor 2.15 behaves (src/server/v2.0/handler/webhook.go):
// - validateEventTypes: event types non-empty and among the 10 of pkg/notification/notification.go
//   (initSupportedNotifyType), else 400;
// - validateTargets: targets non-empty; the address must pass utils.ParseEndpoint (http/https, or no scheme) but is
//   stored AS SENT (the SSRF rewrite assigns to the range loop's copy); type http or slack; a slack target with any
//   payload_format is a 400; an unknown payload format is a 400; an http target without one gets "Default";
// - names are unique per project (DB unique(name, project_id): 409); PUT replaces the whole policy, name included;
// - a policy addressed under another project is a 404 (requirePolicyInProject); GET returns auth_header as stored;
// - the list's q is parsed like Harbor's (query.ts).
import { badRequest, conflict, created, defineArea, notFound, ok, paginate } from "../server";
import { resolveProject } from "./projects";
import { matches, parseQ } from "./query";

const NOW = "2026-01-01T00:00:00.000Z";
export const WEBHOOK_EVENT_TYPES = [
    "PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING", "SCANNING_FAILED", "SCANNING_STOPPED",
    "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION",
];
const PAYLOAD_FORMATS = ["Default", "CloudEvents"];

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
        // utils.ParseEndpoint: trimmed of spaces and trailing '/', scheme http(s) or none (then http), ParseRequestURI.
        const trimmed = (t.address ?? "").trim().replace(/\/+$/, "");
        if (!trimmed) throw badRequest("empty URL");
        const scheme = trimmed.includes("://") ? trimmed.slice(0, trimmed.indexOf("://")) : "http";
        if (scheme !== "http" && scheme !== "https") throw badRequest(`invalid scheme: ${scheme}`);
        try {
            new URL(trimmed.includes("://") ? trimmed : `http://${trimmed}`);
        } catch {
            throw badRequest(`parse "${trimmed}": invalid URI for request`);
        }
        if (t.type !== "http" && t.type !== "slack") throw badRequest(`unsupported target type ${t.type} with policy ${body.name ?? ""}`);
        if (t.payload_format && t.type === "slack") throw badRequest("set payload format is not allowed for slack");
        if (t.payload_format && !PAYLOAD_FORMATS.includes(t.payload_format)) throw badRequest(`unsupported payload format type: ${t.payload_format}`);
        const target: WebhookTarget = { ...t };
        if (!t.payload_format && t.type === "http") target.payload_format = "Default";
        return target;
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
                const q = parseQ(req.query.get("q"));
                list = list.filter((p) => matches(q.get("name"), p.name));
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
