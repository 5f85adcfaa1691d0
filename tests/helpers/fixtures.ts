// One fixture per Harbor resource type: the minimal valid inputs, what must exist first (seeded into the emulator),
// a change for `update`, and how to count the objects of that kind in the emulator (to prove nothing is duplicated).
// Shared by the fault suite (tests/faults), the bad-input suite (tests/badinput) and the benchmark (scripts/bench.ts),
// so every resource type is covered by each of them and a new resource needs one entry here.
import type * as pulumi from "@pulumi/pulumi";
import { HarborClient, HarborClientOptions } from "../../harbor/client";
import type { Connection } from "../../harbor/provider";
import {
    ArtifactCheckProvider, DefaultScannerProvider, ImageSignatureProvider, GarbageCollectionScheduleProvider, GroupProvider, ImmutableTagRuleProvider,
    LabelProvider, ProjectMemberProvider, ProjectProvider, PurgeAuditScheduleProvider, ReadyProvider, RegistryProvider,
    ReplicationPolicyProvider, RetentionPolicyProvider, RobotAccountProvider, SystemConfigProvider, UserProvider, WebhookProvider,
} from "../../harbor";
import { generateSigningKey } from "../../harbor/cosign";
import { HarborEmulator, projectsArea } from "../emulator";
import { artifactsArea } from "../emulator/areas/artifacts";
import { registriesArea } from "../emulator/areas/registries";
import { usersArea } from "../emulator/areas/users";

