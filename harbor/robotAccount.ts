// RobotAccount: a system- or project-level robot with permission sets and a duration. The secret Harbor generates
// is captured at create (the only time Harbor returns it) as a secret output; any change of `rotateTrigger` rotates
// it (PATCH {secret:""}). name, level and project replace the robot.
//
// Harbor quirks handled (see harbor/README.md, RobotAccount): reads return the name with robot_name_prefix
// (`fullName`, e.g. robot$web+ci) and PUT must send exactly that name and the full object; `disable` is ignored on
// create (a follow-up PUT disables); permissions come back in another order and with effect filled in, so they are
// normalised (sorted, effect "allow" by default) on both sides and a refresh never shows a phantom diff; resource and
// action pairs are checked against Harbor's list (rbac.ts) in `check`; a project robot has exactly one permission, of
// kind project, naming its project ("*" only for system robots). A retried create that finds its robot already made
// (response lost) has no secret, so it rotates one at once. Its inputs are declared once (ROBOT_ACCOUNT): check,
// diff, the Inputs/Args types, the registered outputs and the README table come from there.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HarborApiError, HarborClient, isConflict, qExact, seg } from "./client";
import { ArgValuesOf, boolField, Field, listField, numberField, oneOfField, projectIdField, stringField, stringOrNumberField } from "./fields";
import { adoptExisting, changedFields, DeclaredProvider, deepEqual, HARBOR_NAME_RE, isUnknown, partialCreateError, pick } from "./provider";
import { accessProblem } from "./rbac";
import { dynamicProps, HarborResource, withSecretOutputs } from "./resource";
import { AdoptableArgsOf, declareResource, DeepInput, input, InputsOf, optionalInput, requiredInput } from "./schema";

export const ROBOT_LEVELS = ["system", "project"] as const;
export type RobotLevel = (typeof ROBOT_LEVELS)[number];
const EFFECTS = ["allow", "deny"] as const;

export interface RobotAccess {
    resource: string;
    action: string;
    effect: "allow" | "deny";
}
export interface RobotPermission {
    kind: RobotLevel;
    /** "/" for kind system; a project name (or "*" = every project, system robots only) for kind project. */
    namespace: string;
    access: RobotAccess[];
}

const NAME_HINT = "use lower-case letters and digits, separated by single '.', '_' or '-' (no '+' or '$')";
const MAX_DURATION = 2 ** 31 - 2;
const ACCESS_SHAPE = "{ resource, action, effect? }";
const PERMISSION_SHAPE = `{ kind, namespace, access: [${ACCESS_SHAPE}] }`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `list` that must be a non-empty list: unset, not a list and empty all read `message` (as check always said). A
 * failed list keeps its items that are not objects, so the rules still count what was written.
 */
function nonEmptyList<F extends Field<unknown[]>>(list: F, message: string): F {
    return {
        ...list,
        schema: z.custom<unknown[]>((v) => Array.isArray(v) && v.length > 0, { error: message }).pipe(list.schema as z.ZodType<unknown[], unknown[]>),
        default: undefined,
        requiredMessage: message,
        summary: `non-empty ${list.summary}`,
        recover: (raw: unknown) => (Array.isArray(raw) ? raw.map((item) => (isRecord(item) ? list.recover!([item])![0] : item)) : []),
    } as F;
}

/** A system robot's `projectIds`: project name → the project's id, sorted by name (a failure keeps what was written, for the rules). */
const PROJECT_IDS: Field<Record<string, number>> = {
    schema: z.custom<Record<string, unknown>>(isRecord, { error: "must be an object: project name → the project's id (Project.projectId)" }).transform((raw, ctx) => {
        for (const [name, id] of Object.entries(raw)) {
            if (isUnknown(id)) continue;
            if (typeof id !== "number" || !Number.isInteger(id) || id < 1) ctx.addIssue({ code: "custom", path: [name], message: `must be a project id (a whole number >= 1), got ${JSON.stringify(id)}` });
        }
        return Object.fromEntries(Object.entries(raw).sort(([a], [b]) => cmp(a, b))) as Record<string, number>;
    }) as unknown as z.ZodType<Record<string, number>>,
    summary: "{ project name: project id }",
};

