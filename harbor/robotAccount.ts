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
// (response lost) has no secret, so it rotates one at once.
import * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, isConflict, qExact, seg } from "./client";
import { adoptExisting, adoptInput, changedFields, Connection, deepEqual, diffManaged, HarborProvider, InputChecker, isUnknown, partialCreateError, pick, projectIdInput, readOrGone, requireState, withProjectIdDiff, HARBOR_NAME_RE } from "./provider";
import { accessProblem } from "./rbac";
import { ConnectionArgs, dynamicProps, HarborResource, withSecretOutputs } from "./resource";

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

export interface RobotAccountInputs {
    connection: Connection;
    name: string;
    level: RobotLevel;
    /** Project-level robots: the project's name. */
    project?: string;
    description: string;
    /** Days until the robot expires; -1 = never. */
    durationDays: number;
    disabled: boolean;
    /** Sorted, access sorted and de-duplicated, effect filled in. */
    permissions: RobotPermission[];
    /** Any change rotates the secret. */
    rotateTrigger?: string | number;
    /** Project robots: the project's id (Project.projectId); another id = the project was replaced, so is the robot. */
    projectId?: number;
    /** System robots: project name → id of the projects its permissions name; another id = re-send the permissions. */
    projectIds?: Record<string, number>;
    /** Take over the robot of this name that already exists (its secret is reset: Harbor never returns one). */
    adopt?: boolean;
}

export interface RobotAccountOutputs extends RobotAccountInputs {
    robotId: number;
    /** The name robots log in with: robot_name_prefix + [project "+"] + name. */
    fullName: string;
    secret: string;
    /** Unix seconds; -1 = never. */
    expiresAt: number;
}

const MANAGED = ["name", "level", "project", "description", "durationDays", "disabled", "permissions", "rotateTrigger"] as const;
/** Fields the PUT carries. */
const PUT_FIELDS = ["description", "durationDays", "disabled", "permissions"] as const;
const INPUT_KEYS = ["connection", ...MANAGED, "projectId", "projectIds"] as const;
const NAME_HINT = "use lower-case letters and digits, separated by single '.', '_' or '-' (no '+' or '$')";
const MAX_DURATION = 2 ** 31 - 2;
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

/** A system robot's projectIds: project name → id, for projects its permissions name (kind project). */
function checkProjectIds(c: InputChecker, raw: unknown, level: RobotLevel, permissions: RobotPermission[]): Record<string, number> | undefined {
    if (raw === undefined || raw === null || isUnknown(raw)) return raw === null ? undefined : (raw as Record<string, number> | undefined);
    if (level === "project") {
        c.fail("projectIds", "projectIds is only for system robots; a project robot takes projectId");
        return undefined;
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        c.fail("projectIds", "projectIds must be an object: project name → the project's id (Project.projectId)");
        return undefined;
    }
    const named = new Set(Array.isArray(permissions) ? permissions.filter((p) => p.kind === "project").map((p) => p.namespace) : []);
    const out: Record<string, number> = {};
    for (const [name, id] of Object.entries(raw as Record<string, unknown>)) {
        if (isUnknown(id)) out[name] = id as number;
        else if (typeof id !== "number" || !Number.isInteger(id) || id < 1) c.fail(`projectIds.${name}`, `projectIds.${name} must be a project id (a whole number >= 1), got ${JSON.stringify(id)}`);
        else out[name] = id;
        if (Array.isArray(permissions) && !permissions.some((p) => isUnknown(p) || isUnknown(p.namespace)) && !named.has(name)) {
            c.fail(`projectIds.${name}`, `projectIds.${name}: no permission of kind project names project "${name}"`);
        }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => cmp(a, b)));
}

