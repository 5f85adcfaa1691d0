// /health, /ping, /systeminfo and /users/current (what Ready asks). Drift helpers: set the overall status or one
// component's status.
import { defineArea, HarborError, ok } from "../server";
import { localUser } from "../access";

export interface HealthState {
    /** Component name -> "healthy" | "unhealthy". The overall status is healthy only when all are. */
    components: Map<string, string>;
    version: string;
    /** Mark every component unhealthy (`setAll("unhealthy")`) or healthy again. */
    setAll(status: "healthy" | "unhealthy"): void;
}

const COMPONENTS = ["core", "database", "jobservice", "portal", "redis", "registry", "registryctl", "trivy"];

export const healthArea = defineArea<HealthState>({
    name: "health",
    init: () => {
        const components = new Map(COMPONENTS.map((c) => [c, "healthy"]));
        return {
            components,
            version: "v2.15.2-080b0220",
            setAll(status) {
                for (const c of components.keys()) components.set(c, status);
            },
        };
    },
    handlers: (state) => ({
        getHealth: () => {
            const components = [...state.components].map(([name, status]) =>
                status === "healthy" ? { name, status } : { name, status, error: `${name} is not ready` });
            const overall = components.every((c) => c.status === "healthy") ? "healthy" : "unhealthy";
            return ok({ status: overall, components });
        },
        getPing: () => ok("Pong"),
        // harbor_version is only shown to authenticated callers.
        getSystemInfo: (req) => ok({ auth_mode: "db_auth", external_url: req.emu.url, ...(req.user ? { harbor_version: state.version } : {}) }),
        // src/server/v2.0/handler/user.go, GetCurrentUserInfo: 401 for anonymous (RequireAuthenticated; a wrong
        // password is anonymous), else the signed-in local user (a robot's context answers 412).
        getCurrentUserInfo: (req) => {
            if (!req.user) throw new HarborError(401, "UNAUTHORIZED", "unauthorized");
            const u = localUser(req.emu, req.user);
            return ok({
                user_id: u?.user_id ?? 1, username: req.user, email: u?.email ?? `${req.user}@example.com`, realname: u?.realname ?? req.user,
                comment: "", sysadmin_flag: req.admin === true, admin_role_in_auth: false,
                creation_time: "2026-01-01T00:00:00.000Z", update_time: "2026-01-01T00:00:00.000Z",
            });
        },
    }),
});