const ACCESS_FIELDS = {
    resource: stringField({ required: true, minLength: 1 }),
    action: stringField({ required: true, minLength: 1 }),
    effect: oneOfField(EFFECTS, { default: "allow" }),
};
const PERMISSION_FIELDS = {
    kind: oneOfField(ROBOT_LEVELS, { required: true }),
    namespace: stringField({ minLength: 1 }),
    access: nonEmptyList(listField(ACCESS_FIELDS), `must be a non-empty list of ${ACCESS_SHAPE}`),
};

/** Kind system: "/"; kind project: the project robot's project (a system robot names it). */
const defaultNamespace = (kind: unknown, level: unknown, project: string | undefined): string | undefined => (kind === "system" ? "/" : level === "project" ? project : undefined);
/** The robot's level: as given, else project when `project` is set. */
const levelOf = (i: { level?: RobotLevel; project?: string }): RobotLevel => i.level ?? (i.project !== undefined ? "project" : "system");

/**
 * The declaration: check, diff, types and the README table come from here. Harbor v2.15.2 (handler/robot.go
 * CreateRobot/updateV2Robot → validate, validateName, isValidDuration; controller/robot/controller.go Create, toScope,
 * SetProject): a duration of -1 or 1..2^31-2 days, at least one permission each with access, a project robot with
 * exactly one (of kind project, on its project, stored as "<project>+<name>" in robot.name varchar(255)), every
 * resource:action in Harbor's list for its kind, a kind-system namespace of "/", and a kind-project namespace "*" or
 * the name of a project (looked up by that name).
 */
