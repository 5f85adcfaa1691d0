// Tag-retention policies, coupled to the project metadata `retention_id`.
// Server behaviours mirrored from Harbor v2.15:
// - POST checks: scope.level "project" with an existing project, the project has NO retention_id yet (400
//   otherwise), at most 15 rules, no two identical rules (409); on success it writes retention_id into the metadata;
// - templates latestPushedK / latestPulledN / nDaysSinceLastPush / nDaysSinceLastPull (param = template name) and
//   always; selectors are doublestar with matches/excludes and repoMatches/repoExcludes;
// - the trigger cron may be "" (no schedule), else a 6-field cron;
// - rules with an empty tag selector are ACCEPTED (they fail at run time): counted in `rulesWithoutTagSelector`;
// - DELETE removes the policy and the project's retention_id;
// - a missing policy is never a 404 on GET or DELETE: GET answers 500 (pkg/retention/manager.go GetPolicy returns a
//   plain "no such Retention policy with id N", which SendError maps to 500 UNKNOWN), DELETE 400 (handler/retention.go
//   DeleteRetention wraps the same error as a bad request); PUT answers 404 unless the body's project holds this id
//   as its retention_id (handler/retention.go requirePolicyAccess), whether or not the policy exists;
// - deleting a project deletes its policy (controller/event/handler/internal/project.go → DeleteRetentionByProject);
// - a proxy-cache project comes with a policy (`seedProxyPolicy`), as Harbor creates one automatically.
import { badRequest, conflict, created, defineArea, HarborEmulator, HarborError, ok } from "../server";
import { ProjectRecord, projectsArea } from "./projects";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON, validated by hand below

export interface RetentionRecord {
    id: number;
    projectId: number;
    rules: Json[];
    cron: string;
}

const TEMPLATES = ["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always", "latestActiveK", "lastXDays", "nothing"];

export class RetentionsState {
    readonly policies = new Map<number, RetentionRecord>();
    /** Rules accepted without a tag selector (Harbor takes them, then the job fails). Providers must keep this 0. */
    rulesWithoutTagSelector = 0;

    constructor(private readonly emu: HarborEmulator) {}

    private get projects() {
        return this.emu.area(projectsArea);
    }

    get projectsArea() {
        return this.projects;
    }

    /** The policy of a project (through its metadata, as Harbor finds it). */
    ofProject(name: string): RetentionRecord | undefined {
        const id = this.projects.must(name).metadata.retention_id;
        return id ? this.policies.get(Number(id)) : undefined;
    }

    /** Store a policy and couple it to the project (a seed, or Harbor's automatic proxy-cache policy). */
    attach(p: ProjectRecord, rules: Json[], cron: string): RetentionRecord {
        const rec: RetentionRecord = { id: this.emu.nextId(), projectId: p.project_id, rules: this.numbered(rules), cron };
        this.policies.set(rec.id, rec);
        p.metadata.retention_id = String(rec.id);
        return rec;
    }

