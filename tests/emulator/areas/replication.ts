// Replication policies (+ a minimal execution state for the 412 on delete).
// Server behaviours mirrored from Harbor v2.15:
// - names are unique (409); exactly one of src_registry / dest_registry is a remote (non-zero, existing) registry;
// - the handlers read the DEPRECATED `deletion` field (replicate_deletion in the body is ignored); responses fill both;
// - dest_namespace_replace_count left out is stored as -1; negative speeds are stored as 0;
// - a scheduled trigger needs a 6-field cron with seconds "0" and minutes not "*";
// - filters: type name|tag|label|resource, label value an array, others strings, decoration only on tag/label;
// - single_active_replication is not allowed with event_based (a 500);
// - PUT replaces the policy as sent: every column is written (handler/replication.go UpdateReplicationPolicy builds a
//   fresh policy; pkg/replication/dao Update has no column list), so copy_by_chunk, single_active_replication,
//   override, enabled, speed... left out become false/0 and the replace count -1; DELETE answers 412 while an execution is not final;
// - GET fills src_registry/dest_registry as full objects, the local Harbor as id 0.
// Registries used by a policy cannot be deleted (registered with the registries area).
import { badRequest, conflict, created, defineArea, HarborEmulator, HarborError, notFound, ok, paginate, precondition } from "../server";
import { matches, parseQ } from "./query";
import { registriesArea, RegistriesState } from "./registries";

export interface PolicyRecord {
    id: number;
    name: string;
    description: string;
    srcRegistryId: number;
    destRegistryId: number;
    dest_namespace: string;
    dest_namespace_replace_count: number;
    trigger: { type: string; trigger_settings?: { cron: string } };
    filters: { type: string; value: unknown; decoration?: string }[];
    replicate_deletion: boolean;
    override: boolean;
    enabled: boolean;
    speed: number;
    copy_by_chunk: boolean;
    single_active_replication: boolean;
}

export interface ExecutionRecord {
    id: number;
    policyId: number;
    status: "InProgress" | "Succeed" | "Failed" | "Stopped";
}

const NOW = "2026-01-01T00:00:00.000Z";
const NAMESPACE_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const LOCAL = { id: 0, name: "Local", type: "harbor", url: "http://core:8080", insecure: true, status: "healthy", credential: { type: "secret", access_key: "", access_secret: "" } };

export class ReplicationState {
    readonly policies = new Map<number, PolicyRecord>();
    readonly executions: ExecutionRecord[] = [];

    constructor(private readonly emu: HarborEmulator, private readonly registries: RegistriesState) {
        registries.addReferenceCheck((id) => {
            for (const p of this.policies.values()) if (p.srcRegistryId === id || p.destRegistryId === id) return `the registry ${id} is referenced by replication policy ${p.name}`;
            return undefined;
        });
    }

    byName(name: string): PolicyRecord | undefined {
        for (const p of this.policies.values()) if (p.name === name) return p;
        return undefined;
    }

    /** Start an execution (tests use it to provoke the 412 on delete). */
    startExecution(policyId: number, status: ExecutionRecord["status"] = "InProgress"): ExecutionRecord {
        const e = { id: this.emu.nextId(), policyId, status };
        this.executions.push(e);
        return e;
    }

    view(p: PolicyRecord): Record<string, unknown> {
        const reg = (id: number) => (id === 0 ? { ...LOCAL } : this.registries.view(this.registries.must(id)));
        return {
            id: p.id, name: p.name, description: p.description,
            src_registry: reg(p.srcRegistryId), dest_registry: reg(p.destRegistryId),
            dest_namespace: p.dest_namespace, dest_namespace_replace_count: p.dest_namespace_replace_count,
            trigger: { type: p.trigger.type, trigger_settings: { cron: p.trigger.trigger_settings?.cron ?? "" } },
            filters: p.filters.map((f) => ({ ...f })),
            replicate_deletion: p.replicate_deletion, deletion: p.replicate_deletion,
            override: p.override, enabled: p.enabled, speed: p.speed,
            copy_by_chunk: p.copy_by_chunk, single_active_replication: p.single_active_replication,
            creation_time: NOW, update_time: NOW,
        };
    }