export const ROBOT_ACCOUNT = declareResource({
    type: "RobotAccount",
    inputs: {
        name: requiredInput(stringField({ required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: NAME_HINT }), "Short name; Harbor prefixes it (see `fullName`).", { replaces: true }),
        level: optionalInput(oneOfField(ROBOT_LEVELS), "`system` or `project`; default `project` when `project` is set, else `system`.", { replaces: true }),
        project: optionalInput(stringField({ maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "a project name" }), "Project robots: the project's name (required there, refused for system robots).", { replaces: true }),
        description: input(stringField({ default: "", maxLength: 1024, text: true }), "Free text (`robot.description` varchar(1024))."),
        durationDays: input(numberField({ default: -1, min: 1, max: MAX_DURATION, allowed: [-1], hint: "days, -1 for never" }), "`duration`: days until it expires, -1 = never; a change recomputes `expiresAt` from the creation time."),
        disabled: input(boolField(false), "`disable`, applied by a PUT after create (Harbor ignores it on create)."),
        permissions: requiredInput(
            nonEmptyList(listField(PERMISSION_FIELDS), `is required: a non-empty list of ${PERMISSION_SHAPE}`),
            "`kind` `project`/`system`; `namespace` `\"/\"` for kind system (the default), for kind project `\"*\"` (every project: system robots only) or a project name (a project robot: its own, the default, and exactly one permission); `access` Harbor's resource:action pairs for the kind (harbor/rbac.ts), `effect` default `allow`. Sorted and de-duplicated, as read back.",
        ),
        rotateTrigger: optionalInput(stringOrNumberField(), "Any change rotates the secret (`PATCH {secret:\"\"}`)."),
        projectId: optionalInput(projectIdField(), "Project robots: the Project's `projectId` output; another id (Harbor deleted the robot with its project) replaces the robot.", { unmanaged: true }),
        projectIds: optionalInput(PROJECT_IDS, "System robots: project name → the Project's `projectId`, for the projects its permissions name; a new id re-sends the permissions (Harbor stopped listing them).", { unmanaged: true }),
    },
    outputs: {
        robotId: { doc: "Harbor's robot id." },
        fullName: { doc: "The login name: `robot_name_prefix` + [project `+`] + name, e.g. `robot$web+ci` (read back)." },
        secret: { doc: "The secret, captured at create and on rotation (Harbor returns it only then).", secret: true },
        expiresAt: { doc: "Unix seconds; -1 = never." },
    },
    adoptable: true,
    rules: (i, fail, failed) => {
        const project = i.project;
        const level = levelOf(i);
        if (level === "project" && project === undefined) fail("project", "project is required for a project-level robot");
        if (level === "system" && project !== undefined) fail("project", `project is only for project-level robots (level is system); a system robot names projects in its permissions`);
        // Harbor stores a project robot as "<project>+<name>" (controller/robot/controller.go Create) in robot.name
        // varchar(255) (migration 0004_1.8.0): a longer one is a database error (500), so refused here.
        if (level === "project" && typeof project === "string" && typeof i.name === "string" && !isUnknown(project) && !isUnknown(i.name)) {
            if (project.length + 1 + i.name.length > 255 && !failed("name") && !failed("project")) fail("name", `name: Harbor stores a project robot as "<project>+<name>", at most 255 characters; "${project}+" leaves ${254 - project.length} for the name, got ${i.name.length}`);
        }

        // Unset or not a list (failed): none; not known yet (a preview): none to check here.
        const perms: unknown[] = Array.isArray(i.permissions) ? i.permissions : [];
        if (perms.length > 0 && level === "project" && perms.length !== 1) fail("permissions", `a project robot takes exactly one permission (kind project, namespace "${project ?? "<project>"}"), got ${perms.length}`);
        /** The permissions as Harbor would hold them (kind, namespace): those whose access list did not fail. */
        const held: { kind: string; namespace: string }[] = [];
        let pending = perms.some(isUnknown); // a permission or a held namespace not known yet (a preview)
        perms.forEach((item, n) => {
            if (!isRecord(item)) return; // not an object (failed), or not known yet (a preview)
            const p = item as Partial<RobotPermission>;
            const at = `permissions[${n}]`;
            const kind = p.kind;
            const namespace = p.namespace ?? defaultNamespace(kind, level, project);
            if (kind === "system" && namespace !== "/" && !isUnknown(namespace)) fail(`${at}.namespace`, `${at}.namespace must be "/" for kind system, got "${namespace}"`);
            if (kind === "project") {
                if (namespace === undefined) fail(`${at}.namespace`, `${at}.namespace is required for kind project: a project name, or "*" for every project`);
                else if (level === "project" && namespace !== project && !isUnknown(namespace) && !isUnknown(project)) {
                    fail(`${at}.namespace`, `${at}.namespace must be the robot's project "${project}", got "${namespace}"${namespace === "*" ? ' ("*" is for system robots only)' : ""}`);
                } else if (level === "system" && namespace !== "*" && !isUnknown(namespace) && !failed(`${at}.namespace`) && !(namespace.length <= 255 && HARBOR_NAME_RE.test(namespace))) {
                    // controller/robot/controller.go toScope looks a kind-project namespace other than "*" up as a
                    // project name (pkg/project/manager.go Get → GetByName): anything else is no project (Harbor's 404).
                    fail(`${at}.namespace`, `${at}.namespace must be "*" (every project) or a project name (lower-case letters and digits, separated by single '.', '_' or '-', at most 255 characters), got "${namespace}"`);
                }
            }
            if (level === "project" && kind === "system") fail(`${at}.kind`, `${at}.kind must be project for a project robot`);
            if (failed(`${at}.access`)) return; // not a non-empty list: Harbor would hold no such permission
            if (isUnknown(namespace)) pending = true;
            else held.push({ kind: kind ?? "", namespace: namespace ?? "" });
            if (!kind || isUnknown(kind) || !Array.isArray(p.access)) return;
            p.access.forEach((a, j) => {
                const aat = `${at}.access[${j}]`;
                if (!isRecord(a) || ["resource", "action", "effect"].some((k) => failed(`${aat}.${k}`))) return;
                if (typeof a.resource !== "string" || typeof a.action !== "string" || isUnknown(a.resource) || isUnknown(a.action)) return;
                const problem = accessProblem(kind, a.resource, a.action);
                if (problem) fail(aat, `${aat}: ${problem}`);
            });
        });
        held.sort((x, y) => cmp(x.kind, y.kind) || cmp(x.namespace, y.namespace)).forEach((p, n) => {
            if (n > 0 && p.kind === held[n - 1].kind && p.namespace === held[n - 1].namespace) fail("permissions", `permissions name kind ${p.kind} namespace "${p.namespace}" twice; merge their access lists`);
        });

        if (i.projectId !== undefined && level === "system") fail("projectId", "projectId is only for project-level robots; a system robot takes projectIds (project name → id)");
        const ids = i.projectIds;
        if (ids !== undefined && !isUnknown(ids)) {
            if (level === "project") fail("projectIds", "projectIds is only for system robots; a project robot takes projectId");
            else if (isRecord(ids) && !isUnknown(i.permissions) && !pending) {
                const named = new Set(held.filter((p) => p.kind === "project").map((p) => p.namespace));
                for (const name of Object.keys(ids)) if (!named.has(name)) fail(`projectIds.${name}`, `projectIds.${name}: no permission of kind project names project "${name}"`);
            }
        }
    },
    normalise: (i) => {
        const level = levelOf(i);
        return { ...i, level, ...(Array.isArray(i.permissions) ? { permissions: normaliseChecked(i.permissions, level, i.project) } : {}) };
    },
});

