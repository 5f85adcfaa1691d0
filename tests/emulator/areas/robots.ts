// Robot accounts (/robots, v2 API). Server behaviours mirrored from Harbor v2.15 (handler/robot.go,
// controller/robot):
// - names match ^[a-z0-9]+(?:[._-][a-z0-9]+)*$; stored as <name> (system) or <project>+<name> (project); every
//   read returns <robot_name_prefix><stored> (settings.namePrefix, default robot$); a duplicate gives 409;
// - the secret is generated on create and returned ONLY in the 201 body; `secret` and `disable` in the create body
//   are ignored (a new robot is always enabled);
// - PATCH {secret:""} generates and returns a new secret; PATCH {secret:"<value>"} sets it (password rule) and
//   returns no secret;
// - PUT needs the full object: name = the prefixed name as GET returns it and level unchanged (else 400), a project
//   robot's project cannot change; duration null/absent = unchanged, a change recomputes expires_at from the
//   creation time (-1 = never); permissions are replaced as sent;
// - validation: duration -1 or 1..MaxInt32 (0 = the system default, 30 days); permissions non-empty, each with
//   access; a project robot has exactly one permission, of kind project, on an existing project ("*" → 404); every
//   (resource, action) must be in Harbor's list for its kind; effect allow|deny (empty = allow, returned as allow);
// - GET returns permissions and access in storage order, which is not the order sent (here: reversed);
// - deleting the project deletes its robots (handler/project.go DeleteProject → robotMgr.DeleteByProjectID);
// - a permission on a project is stored by the project's id (scope /project/<id>) and listed under the project's
//   current name; once that project is deleted it is no longer listed (controller/robot/controller.go
//   populatePermissions skips a scope whose project convertScope cannot find), and a new project of the same name
//   does not inherit it;
// - GET /robots?q=... parses q like Harbor (query.ts: unescaped twice, src/lib/q/builder.go), so a stored name's '+'
//   must reach Harbor as %2B inside q.
import { accessProblem, passwordProblem } from "../../../harbor/rbac";
import { badRequest, conflict, defineArea, HarborEmulator, notFound, ok, paginate } from "../server";
import { projectsArea } from "./projects";
import { parseQ, matches } from "./query";

export interface AccessRecord {
    resource: string;
    action: string;
    effect: string;
}
export interface PermissionRecord {
    kind: string;
    namespace: string;
    access: AccessRecord[];
    /** Kind project on one project: its id (Harbor's scope /project/<id>); the namespace shown is its current name. */
    projectId?: number;
}
export interface RobotRecord {
    id: number;
    /** Stored name, without the prefix: <name> or <project>+<name>. */
    name: string;
    description: string;
    level: "system" | "project";
    /** 0 for system robots. */
    projectId: number;
    duration: number;
    disable: boolean;
    /** Unix seconds. */
    creationTime: number;
    expiresAt: number;
    permissions: PermissionRecord[];
    secret: string;
}

const MAX_INT32 = 2 ** 31 - 1;
const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DEFAULT_DURATION_DAYS = 30;
const CREATED_AT = Date.UTC(2026, 0, 1) / 1000;
const iso = (unix: number) => new Date(unix * 1000).toISOString();

export class RobotsState {
    readonly robots = new Map<number, RobotRecord>();
    settings = { namePrefix: "robot$" };
    private secrets = 0;

    constructor(private readonly emu: HarborEmulator) {}

    /** A fresh secret satisfying Harbor's rule (upper, lower, digit). */
    newSecret(): string {
        return `Sec${++this.secrets}x${Math.random().toString(36).slice(2, 12)}Z9`;
    }

    fullName(r: RobotRecord): string {
        return this.settings.namePrefix + r.name;
    }

    /** Robots still alive (a project's robots go with it). */
    live(): RobotRecord[] {
        const projects = this.emu.area(projectsArea).projects;
        for (const r of this.robots.values()) if (r.level === "project" && !projects.has(r.projectId)) this.robots.delete(r.id);
        return [...this.robots.values()];
    }

