// Repositories of a project (seed them with `emu.area(projectsArea).addRepository(...)`); listing and deleting
// is what Project's forceDestroy needs. Repository names containing '/' must arrive double-encoded.
import { badRequest, defineArea, EmuRequest, notFound, ok, paginate } from "../server";
import { ProjectRecord, projectsArea, resolveProject } from "./projects";

/** The repository name from the path: decoded once by the router, so it must still be encoded (a%2Fb). */
function repositoryName(req: EmuRequest): string {
    const once = req.params.repository_name;
    if (once.includes("/")) throw badRequest(`repository name "${once}" was encoded only once; names with "/" must be encoded twice (a%252Fb)`);
    return decodeURIComponent(once);
}

function view(p: ProjectRecord, r: { id: number; name: string; artifactCount: number }) {
    return { id: r.id, project_id: p.project_id, name: `${p.name}/${r.name}`, artifact_count: r.artifactCount, pull_count: 0, creation_time: "2026-01-01T00:00:00.000Z", update_time: "2026-01-01T00:00:00.000Z" };
}

export const repositoriesArea = defineArea<null>({
    name: "repositories",
    init: (emu) => {
        emu.area(projectsArea); // depends on projects: fail early if it is not installed first
        return null;
    },
    handlers: () => ({
        listRepositories: (req) => {
            const p = resolveProject(req);
            return paginate(req, [...p.repositories.values()].map((r) => view(p, r)));
        },
        getRepository: (req) => {
            const p = resolveProject(req);
            const r = p.repositories.get(repositoryName(req));
            if (!r) throw notFound(`repository ${req.params.repository_name}`);
            return ok(view(p, r));
        },
        deleteRepository: (req) => {
            const p = resolveProject(req);
            const name = repositoryName(req);
            if (!p.repositories.delete(name)) throw notFound(`repository ${name}`);
            return ok();
        },
    }),
});