/** Checked inputs: level and every namespace filled in, permissions normalised; `adopt` only when true. */
export type RobotAccountInputs = Omit<InputsOf<typeof ROBOT_ACCOUNT.spec.inputs>, "level" | "permissions" | "projectIds"> & {
    level: RobotLevel;
    /** Sorted, access sorted and de-duplicated, effect filled in. */
    permissions: RobotPermission[];
    /** System robots: project name → id of the projects its permissions name; another id = re-send the permissions. */
    projectIds?: Record<string, number>;
    /** Take over the robot of this name that already exists (its secret is reset: Harbor never returns one). */
    adopt?: boolean;
};

export interface RobotAccountOutputs extends RobotAccountInputs {
    robotId: number;
    /** The name robots log in with: robot_name_prefix + [project "+"] + name. */
    fullName: string;
    secret: string;
    /** Unix seconds; -1 = never. */
    expiresAt: number;
}

/** Fields the PUT carries. */
const PUT_FIELDS = ["description", "durationDays", "disabled", "permissions"] as const;
const INPUT_KEYS = ["connection", ...(ROBOT_ACCOUNT.managed as (keyof RobotAccountInputs)[]), "projectId", "projectIds"] as const;
/** Recorded as rotateTrigger when a create could not obtain the secret, so the next update rotates one. */
const SECRET_LOST = "(secret not captured: rotate)";

