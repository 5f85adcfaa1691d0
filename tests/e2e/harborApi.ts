// What an operator sees in Harbor, read through its REST API (as a person with the admin account would), for the
// end-to-end suite: plain, comparable values.
import type { HarborEmulator } from "../emulator";

/** One request to Harbor's API with the admin account; throws on an error status. */
export async function api<T = unknown>(emu: HarborEmulator, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${emu.url}/api/v2.0${path}`, {
        method,
        headers: {
            authorization: `Basic ${Buffer.from(`${emu.username}:${emu.password}`).toString("base64")}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            // Projects are addressed by name here (an all-digit name would otherwise be taken as an id).
            ...(path.startsWith("/projects/") ? { "x-is-resource-name": "true" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
}

interface RetentionRule {
    template: string;
    params: Record<string, number>;
    tags: string;
}

export interface HarborSnapshot {
    projects: string[];
    /** Per project: "user:role" of each member, sorted. */
    members: Record<string, string[]>;
    robots: string[];
    robotIds: Record<string, number>;
    /** Per robot: "action resource" of each permission, sorted. */
    robotAccess: Record<string, string[]>;
    retention: Record<string, RetentionRule[]>;
    immutable: Record<string, string[]>;
    registries: string[];
    replication: string[];
    config: Record<string, unknown>;
    gcSchedule: string;
}

type Named = { name: string };

export async function harborSnapshot(emu: HarborEmulator): Promise<HarborSnapshot> {
    const projects = await api<(Named & { project_id: number; metadata?: Record<string, string> })[]>(emu, "GET", "/projects?page_size=100");
    const snap: HarborSnapshot = {
        projects: projects.map((p) => p.name).sort(),
        members: {}, robots: [], robotIds: {}, robotAccess: {}, retention: {}, immutable: {}, registries: [], replication: [], config: {}, gcSchedule: "",
    };
    for (const p of projects) {
        const members = await api<{ entity_name: string; role_name: string }[]>(emu, "GET", `/projects/${p.name}/members?page_size=100`);
        snap.members[p.name] = members.map((m) => `${m.entity_name}:${m.role_name}`).sort();
        const rules = await api<{ tag_selectors: { pattern: string }[] }[]>(emu, "GET", `/projects/${p.name}/immutabletagrules?page_size=100`);
        if (rules.length) snap.immutable[p.name] = rules.map((r) => r.tag_selectors[0].pattern).sort();
        const retentionId = p.metadata?.retention_id;
        if (retentionId) {
            const policy = await api<{ rules: { template: string; params: Record<string, number>; tag_selectors: { pattern: string }[] }[] }>(emu, "GET", `/retentions/${retentionId}`);
            snap.retention[p.name] = policy.rules.map((r) => ({ template: r.template, params: r.params, tags: r.tag_selectors[0].pattern }));
        }
    }
    type Robot = Named & { id: number; permissions: { access: { action: string; resource: string }[] }[] };
    const robots = await api<Robot[]>(emu, "GET", "/robots?page_size=100"); // system robots
    for (const p of projects) {
        robots.push(...(await api<Robot[]>(emu, "GET", `/robots?page_size=100&q=${encodeURIComponent(`Level=project,ProjectID=${p.project_id}`)}`)));
    }
    for (const r of robots.sort((a, b) => a.name.localeCompare(b.name))) {
        snap.robots.push(r.name);
        snap.robotIds[r.name] = r.id;
        snap.robotAccess[r.name] = r.permissions.flatMap((p) => p.access.map((a) => `${a.action} ${a.resource}`)).sort();
    }
    const registries = await api<(Named & { url: string })[]>(emu, "GET", "/registries?page_size=100");
    snap.registries = registries.map((r) => `${r.name} ${r.url}`).sort();
    const policies = await api<(Named & { id: number })[]>(emu, "GET", "/replication/policies?page_size=100");
    for (const summary of policies) {
        const p = await api<Named & { filters?: { type: string; value: string }[]; dest_registry?: Named; trigger?: { type: string } }>(emu, "GET", `/replication/policies/${summary.id}`);
        const filter = (type: string) => p.filters?.find((f) => f.type === type)?.value ?? "";
        snap.replication.push(`${p.name}: ${filter("name")} ${filter("tag")} -> ${p.dest_registry?.name} (${p.trigger?.type})`);
    }
    snap.replication.sort();
    const config = await api<Record<string, { value: unknown }>>(emu, "GET", "/configurations");
    snap.config = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value]));
    const gc = await api<{ schedule?: { type?: string } }>(emu, "GET", "/system/gc/schedule");
    snap.gcSchedule = gc?.schedule?.type ?? "None";
    return snap;
}