    get(id: number): RobotRecord | undefined {
        return this.live().find((r) => r.id === id);
    }

    /** By stored name (e.g. "ci" or "web+ci"). */
    byName(stored: string): RobotRecord | undefined {
        return this.live().find((r) => r.name === stored);
    }

    must(stored: string): RobotRecord {
        const r = this.byName(stored);
        if (!r) throw new Error(`emulator: no robot named ${stored}`);
        return r;
    }

    expiry(duration: number, creationTime: number): number {
        return duration === -1 ? -1 : creationTime + duration * 86400;
    }

    /** The permissions as populatePermissions lists them: project scopes resolved by id, a deleted project's skipped. */
    listedPermissions(r: RobotRecord): PermissionRecord[] {
        const projects = this.emu.area(projectsArea).projects;
        return r.permissions.flatMap((p) => {
            if (p.projectId === undefined) return [p];
            const project = projects.get(p.projectId);
            return project ? [{ ...p, namespace: project.name }] : [];
        });
    }

    view(r: RobotRecord): Record<string, unknown> {
        return {
            id: r.id, name: this.fullName(r), description: r.description, level: r.level, duration: r.duration, editable: true,
            disable: r.disable, expires_at: r.expiresAt, creator_type: "local", creator_ref: 1,
            creation_time: iso(r.creationTime), update_time: iso(r.creationTime),
            // Storage order differs from the order sent: clients must normalise. A deleted project's permission is not listed.
            permissions: this.listedPermissions(r).reverse().map((p) => ({ kind: p.kind, namespace: p.namespace, access: [...p.access].reverse().map((a) => ({ ...a })) })),
        };
    }
}

interface RobotBody {
    name?: string;
    description?: string;
    level?: string;
    duration?: number | null;
    disable?: boolean;
    permissions?: { kind?: string; namespace?: string; access?: { resource?: string; action?: string; effect?: string }[] }[];
}