interface ApiRobot {
    id: number;
    name: string;
    description?: string;
    level?: string;
    duration?: number | null;
    disable?: boolean;
    expires_at?: number;
    permissions?: { kind?: string; namespace?: string; access?: { resource?: string; action?: string; effect?: string }[] }[];
}
interface ApiRobotCreated {
    id: number;
    name: string;
    secret: string;
    expires_at?: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The canonical form of a permission list: permissions by kind and namespace, access sorted and unique, effect set. */
export function normalisePermissions(perms: ApiRobot["permissions"]): RobotPermission[] {
    return (perms ?? [])
        .map((p) => {
            const seen = new Set<string>();
            const access = (p.access ?? [])
                .map((a) => ({ resource: a.resource ?? "", action: a.action ?? "", effect: (a.effect || "allow") as RobotAccess["effect"] }))
                .filter((a) => !seen.has(`${a.resource}\0${a.action}\0${a.effect}`) && !!seen.add(`${a.resource}\0${a.action}\0${a.effect}`))
                .sort((x, y) => cmp(x.resource, y.resource) || cmp(x.action, y.action) || cmp(x.effect, y.effect));
            return { kind: (p.kind ?? "") as RobotLevel, namespace: p.namespace ?? "", access };
        })
        .sort((x, y) => cmp(x.kind, y.kind) || cmp(x.namespace, y.namespace));
}

/**
 * The checked permissions in their canonical form: each namespace filled in (`defaultNamespace`), then
 * normalisePermissions, as read-back; a permission or access list not known yet (a preview) is kept as it is, last.
 */
function normaliseChecked(perms: readonly unknown[], level: unknown, project: string | undefined): RobotPermission[] {
    const known: NonNullable<ApiRobot["permissions"]> = [];
    const pending: unknown[] = [];
    for (const p of perms) {
        if (!isRecord(p)) {
            if (isUnknown(p)) pending.push(p);
            continue;
        }
        const filled = { ...p, namespace: p.namespace ?? defaultNamespace(p.kind, level, project) };
        if (Array.isArray(p.access) && p.access.every(isRecord)) known.push(filled as NonNullable<ApiRobot["permissions"]>[number]);
        else pending.push(filled);
    }
    return [...normalisePermissions(known), ...(pending as RobotPermission[])];
}

export class RobotAccountProvider extends DeclaredProvider<RobotAccountInputs, RobotAccountOutputs> implements pulumi.dynamic.ResourceProvider<RobotAccountInputs, RobotAccountOutputs> {
    protected readonly declaration = ROBOT_ACCOUNT;

    /**
     * Pure. name, level and project replace (Harbor cannot change them); never the same robot twice, so no
     * delete-first. A project robot's projectId change replaces it (Harbor deleted it with its project,
     * handler/project.go DeleteProject); a system robot's projectIds change re-sends its permissions (Harbor stopped
     * listing those on the deleted project, controller/robot populatePermissions; the robot and its secret stay).
     */
    async diff(id: string, olds: RobotAccountOutputs, news: RobotAccountInputs): Promise<pulumi.dynamic.DiffResult> {
        const result = await super.diff(id, olds, news);
        return news.projectIds !== undefined && !deepEqual(olds.projectIds, news.projectIds) ? { ...result, changes: true } : result;
    }