/** Validate the raw permissions against the level and project; failures name the element. */
function checkPermissions(c: InputChecker, raw: unknown, level: RobotLevel, project: string | undefined): RobotPermission[] {
    if (isUnknown(raw)) return raw as RobotPermission[];
    if (!Array.isArray(raw) || raw.length === 0) {
        c.fail("permissions", "permissions is required: a non-empty list of { kind, namespace, access: [{ resource, action, effect? }] }");
        return [];
    }
    if (level === "project" && raw.length !== 1) c.fail("permissions", `a project robot takes exactly one permission (kind project, namespace "${project ?? "<project>"}"), got ${raw.length}`);
    const out: ApiRobot["permissions"] = [];
    raw.forEach((item, i) => {
        const at = `permissions[${i}]`;
        if (isUnknown(item)) return void out.push(item);
        if (typeof item !== "object" || item === null || Array.isArray(item)) return c.fail(at, `${at} must be an object { kind, namespace, access }`);
        const sub = new InputChecker(item);
        const kind = sub.oneOf("kind", ROBOT_LEVELS, { required: true });
        const namespace = sub.string("namespace", { default: kind === "system" ? "/" : level === "project" ? project : undefined, minLength: 1 });
        const access = sub.value("access");
        sub.rejectUnknown();
        for (const f of sub.failures) c.fail(`${at}.${f.property}`, `${at}.${f.reason}`);
        if (kind === "system" && namespace !== "/") c.fail(`${at}.namespace`, `${at}.namespace must be "/" for kind system, got "${namespace}"`);
        if (kind === "project") {
            if (namespace === undefined) c.fail(`${at}.namespace`, `${at}.namespace is required for kind project: a project name, or "*" for every project`);
            else if (level === "project" && namespace !== project && !isUnknown(namespace) && !isUnknown(project)) {
                c.fail(`${at}.namespace`, `${at}.namespace must be the robot's project "${project}", got "${namespace}"${namespace === "*" ? ' ("*" is for system robots only)' : ""}`);
            }
        }
        if (level === "project" && kind === "system") c.fail(`${at}.kind`, `${at}.kind must be project for a project robot`);
        if (isUnknown(access)) return void out.push({ kind, namespace, access: access as [] });
        if (!Array.isArray(access) || access.length === 0) return c.fail(`${at}.access`, `${at}.access must be a non-empty list of { resource, action, effect? }`);
        const checked = access.map((a, j) => {
            const aat = `${at}.access[${j}]`;
            const s = new InputChecker(a ?? {});
            const resource = s.string("resource", { required: true, minLength: 1 });
            const action = s.string("action", { required: true, minLength: 1 });
            const effect = s.oneOf("effect", EFFECTS, { default: "allow" });
            s.rejectUnknown();
            for (const f of s.failures) c.fail(`${aat}.${f.property}`, `${aat}.${f.reason}`);
            if (kind && typeof resource === "string" && typeof action === "string" && !isUnknown(resource) && !isUnknown(action) && s.failures.length === 0) {
                const problem = accessProblem(kind, resource, action);
                if (problem) c.fail(aat, `${aat}: ${problem}`);
            }
            return { resource, action, effect };
        });
        out.push({ kind, namespace, access: checked });
    });
    const perms = normalisePermissions(out);
    perms.forEach((p, i) => {
        if (i > 0 && p.kind === perms[i - 1].kind && p.namespace === perms[i - 1].namespace) c.fail("permissions", `permissions name kind ${p.kind} namespace "${p.namespace}" twice; merge their access lists`);
    });
    return perms;
}

export class RobotAccountProvider extends HarborProvider implements pulumi.dynamic.ResourceProvider<RobotAccountInputs, RobotAccountOutputs> {
    async check(_olds: RobotAccountInputs, news: RobotAccountInputs): Promise<pulumi.dynamic.CheckResult<RobotAccountInputs>> {
        const c = new InputChecker(news);
        const project = c.string("project", { maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: "a project name" });
        const level = c.oneOf("level", ROBOT_LEVELS, { default: project !== undefined ? "project" : "system" })!;
        if (level === "project" && project === undefined) c.fail("project", "project is required for a project-level robot");
        if (level === "system" && project !== undefined) c.fail("project", `project is only for project-level robots (level is system); a system robot names projects in its permissions`);
        const trigger = c.value("rotateTrigger");
        if (trigger !== undefined && trigger !== null && typeof trigger !== "string" && typeof trigger !== "number") c.fail("rotateTrigger", "rotateTrigger must be a string or a number");
        const inputs: RobotAccountInputs = {
            connection: c.connection(),
            name: c.string("name", { required: true, maxLength: 255, pattern: HARBOR_NAME_RE, patternHint: NAME_HINT })!,
            level,
            project,
            description: c.string("description", { default: "", maxLength: 1024, text: true })!,
            durationDays: c.number("durationDays", { default: -1, min: 1, max: MAX_DURATION, allowed: [-1], hint: "days, -1 for never" })!,
            disabled: c.bool("disabled", false),
            permissions: checkPermissions(c, c.value("permissions"), level, project),
            ...(trigger !== undefined && trigger !== null ? { rotateTrigger: trigger as string | number } : {}),
        };
        // Harbor stores a project robot as "<project>+<name>" (controller/robot/controller.go Create) in robot.name
        // varchar(255) (migration 0004_1.8.0): a longer one is a database error (500), so refused here.
        if (level === "project" && typeof project === "string" && typeof inputs.name === "string" && !isUnknown(project) && !isUnknown(inputs.name)) {
            if (project.length + 1 + inputs.name.length > 255 && !c.failures.some((f) => f.property === "name" || f.property === "project")) c.fail("name", `name: Harbor stores a project robot as "<project>+<name>", at most 255 characters; "${project}+" leaves ${254 - project.length} for the name, got ${inputs.name.length}`);
        }
        const projectId = projectIdInput(c);
        if (projectId !== undefined) {
            if (level === "system") c.fail("projectId", "projectId is only for project-level robots; a system robot takes projectIds (project name → id)");
            inputs.projectId = projectId;
        }
        const projectIds = checkProjectIds(c, c.value("projectIds"), level, inputs.permissions);
        if (projectIds !== undefined) inputs.projectIds = projectIds;
        if (adoptInput(c)) inputs.adopt = true;
        return c.result(inputs);
    }

