// Harbor's audit log as v2.15 keeps it: every event goes to the audit_log_ext table (src/controller/event/handler/
// auditlog/auditlog.go, Handle: auditext.Mgr.Create) and is read through GET /auditlog-exts (system-wide) and
// GET /projects/{project_name}/auditlog-exts (one project); the legacy GET /audit-logs reads the old audit_log table,
// which nothing writes any more, so it is not served here. Areas record entries for the operations they serve:
// artifact push = operation "create", pull (GET manifest, never HEAD) = "pull", delete = "delete", resource
// `<repo>:<tag>` or `<repo>@<digest>` (src/controller/event/topic.go, PushArtifactEvent/PullArtifactEvent
// ResolveToAuditLog).
//
// Query (src/lib/q/builder.go): `q` terms `k=v` (exact), `k=~v` (fuzzy), `k=[min~max]` (range; a value is parsed as a
// time "2006-01-02T15:04:05" first, then an integer, else a string) and `k={v1 v2}` (any of), joined by commas; the
// model's default sort is op_time descending (src/pkg/auditext/model/model.go `sort:"default:desc"`); `sort=op_time`
// ascending, `sort=-op_time` descending. Paged with page/page_size, X-Total-Count and Link.
import { badRequest, defineArea, EmuRequest, HarborEmulator, notFound, paginate } from "../server";
import { projectsArea } from "./projects";
import { goQueryUnescape } from "./query";

export interface AuditEntry {
    id: number;
    projectId: number;
    operation: string;
    description: string;
    success: boolean;
    resourceType: string;
    resource: string;
    username: string;
    /** ISO time. */
    opTime: string;
}

const KEYS = ["operation", "resource_type", "resource", "username", "op_time"] as const;
type Key = (typeof KEYS)[number];

type Term = { kind: "exact"; value: string } | { kind: "fuzzy"; value: string } | { kind: "range"; min?: string; max?: string } | { kind: "any"; values: string[] };

export class AuditLogState {
    readonly entries: AuditEntry[] = [];
    /** The emulator's clock for new entries (tests set it to make --since meaningful). */
    now: () => Date = () => new Date();

    constructor(private readonly emu: HarborEmulator) {}

    /** Record an event as Harbor's audit handler does. */
    record(e: Omit<AuditEntry, "id" | "opTime" | "success" | "description"> & { opTime?: string; description?: string; success?: boolean }): AuditEntry {
        const entry: AuditEntry = {
            id: this.emu.nextId(), success: true, description: `${e.operation} ${e.resourceType}: ${e.resource}`, opTime: this.now().toISOString(), ...e,
        };
        this.entries.push(entry);
        return entry;
    }

    /** An artifact event (create = push, pull, delete) in `project`, as PushArtifactEvent/PullArtifactEvent resolve it. */
    artifact(operation: "create" | "pull" | "delete", project: string, repository: string, reference: string, username: string): AuditEntry {
        const p = this.emu.area(projectsArea).byName(project);
        const resource = reference.startsWith("sha256:") ? `${project}/${repository}@${reference}` : `${project}/${repository}:${reference}`;
        const verb = operation === "create" ? "push" : operation;
        return this.record({ projectId: p?.project_id ?? 0, operation, resourceType: "artifact", resource, username, description: `${verb} artifact: ${resource}` });
    }
}

function parseTerms(raw: string | null): Map<Key, Term> {
    const terms = new Map<Key, Term>();
    if (raw === null || raw === "") return terms;
    const q = goQueryUnescape(raw) ?? raw;
    for (const part of q.split(",")) {
        const i = part.indexOf("=");
        const key = part.slice(0, i);
        const value = part.slice(i + 1);
        if (i <= 0 || value === "") throw badRequest(`invalid query term "${part}"`);
        if (!(KEYS as readonly string[]).includes(key)) throw badRequest(`emulator: audit log query key "${key}" is not one of ${KEYS.join(", ")}`);
        let term: Term;
        if (value.startsWith("[")) {
            if (!value.endsWith("]") || value.split("~").length !== 2) throw badRequest(`range must start with "[", end with "]" and contains only one "~"`);
            const [min, max] = value.slice(1, -1).split("~");
            term = { kind: "range", min: min || undefined, max: max || undefined };
        } else if (value.startsWith("{")) {
            if (!value.endsWith("}")) throw badRequest(`union must start with "{" and end with "}"`);
            term = { kind: "any", values: value.slice(1, -1).split(" ").filter(Boolean) };
        } else if (value.startsWith("~")) {
            if (value.length < 2) throw badRequest(`fuzzy match value must start with "~" and contain at least 1 other characters`);
            term = { kind: "fuzzy", value: value.slice(1) };
        } else term = { kind: "exact", value: value.replace(/^\\/, "") };
        terms.set(key as Key, term);
    }
    return terms;
}

/** Harbor parses a range bound as a time in this layout (UTC), else an integer, else a string. */
function bound(v: string): number | string {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v)) return Date.parse(`${v}Z`);
    if (/^-?\d+$/.test(v)) return Number(v);
    return v;
}

function field(e: AuditEntry, key: Key): string {
    return key === "resource_type" ? e.resourceType : key === "op_time" ? e.opTime : e[key];
}

function matches(e: AuditEntry, key: Key, t: Term): boolean {
    const actual = field(e, key);
    if (t.kind === "exact") return actual === t.value;
    if (t.kind === "fuzzy") return actual.includes(t.value);
    if (t.kind === "any") return t.values.includes(actual);
    const a = key === "op_time" ? Date.parse(actual) : actual;
    const lo = t.min === undefined ? undefined : bound(t.min);
    const hi = t.max === undefined ? undefined : bound(t.max);
    return (lo === undefined || a >= lo) && (hi === undefined || a <= hi);
}

function list(req: EmuRequest, state: AuditLogState, projectId?: number) {
    const terms = parseTerms(req.query.get("q"));
    const sort = req.query.get("sort") ?? "-op_time";
    if (!/^-?op_time$/.test(sort)) throw badRequest(`emulator: audit logs sort only by op_time, got "${sort}"`);
    const rows = state.entries
        .filter((e) => projectId === undefined || e.projectId === projectId)
        .filter((e) => [...terms].every(([k, t]) => matches(e, k, t)))
        .sort((a, b) => (sort.startsWith("-") ? -1 : 1) * (Date.parse(a.opTime) - Date.parse(b.opTime) || a.id - b.id));
    return paginate(req, rows.map((e) => ({
        id: e.id, op_time: e.opTime, operation: e.operation, operation_description: e.description, operation_result: e.success,
        resource: e.resource, resource_type: e.resourceType, username: e.username,
    })));
}

export const auditLogsArea = defineArea<AuditLogState>({
    name: "auditlogs",
    init: (emu) => {
        emu.area(projectsArea);
        return new AuditLogState(emu);
    },
    handlers: (state, emu) => ({
        listAuditLogExts: (req) => list(req, state),
        getLogExts: (req) => {
            const p = emu.area(projectsArea).byName(req.params.project_name);
            if (!p) throw notFound(`project ${req.params.project_name}`);
            return list(req, state, p.project_id);
        },
    }),
});