export const robotsArea = defineArea<RobotsState>({
    name: "robots",
    init: (emu) => new RobotsState(emu),
    handlers: (state, emu) => {
        const projects = () => emu.area(projectsArea);
        const mustGet = (id: string) => {
            const r = state.get(Number(id));
            if (!r) throw notFound(`robot ${id}`);
            return r;
        };
        /** Validate level + permissions; returns the normalised permissions and the project id (project level). */
        const validate = (body: RobotBody, level: string): { permissions: PermissionRecord[]; projectId: number } => {
            if (level !== "system" && level !== "project") throw badRequest(`bad request error level input: ${level}`);
            const perms = body.permissions ?? [];
            if (perms.length === 0) throw badRequest("bad request empty permission");
            if (level === "project" && perms.length > 1) throw badRequest("bad request permission");
            let projectId = 0;
            const permissions = perms.map((p) => {
                const kind = p.kind ?? "";
                if (kind !== "system" && kind !== "project") throw badRequest(`invalid permission kind "${kind}"`);
                if (level === "project" && kind !== "project") throw badRequest("a project robot takes only a permission of kind project");
                if (!p.access?.length) throw badRequest("bad request empty access");
                const ns = p.namespace ?? "";
                if (kind === "system" && ns !== "/") throw badRequest(`the namespace of a system permission must be "/", got "${ns}"`);
                let scopeProject: number | undefined;
                if (kind === "project" && !(ns === "*" && level === "system")) {
                    const proj = projects().byName(ns);
                    if (!proj) throw notFound(`project ${ns}`);
                    if (level === "project") projectId = proj.project_id;
                    scopeProject = proj.project_id;
                }
                const access = p.access.map((a) => {
                    const problem = accessProblem(kind, a.resource ?? "", a.action ?? "");
                    if (problem) throw badRequest(problem);
                    const effect = a.effect || "allow";
                    if (effect !== "allow" && effect !== "deny") throw badRequest(`invalid effect "${a.effect}"`);
                    return { resource: a.resource!, action: a.action!, effect };
                });
                return { kind, namespace: ns, access, ...(scopeProject !== undefined ? { projectId: scopeProject } : {}) };
            });
            return { permissions, projectId };
        };
        const validDuration = (d: number) => {
            if (!Number.isInteger(d) || d < -1 || d >= MAX_INT32) throw badRequest(`bad request error duration input: ${d}`);
            return d === 0 ? DEFAULT_DURATION_DAYS : d;
        };
        return {
            ListRobot: (req) => {
                const q = parseQ(req.query.get("q"));
                const level = q.get("Level")?.value ?? "system";
                if (level !== "system" && level !== "project") throw badRequest("bad request error level input");
                let projectId = 0;
                if (level === "project") {
                    const pid = q.get("ProjectID")?.value;
                    if (pid === undefined) throw badRequest("must with project ID when to query project robots");
                    // handler/robot.go ListRobot: strconv.ParseInt of the (twice-unescaped, see query.ts) ProjectID, > 0.
                    if (!/^\d+$/.test(pid) || Number(pid) <= 0) throw badRequest("ProjectID must be a positive integer");
                    projectId = Number(pid);
                }
                const list = state.live().filter((r) => r.level === level && r.projectId === projectId && matches(q.get("name"), r.name));
                return paginate(req, list.map((r) => state.view(r)));
            },
            CreateRobot: (req) => {
                const body = req.body as RobotBody;
                const name = body.name ?? "";
                if (!NAME_RE.test(name)) throw badRequest("robot name is not in lower case or contains illegal characters");
                const duration = validDuration(body.duration ?? 0);
                const level = body.level ?? "";
                const { permissions, projectId } = validate(body, level);
                const stored = level === "project" ? `${body.permissions![0].namespace}+${name}` : name;
                if (state.live().some((r) => r.name === stored && r.level === level)) throw conflict(`robot account ${stored} already exists`);
                const r: RobotRecord = {
                    id: emu.nextId(), name: stored, description: body.description ?? "", level: level as RobotRecord["level"], projectId,
                    duration, disable: false, creationTime: CREATED_AT, expiresAt: state.expiry(duration, CREATED_AT), permissions, secret: state.newSecret(),
                };
                state.robots.set(r.id, r);
                return {
                    status: 201,
                    headers: { Location: `/api/v2.0/robots/${r.id}` },
                    body: { id: r.id, name: state.fullName(r), secret: r.secret, creation_time: iso(r.creationTime), expires_at: r.expiresAt },
                };
            },
            GetRobotByID: (req) => ok(state.view(mustGet(req.params.robot_id))),
            UpdateRobot: (req) => {
                const r = mustGet(req.params.robot_id);
                const body = req.body as RobotBody;
                const level = body.level ?? "";
                const { permissions, projectId } = validate(body, level);
                if (level !== r.level || body.name !== state.fullName(r)) throw badRequest("cannot update the level or name of robot");
                if (r.level === "project" && projectId !== r.projectId) throw badRequest("cannot change the project of a project robot");
                if (body.duration !== undefined && body.duration !== null && body.duration !== r.duration) {
                    r.duration = validDuration(body.duration);
                    r.expiresAt = state.expiry(r.duration, r.creationTime);
                }
                r.description = body.description ?? "";
                r.disable = body.disable === true;
                r.permissions = permissions;
                return ok();
            },
            RefreshSec: (req) => {
                const r = mustGet(req.params.robot_id);
                const wanted = (req.body as { secret?: string }).secret ?? "";
                if (wanted === "") {
                    r.secret = state.newSecret();
                    return ok({ secret: r.secret });
                }
                if (passwordProblem(wanted)) {
                    throw badRequest("the secret must longer than 8 chars with at least 1 uppercase letter, 1 lowercase letter and 1 number");
                }
                r.secret = wanted;
                return ok({});
            },
            DeleteRobot: (req) => {
                state.robots.delete(mustGet(req.params.robot_id).id);
                return ok();
            },
        };
    },
});