    /**
     * Pure. name, level and project replace (Harbor cannot change them); never the same robot twice, so no
     * delete-first. A project robot's projectId change replaces it (Harbor deleted it with its project,
     * handler/project.go DeleteProject); a system robot's projectIds change re-sends its permissions (Harbor stopped
     * listing those on the deleted project, controller/robot populatePermissions; the robot and its secret stay).
     */
    async diff(_id: string, olds: RobotAccountOutputs, news: RobotAccountInputs): Promise<pulumi.dynamic.DiffResult> {
        const result = withProjectIdDiff(diffManaged<RobotAccountInputs>(olds, news, { managed: MANAGED, replaceOn: ["name", "level", "project"] }), olds.projectId, news.projectId);
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
        const props = requireState(state, "RobotAccount");
        return this.withClient(props.connection, (c) =>
            readOrGone(async () => {
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
            }),
        );
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

export interface RobotAccessArgs {
    /** e.g. "repository" (see harbor/rbac.ts for every allowed resource and action). */
    resource: pulumi.Input<string>;
    /** e.g. "pull", "push", "list". */
    action: pulumi.Input<string>;
    /** "allow" (default) or "deny". */
    effect?: pulumi.Input<"allow" | "deny">;
}

export interface RobotPermissionArgs {
    /** "project" or "system". */
    kind: pulumi.Input<RobotLevel>;
    /** Kind system: "/" (default). Kind project: a project name, or "*" for every project (system robots only); defaults to the robot's project. */
    namespace?: pulumi.Input<string>;
    access: pulumi.Input<pulumi.Input<RobotAccessArgs>[]>;
}

export interface RobotAccountArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** Short name (replaces the robot when changed); Harbor prefixes it (see `fullName`). */
    name: pulumi.Input<string>;
    /** "system" or "project" (replaces when changed). Default: "project" when `project` is set, else "system". */
    level?: pulumi.Input<RobotLevel>;
    /** Project-level robots: the project name (replaces when changed). */
    project?: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** Days until the robot expires; -1 (default) = never. */
    durationDays?: pulumi.Input<number>;
    /** Default false. */
    disabled?: pulumi.Input<boolean>;
    /** A project robot: exactly one permission of kind project on its project. */
    permissions: pulumi.Input<pulumi.Input<RobotPermissionArgs>[]>;
    /** Change it (e.g. a date) to rotate the secret. */
    rotateTrigger?: pulumi.Input<string | number>;
    /** Project robots: the Project's `projectId` output. A new id (the project was replaced) replaces the robot. */
    projectId?: pulumi.Input<number>;
    /** System robots: project name → the Project's `projectId`, for the projects its permissions name; a new id re-sends the permissions. */
    projectIds?: pulumi.Input<Record<string, pulumi.Input<number>>>;
    /** Take over an existing robot of this name and level/project (default false); its secret is reset, since Harbor never returns one. */
    adopt?: pulumi.Input<boolean>;
}

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
        super("RobotAccount", name, dynamicProps(args, ["robotId", "fullName", "secret", "expiresAt"]), withSecretOutputs(opts, ["secret"]));
        // additionalSecretOutputs encrypts it in state; wrapping it keeps it secret in the program whatever the engine does.
        this.secret = pulumi.secret(this.secret);
    }
}