    /** Validate a ReplicationPolicy body as Harbor's handler does and build the record (id assigned by the caller). */
    parse(b: Record<string, any>, id: number): PolicyRecord { // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON
        if (!b.name) throw badRequest("name is required");
        const src = b.src_registry?.id ?? 0;
        const dest = b.dest_registry?.id ?? 0;
        if ((src === 0) === (dest === 0)) throw badRequest("exactly one of src_registry and dest_registry must be a remote registry");
        this.registries.must(src || dest);
        const ns = b.dest_namespace ?? "";
        if (ns && !NAMESPACE_RE.test(ns)) throw badRequest(`invalid dest_namespace ${ns}`);
        const count = b.dest_namespace_replace_count ?? -1;
        if (count < -1) throw badRequest(`invalid dest_namespace_replace_count ${count}`);
        const type = b.trigger?.type ?? "manual";
        if (!["manual", "event_based", "scheduled"].includes(type)) throw badRequest(`invalid trigger type ${type}`);
        let trigger: PolicyRecord["trigger"] = { type };
        if (type === "scheduled") {
            const cron = String(b.trigger?.trigger_settings?.cron ?? "");
            const f = cron.split(" ");
            if (f.length !== 6) throw badRequest(`invalid cron ${cron}: 6 fields expected`);
            if (f[0] !== "0") throw badRequest("the 1st field (indicating Seconds of time) of the cron setting must be 0");
            if (f[1] === "*") throw badRequest("the 2nd field (indicating Minutes of time) of the cron setting must not be *");
            trigger = { type, trigger_settings: { cron } };
        }
        // handler/replication.go: refused with a plain fmt.Errorf, which Harbor answers as 500 UNKNOWN.
        if (type === "event_based" && b.single_active_replication) throw new HarborError(500, "UNKNOWN", "single active replication is not allowed for event_based triggers");
        const filters: PolicyRecord["filters"] = [];
        for (const f of b.filters ?? []) {
            if (!["name", "tag", "label", "resource"].includes(f.type)) throw badRequest(`invalid filter type ${f.type}`);
            if (f.type === "label" ? !Array.isArray(f.value) : typeof f.value !== "string") throw badRequest(`invalid value of the ${f.type} filter`);
            if (f.type === "resource" && !["image", "artifact"].includes(f.value)) throw badRequest(`invalid resource filter ${f.value}`);
            if (f.decoration !== undefined && f.decoration !== "") {
                if (f.type !== "tag" && f.type !== "label") throw badRequest(`decoration is not supported on the ${f.type} filter`);
                if (!["matches", "excludes"].includes(f.decoration)) throw badRequest(`invalid decoration ${f.decoration}`);
            }
            filters.push({ type: f.type, value: f.value, ...(f.decoration ? { decoration: f.decoration } : {}) });
        }
        return {
            id, name: b.name, description: b.description ?? "", srcRegistryId: src, destRegistryId: dest,
            dest_namespace: ns, dest_namespace_replace_count: count, trigger, filters,
            replicate_deletion: b.deletion ?? false, // Harbor reads the deprecated field
            override: b.override ?? false, enabled: b.enabled ?? false, speed: Math.max(0, b.speed ?? 0),
            copy_by_chunk: b.copy_by_chunk ?? false, single_active_replication: b.single_active_replication ?? false,
        };
    }
}

export const replicationArea = defineArea<ReplicationState>({
    name: "replication",
    init: (emu) => new ReplicationState(emu, emu.area(registriesArea)),
    handlers: (state, emu) => ({
        listReplicationPolicies: (req) => {
            let list = [...state.policies.values()];
            const name = req.query.get("name");
            if (name) list = list.filter((p) => p.name.includes(name));
            const q = parseQ(req.query.get("q"));
            list = list.filter((p) => matches(q.get("name"), p.name));
            return paginate(req, list.map((p) => state.view(p)));
        },
        createReplicationPolicy: (req) => {
            const rec = state.parse(req.body, 0);
            if (state.byName(rec.name)) throw conflict(`policy ${rec.name} already exists`);
            rec.id = emu.nextId();
            state.policies.set(rec.id, rec);
            return created("/replication/policies", rec.id);
        },
        getReplicationPolicy: (req) => {
            const p = state.policies.get(Number(req.params.id));
            if (!p) throw notFound(`policy ${req.params.id}`);
            return ok(state.view(p));
        },
        updateReplicationPolicy: (req) => {
            const old = state.policies.get(Number(req.params.id));
            if (!old) throw notFound(`policy ${req.params.id}`);
            const rec = state.parse(req.body, old.id);
            const other = state.byName(rec.name);
            if (other && other.id !== old.id) throw conflict(`policy ${rec.name} already exists`);
            state.policies.set(old.id, rec);
            return ok();
        },
        deleteReplicationPolicy: (req) => {
            const p = state.policies.get(Number(req.params.id));
            if (!p) throw notFound(`policy ${req.params.id}`);
            if (state.executions.some((e) => e.policyId === p.id && e.status === "InProgress")) throw precondition(`the policy ${p.id} has running executions, can not be deleted`);
            state.policies.delete(p.id);
            state.executions.splice(0, state.executions.length, ...state.executions.filter((e) => e.policyId !== p.id));
            return ok();
        },
    }),
});