    /** What Harbor creates for a proxy-cache project: keep artifacts pulled in the last 7 days, daily. */
    seedProxyPolicy(projectName: string): RetentionRecord {
        return this.attach(this.projects.must(projectName), [{
            disabled: false, action: "retain", template: "nDaysSinceLastPull", params: { nDaysSinceLastPull: 7 },
            tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: "**", extras: "{\"untagged\":true}" }],
            scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: "**" }] },
        }], "0 0 0 * * *");
    }

    /** The policy with this id, after dropping the policies of deleted projects (Harbor deletes them with the project). */
    live(id: number): RetentionRecord | undefined {
        for (const r of this.policies.values()) if (!this.projects.projects.has(r.projectId)) this.policies.delete(r.id);
        return this.policies.get(id);
    }

    /** Delete the policy and clear the coupling. */
    detach(id: number): void {
        const rec = this.policies.get(id);
        if (!rec) return;
        this.policies.delete(id);
        const p = this.projects.projects.get(rec.projectId);
        if (p && p.metadata.retention_id === String(id)) delete p.metadata.retention_id;
    }

    view(r: RetentionRecord): Record<string, unknown> {
        return {
            id: r.id, algorithm: "or", rules: r.rules.map((x) => JSON.parse(JSON.stringify(x))),
            trigger: { kind: "Schedule", settings: { cron: r.cron }, references: {} },
            scope: { level: "project", ref: r.projectId },
        };
    }

    private numbered(rules: Json[]): Json[] {
        return rules.map((r, i) => ({ ...r, id: i + 1, priority: i + 1 }));
    }

    /** Validate a RetentionPolicy body as Harbor does; returns the project and the normalised rules and cron. */
    parse(b: Json): { project: ProjectRecord; rules: Json[]; cron: string } {
        if (b.scope?.level !== "project") throw badRequest("scope.level must be project");
        const project = this.projects.projects.get(Number(b.scope?.ref));
        if (!project) throw badRequest(`project ${b.scope?.ref} not found`);
        const rules: Json[] = b.rules ?? [];
        if (rules.length > 15) throw badRequest("only 15 rules are allowed at most");
        const keys = new Set<string>();
        for (const r of rules) {
            if (!TEMPLATES.includes(r.template)) throw badRequest(`unknown template ${r.template}`);
            if (r.action !== "retain") throw badRequest(`unknown action ${r.action}`);
            if (r.template !== "always" && r.template !== "nothing" && typeof r.params?.[r.template] !== "number") throw badRequest(`the parameter ${r.template} of the rule is required`);
            for (const s of r.tag_selectors ?? []) {
                if (s.kind !== "doublestar" || !["matches", "excludes"].includes(s.decoration)) throw badRequest(`invalid tag selector ${JSON.stringify(s)}`);
            }
            if (!r.tag_selectors?.length) this.rulesWithoutTagSelector++;
            const repos = r.scope_selectors?.repository ?? [];
            for (const s of repos) {
                if (s.kind !== "doublestar" || !["repoMatches", "repoExcludes"].includes(s.decoration)) throw badRequest(`invalid scope selector ${JSON.stringify(s)}`);
            }
            const key = JSON.stringify([r.template, r.params, r.tag_selectors, r.scope_selectors]);
            if (keys.has(key)) throw conflict("the rules are duplicated");
            keys.add(key);
        }
        const cron = String(b.trigger?.settings?.cron ?? "");
        if (cron !== "" && cron.split(" ").length !== 6) throw badRequest(`invalid cron ${cron}`);
        return { project, rules: rules.map((r) => ({ ...r, disabled: r.disabled ?? false })), cron };
    }
}

const emuProjects = (state: RetentionsState) => state.projectsArea;

export const retentionsArea = defineArea<RetentionsState>({
    name: "retentions",
    init: (emu) => {
        emu.area(projectsArea); // depends on projects
        return new RetentionsState(emu);
    },
    handlers: (state) => ({
        createRetention: (req) => {
            const { project, rules, cron } = state.parse(req.body);
            if (project.metadata.retention_id) throw badRequest(`project ${project.name} already has retention policy ${project.metadata.retention_id}`);
            const rec = state.attach(project, rules, cron);
            return created("/retentions", rec.id);
        },
        getRetention: (req) => {
            const r = state.live(Number(req.params.id));
            if (!r) throw new HarborError(500, "UNKNOWN", `no such Retention policy with id ${req.params.id}`);
            return ok(state.view(r));
        },
        updateRetention: (req) => {
            const id = Number(req.params.id);
            const b = req.body as Json;
            if ((b.rules ?? []).length > 15) throw badRequest("only 15 rules are allowed at most");
            // requirePolicyAccess: the body's project must hold this id as its retention_id (a 404 otherwise).
            const owner = state.live(id) && [...emuProjects(state).projects.values()].find((p) => p.project_id === Number(b.scope?.ref));
            if (!owner || owner.metadata.retention_id !== String(id)) throw new HarborError(404, "NOT_FOUND", `the retention policy id ${id} does not match`);
            const r = state.policies.get(id)!;
            const { rules, cron } = state.parse(b);
            Object.assign(r, { rules: rules.map((x, i) => ({ ...x, id: i + 1, priority: i + 1 })), cron });
            return ok();
        },
        deleteRetention: (req) => {
            const id = Number(req.params.id);
            // Harbor's ordinary answer to a client deleting a policy that is gone, not a client bug: returned (a thrown
            // 400 would be logged as a spec violation).
            if (!state.live(id)) return { status: 400, body: { errors: [{ code: "BAD_REQUEST", message: `no such Retention policy with id ${id}` }] } };
            state.detach(id);
            return ok();
        },
    }),
});
