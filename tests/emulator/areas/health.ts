// /health, /ping and /systeminfo. Drift helpers: set the overall status or one component's status.
import { defineArea, ok } from "../server";

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
    }),
});