    async create(inputs: RobotAccountInputs): Promise<pulumi.dynamic.CreateResult<RobotAccountOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            let found: ApiRobot | undefined;
            if (inputs.adopt && (found = await this.findRobot(c, inputs))) {
                const adopted = await adoptExisting<RobotAccountInputs, RobotAccountOutputs>("robot", this, String(found.id), inputs, { secret: "", fullName: found.name, rotateTrigger: inputs.rotateTrigger });
                if (adopted) {
                    // Harbor never returns a robot's secret: the adopted robot gets a new one (handler/robot.go RefreshSec).
                    try {
                        adopted.outs.secret = await this.rotate(c, found.id);
                    } catch (err) {
                        throw partialCreateError(adopted.id, { ...adopted.outs, rotateTrigger: SECRET_LOST } as unknown as Record<string, unknown>, err);
                    }
                    return adopted;
                }
                found = undefined;
            }
            let created;
            try {
                created = await c.create(
                    "/robots",
                    { name: inputs.name, description: inputs.description, level: inputs.level, duration: inputs.durationDays, permissions: inputs.permissions },
                    { probe: async () => (found = await this.findRobot(c, inputs))?.id },
                );
            } catch (err) {
                if (isConflict(err)) {
                    const where = inputs.level === "project" ? `in project "${inputs.project}"` : "at system level";
                    throw new Error(`a robot named "${inputs.name}" already exists ${where} (409: ${(err as HarborApiError).detail}); choose another name or delete it (its secret cannot be recovered)`);
                }
                throw err;
            }
            const robotId = Number(created.id);
            const body = created.adopted ? undefined : (created.body as ApiRobotCreated);
            const outs: RobotAccountOutputs = {
                ...inputs,
                robotId,
                fullName: body?.name ?? found?.name ?? "",
                secret: body?.secret ?? "",
                expiresAt: body?.expires_at ?? found?.expires_at ?? -1,
            };
            try {
                // Our POST was committed but its answer (with the secret) was lost: rotate to get one.
                if (!body) outs.secret = await this.rotate(c, robotId);
                // Harbor ignores `disable` on create.
                if (inputs.disabled) await this.put(c, robotId, outs.fullName, inputs);
            } catch (err) {
                const recorded = { ...outs, disabled: false, ...(outs.secret ? {} : { rotateTrigger: SECRET_LOST }) };
                throw partialCreateError(String(robotId), recorded as unknown as Record<string, unknown>, err);
            }
            return { id: String(robotId), outs };
        });
    }

    /** One GET: name, level, project, description, duration, disabled, permissions and expiry. The secret is kept from state. */
    async read(id: string, state?: RobotAccountOutputs): Promise<pulumi.dynamic.ReadResult<RobotAccountOutputs>> {
        return this.readState(state, async (c, props) => {
            const r = await c.get<ApiRobot>(`/robots/${id}`);
            const level = (r.level ?? props.level) as RobotLevel;
            const permissions = normalisePermissions(r.permissions);
            const project = level === "project" ? permissions[0]?.namespace : undefined;
            const stored = level === "project" ? `${project}+${props.name}` : props.name;
            const outs: RobotAccountOutputs = {
                connection: props.connection,
                // Harbor cannot rename a robot; the prefix may change, so compare the stored part only.
                name: r.name.endsWith(stored) ? props.name : r.name.slice(Math.max(r.name.lastIndexOf("+"), r.name.lastIndexOf("$")) + 1),
                level,
                project,
                description: r.description ?? "",
                durationDays: r.duration ?? -1,
                disabled: r.disable === true,
                permissions,
                ...(props.rotateTrigger !== undefined ? { rotateTrigger: props.rotateTrigger } : {}),
                ...(props.projectId !== undefined ? { projectId: props.projectId } : {}),
                ...(props.projectIds !== undefined ? { projectIds: props.projectIds } : {}),
                robotId: r.id,
                fullName: r.name,
                secret: props.secret,
                expiresAt: r.expires_at ?? -1,
            };
            return { id: String(r.id), props: outs, inputs: pick(outs, INPUT_KEYS) as RobotAccountOutputs };
        });
    }

    /** One PUT for description/duration/disabled/permissions (+ a GET for the new expiry when the duration changed); one PATCH to rotate. */
    async update(id: string, olds: RobotAccountOutputs, news: RobotAccountInputs): Promise<pulumi.dynamic.UpdateResult<RobotAccountOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const robotId = Number(id);
            const outs: RobotAccountOutputs = { ...news, robotId, fullName: olds.fullName, secret: olds.secret, expiresAt: olds.expiresAt };
            // Project ids that changed (or are recorded for the first time): the permissions on a replaced project are gone.
            const projectsReplaced = news.projectIds !== undefined && !deepEqual(olds.projectIds, news.projectIds);
            if (changedFields(olds, news, PUT_FIELDS).length > 0 || projectsReplaced) {
                outs.fullName = await this.put(c, robotId, olds.fullName, news);
                if (olds.durationDays !== news.durationDays) outs.expiresAt = (await c.get<ApiRobot>(`/robots/${robotId}`)).expires_at ?? -1;
            }
            if (!deepEqual(olds.rotateTrigger, news.rotateTrigger)) outs.secret = await this.rotate(c, robotId);
            return { outs };
        });
    }

    async delete(id: string, props: RobotAccountOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => c.delete(`/robots/${id}`));
    }

    /** PUT the full robot under its prefixed name; if Harbor rejects the name (the prefix changed), retry once with the name GET returns. */
    private async put(c: HarborClient, robotId: number, fullName: string, r: RobotAccountInputs): Promise<string> {
        const body = (name: string) => ({ name, description: r.description, level: r.level, duration: r.durationDays, disable: r.disabled, permissions: r.permissions });
        try {
            await c.put(`/robots/${robotId}`, body(fullName));
            return fullName;
        } catch (err) {
            if (!(err instanceof HarborApiError) || err.status !== 400) throw err;
            const current = (await c.get<ApiRobot>(`/robots/${robotId}`)).name;
            if (current === fullName) throw err;
            await c.put(`/robots/${robotId}`, body(current));
            return current;
        }
    }

    /** A new random secret (PATCH is never retried: each one invalidates the previous secret). */
    private async rotate(c: HarborClient, robotId: number): Promise<string> {
        const res = await c.patch<{ secret?: string }>(`/robots/${robotId}`, { secret: "" });
        if (!res?.secret) throw new Error(`Harbor rotated the secret of robot ${robotId} but returned none`);
        return res.secret;
    }

    /** The robot this resource describes, if Harbor has it (exact stored name within its level and project). */
    private async findRobot(c: HarborClient, r: RobotAccountInputs): Promise<ApiRobot | undefined> {
        let scope = "Level=system";
        let stored = r.name;
        if (r.level === "project") {
            const project = await c.find<{ project_id: number }>(`/projects/${seg(r.project!)}`, { byName: true });
            if (!project) return undefined;
            stored = `${r.project}+${r.name}`;
            scope = `Level=project,ProjectID=${project.project_id}`;
        }
        // The stored name of a project robot holds a '+': Harbor unescapes q twice (src/lib/q/builder.go), so a bare
        // '+' would search for "web ci", find nothing, and the retried POST would orphan the robot with a 409.
        const byName = qExact("name", stored);
        const robots = await c.list<ApiRobot>("/robots", { query: { q: byName ? `${scope},${byName}` : scope } });
        return robots.find((x) => x.name.endsWith(stored) && x.name.length > stored.length);
    }
}