/** The provider surface the engine drives (every Harbor provider implements all of it). */
export interface AnyProvider {
    check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult>;
    diff(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.DiffResult>;
    create(inputs: unknown): Promise<pulumi.dynamic.CreateResult>;
    read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult>;
    /** Absent when every change replaces (ArtifactCheck). */
    update?(id: string, olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult>;
    delete?(id: string, props: unknown): Promise<void>;
}

export type Operation = "create" | "read" | "update" | "delete";
export type Raw = Record<string, unknown>;

export interface ResourceFixture {
    type: string;
    provider(client: HarborClientOptions): AnyProvider;
    /**
     * Prerequisites (projects, users, remote endpoints, artifacts), seeded straight into the emulator; may return
     * inputs that depend on them (ids).
     */
    setup?(emu: HarborEmulator): Raw | void;
    /** Minimal valid inputs besides `connection`. */
    inputs: Raw;
    /** Managed fields to change for `update` (merged over `inputs`); {} when the type has no update. */
    change: Raw;
    /** Collection to count objects of this kind (a duplicate shows as one more); absent for singletons. */
    collection?: { path: string; byName?: boolean; query?: (emu: HarborEmulator) => Record<string, string> };
    /**
     * create/update are a wait loop (Ready): each check is one attempt and the loop itself retries until its deadline,
     * so a fault is waited out without Retry-After, and "exhausted" is the deadline (tested in tests/faults).
     */
    polls?: true;
    /**
     * What delete does to Harbor: `removes` the object (a later read is gone), `resets` a singleton setting, or
     * `nothing` (no request at all: Ready, ArtifactCheck).
     */
    deletes: "removes" | "resets" | "nothing";
    /** The operations that send requests. */
    ops: readonly Operation[];
}

const ALL: readonly Operation[] = ["create", "read", "update", "delete"];
const REMOTE = "https://harbor-prod.example.com";
const DIGEST = `sha256:${"a".repeat(64)}`;
const SIGNING_KEY = generateSigningKey().privateKeyPem;

/** Fixtures for all 18 resource types, by type name. */
export const FIXTURES: readonly ResourceFixture[] = [
    {
        type: "Ready", provider: (client) => new ReadyProvider({ client, sleep: async () => undefined }), polls: true,
        inputs: { timeoutSeconds: 5, intervalSeconds: 0.05 }, change: { trigger: "rev-2" }, deletes: "nothing", ops: ["create", "read", "update"],
    },
    {
        type: "Project", provider: (client) => new ProjectProvider({ client }),
        inputs: { name: "web" }, change: { autoScan: true, storageQuotaGiB: 5 },
        collection: { path: "/projects" }, deletes: "removes", ops: ALL,
    },
    {
        type: "Registry", provider: (client) => new RegistryProvider({ client }),
        setup: (emu) => emu.area(registriesArea).addRemote(REMOTE, "robot$replicator", "S3cret-One"),
        inputs: { name: "prod", type: "harbor", url: REMOTE, accessKey: "robot$replicator", accessSecret: "S3cret-One" },
        change: { description: "production" }, collection: { path: "/registries" }, deletes: "removes", ops: ALL,
    },
    {
        type: "ReplicationPolicy", provider: (client) => new ReplicationPolicyProvider({ client }),
        setup: (emu) => ({ registryId: emu.area(registriesArea).seed({ name: "prod", type: "harbor", url: REMOTE }).id }),
        inputs: { name: "to-prod", direction: "push" }, change: { description: "releases", speedKbps: 1024 },
        collection: { path: "/replication/policies" }, deletes: "removes", ops: ALL,
    },
    {
        type: "User", provider: (client) => new UserProvider({ client }),
        inputs: { username: "dev", email: "dev@example.com", password: "Initial-Passw0rd" }, change: { realname: "Dev Eloper" },
        collection: { path: "/users" }, deletes: "removes", ops: ALL,
    },
    {
        type: "Group", provider: (client) => new GroupProvider({ client }),
        inputs: { name: "devs", type: "http" }, change: { name: "developers" },
        collection: { path: "/usergroups" }, deletes: "removes", ops: ALL,
    },
    {
        type: "ProjectMember", provider: (client) => new ProjectMemberProvider({ client }),
        setup: (emu) => {
            emu.area(projectsArea).seed("web");
            emu.area(usersArea).seed("dev");
        },
        inputs: { project: "web", user: "dev", role: "developer" }, change: { role: "maintainer" },
        collection: { path: "/projects/web/members", byName: true }, deletes: "removes", ops: ALL,
    },
    {
        type: "RobotAccount", provider: (client) => new RobotAccountProvider({ client }),
        setup: (emu) => void emu.area(projectsArea).seed("web"),
        inputs: { name: "ci", project: "web", permissions: [{ kind: "project", access: [{ resource: "repository", action: "pull" }] }] },
        change: { description: "CI" },
        collection: { path: "/robots", query: (emu) => ({ q: `Level=project,ProjectID=${emu.area(projectsArea).byName("web")!.project_id}` }) }, deletes: "removes", ops: ALL,
    },
    {
        type: "RetentionPolicy", provider: (client) => new RetentionPolicyProvider({ client }),
        setup: (emu) => void emu.area(projectsArea).seed("web"),
        inputs: { project: "web", schedule: "daily", rules: [{ template: "latestPushedK", value: 3 }] },
        change: { schedule: "weekly" }, deletes: "removes", ops: ALL,
    },
    {
        type: "ImmutableTagRule", provider: (client) => new ImmutableTagRuleProvider({ client }),
        setup: (emu) => void emu.area(projectsArea).seed("web"),
        inputs: { project: "web", tagPattern: "v*" }, change: { tagPattern: "release-*" },
        collection: { path: "/projects/web/immutabletagrules", byName: true }, deletes: "removes", ops: ALL,
    },
    {
        type: "Label", provider: (client) => new LabelProvider({ client }),
        inputs: { name: "release" }, change: { description: "released builds" },
        collection: { path: "/labels", query: () => ({ scope: "g" }) }, deletes: "removes", ops: ALL,
    },
    {
        type: "Webhook", provider: (client) => new WebhookProvider({ client }),
        setup: (emu) => void emu.area(projectsArea).seed("web"),
        inputs: { project: "web", name: "ci", address: "https://hooks.example.com/harbor", eventTypes: ["PUSH_ARTIFACT"] },
        change: { eventTypes: ["PUSH_ARTIFACT", "SCANNING_COMPLETED"] },
        collection: { path: "/projects/web/webhook/policies", byName: true }, deletes: "removes", ops: ALL,
    },
    {
        type: "DefaultScanner", provider: (client) => new DefaultScannerProvider({ client }),
        // A schedule from the start, so the reset on delete is visible (tests/faults checks Harbor no longer holds it).
        inputs: { scanAllSchedule: "daily" }, change: { scanAllSchedule: "weekly" }, deletes: "resets", ops: ALL,
    },
    {
        type: "GarbageCollectionSchedule", provider: (client) => new GarbageCollectionScheduleProvider({ client }),
        inputs: { schedule: "daily" }, change: { schedule: "weekly" }, deletes: "resets", ops: ALL,
    },
    {
        type: "PurgeAuditSchedule", provider: (client) => new PurgeAuditScheduleProvider({ client }),
        inputs: { schedule: "weekly", retentionHours: 720, includeEventTypes: ["pull_artifact"] }, change: { retentionHours: 240 }, deletes: "resets", ops: ALL,
    },
    {
        type: "SystemConfig", provider: (client) => new SystemConfigProvider({ client }),
        inputs: { robotTokenExpirationDays: 45 }, change: { robotTokenExpirationDays: 60 }, deletes: "nothing", ops: ["create", "read", "update"],
    },
    {
        type: "ArtifactCheck", provider: (client) => new ArtifactCheckProvider({ client, sleep: async () => undefined }),
        setup: (emu) => {
            emu.area(projectsArea).seed("dev-team");
            emu.area(artifactsArea).push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
        },
        inputs: { project: "dev-team", repository: "go-app", digest: DIGEST }, change: {},
        deletes: "nothing", ops: ["create", "read"],
    },
    {
        type: "ImageSignature", provider: (client) => new ImageSignatureProvider({ client }),
        setup: (emu) => {
            emu.area(projectsArea).seed("dev-team");
            emu.area(artifactsArea).push("dev-team", "go-app", { digest: DIGEST, tags: ["v1.0.0"] });
        },
        inputs: { project: "dev-team", repository: "go-app", digest: DIGEST, privateKey: SIGNING_KEY }, change: {},
        deletes: "nothing", ops: ["create", "read"],
    },
];

export function fixture(type: string): ResourceFixture {
    const f = FIXTURES.find((x) => x.type === type);
    if (!f) throw new Error(`no fixture for ${type}`);
    return f;
}

/** Seed the fixture's prerequisites; returns its full raw inputs (without connection). */
export function prepare(f: ResourceFixture, emu: HarborEmulator): Raw {
    return { ...f.inputs, ...(f.setup?.(emu) ?? {}) };
}

/** `check` the inputs (plus `extra`) as the engine would; throws on any failure (the fixture itself must be valid). */
export async function checkedInputs(f: ResourceFixture, p: AnyProvider, connection: Connection, inputs: Raw, extra: Raw = {}): Promise<Raw> {
    const r = await p.check({}, { connection, ...inputs, ...extra });
    if (r.failures && r.failures.length > 0) throw new Error(`fixture ${f.type} is invalid: ${JSON.stringify(r.failures)}`);
    return r.inputs as Raw;
}

/** How many objects of the fixture's kind Harbor holds (through the API, with a fault-free client). */
export async function countObjects(f: ResourceFixture, emu: HarborEmulator): Promise<number | undefined> {
    if (!f.collection) return undefined;
    const client = new HarborClient({ url: emu.url, username: emu.username, password: emu.password }, { retries: 0, timeoutMs: 2000 });
    try {
        return (await client.list(f.collection.path, { byName: f.collection.byName, query: f.collection.query?.(emu) })).length;
    } finally {
        await client.close();
    }
}

/** The requests (operation ids, in order) of each provider operation, fault-free, for one resource type. */
export interface OperationRequests {
    create: string[];
    noopDiff: string[];
    read: string[];
    update: string[];
    delete: string[];
}

/**
 * Runs one fixture's lifecycle (create → no-op diff → read → update → delete) against a fresh emulator and records
 * the requests of each step. Throws when a step fails or a request breaks the spec.
 */
export async function operationRequests(f: ResourceFixture, client: HarborClientOptions): Promise<OperationRequests> {
    const emu = await new HarborEmulator().start();
    try {
        const conn: Connection = { url: emu.url, username: emu.username, password: emu.password };
        const p = f.provider(client);
        const raw = prepare(f, emu);
        const inputs = await checkedInputs(f, p, conn, raw);
        const during = async (fn: () => Promise<unknown>) => {
            const start = emu.log.length;
            await fn();
            return emu.log.slice(start).map((r) => r.operationId ?? `${r.method} ${r.path}`);
        };
        let created: pulumi.dynamic.CreateResult = { id: "" };
        const create = await during(async () => (created = await p.create(inputs)));
        const noopDiff = await during(() => p.diff(created.id, created.outs, inputs));
        const read = await during(() => p.read(created.id, created.outs));
        const news = await checkedInputs(f, p, conn, raw, f.change);
        let updated: pulumi.dynamic.UpdateResult = {};
        const update = p.update ? await during(async () => (updated = await p.update!(created.id, created.outs, news))) : [];
        const del = p.delete ? await during(() => p.delete!(created.id, { ...created.outs, ...updated.outs })) : [];
        const violations = emu.takeViolations();
        if (violations.length > 0) throw new Error(`${f.type}: requests the spec does not allow: ${violations.join("; ")}`);
        return { create, noopDiff, read, update, delete: del };
    } finally {
        await emu.stop();
    }
}