/** The provider every RobotAccount uses, in the dynamic-provider host (harbor/hosted.ts). */
export const robotAccountProvider = new RobotAccountProvider();

/** One access entry as the program gives it (effect defaults to allow). */
export type RobotAccessArgs = DeepInput<ArgValuesOf<typeof ACCESS_FIELDS>>;
/** One permission as the program gives it (namespace defaults by kind and level). */
export type RobotPermissionArgs = DeepInput<ArgValuesOf<typeof PERMISSION_FIELDS>>;
/** The program's arguments (see the README table). */
export type RobotAccountArgs = AdoptableArgsOf<typeof ROBOT_ACCOUNT.spec.inputs>;

/** A Harbor robot account; `secret` is captured at create (and on rotation) and kept secret. */
export class RobotAccount extends HarborResource {
    declare readonly robotId: pulumi.Output<number>;
    /** The login name, e.g. robot$web+ci. */
    declare readonly fullName: pulumi.Output<string>;
    /** The robot's secret (a Pulumi secret). */
    declare readonly secret: pulumi.Output<string>;
    /** Unix seconds; -1 = never. */
    declare readonly expiresAt: pulumi.Output<number>;

    constructor(name: string, args: RobotAccountArgs, opts?: pulumi.CustomResourceOptions) {
        super(ROBOT_ACCOUNT.type, name, dynamicProps(args, ROBOT_ACCOUNT.outputNames), withSecretOutputs(opts, ROBOT_ACCOUNT.secretOutputs));
        // additionalSecretOutputs encrypts it in state; wrapping it keeps it secret in the program whatever the engine does.
        this.secret = pulumi.secret(this.secret);
    }
}
