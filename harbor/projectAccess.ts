// Harbor's 403s, for connections that are not system administrators (a project admin, or a robot), turned into
// "gone" or into an error that names the missing permission. Shared by every project-scoped resource.
//
// Harbor v2.15.2 facts:
// - a project addressed by a name that does not exist is a 403 "forbidden", not a 404, for anyone but a system admin:
//   RequireProjectAccess resolves a missing project to id 0, where the caller holds no permission
//   (src/server/v2.0/handler/base.go, HasProjectPermission/RequireProjectAccess). So a 403 alone cannot say
//   "gone": HEAD /projects?project_name=<name> (handler/project.go, HeadProject: any signed-in user) tells;
// - /quotas and /configurations need the system permission (handler/quota.go, handler/config.go:
//   RequireSystemAccess); a robot can never hold the configuration permission (src/common/rbac/const.go).
import type * as pulumi from "@pulumi/pulumi";
import { HarborApiError, HarborClient, isNotFound } from "./client";
import { GONE } from "./provider";

export const isForbidden = (err: unknown): err is HarborApiError => err instanceof HarborApiError && err.status === 403;

/** Whether project `name` exists, asked in the one way every signed-in user may (HEAD /projects?project_name=). */
export async function projectExists(c: HarborClient, name: string): Promise<boolean> {
    return c.exists("HEAD", "/projects", { query: { project_name: name } });
}

/** The error for a 403 in a project that exists: who, what, and which role it takes. */
export function projectForbidden(err: HarborApiError, user: string, project: string, what: string): Error {
    return new Error(
        `Harbor refused to let user "${user}" ${what} in project "${project}" (${err.method} ${err.path}: 403 ${err.code}): ` +
            `the connection needs the projectAdmin (or maintainer) role in that project, or a system administrator.`,
    );
}

/**
 * A 403 from a request in `project`: "gone" (true) when the project no longer exists, else an error naming the
 * missing permission. Anything that is not a 403 is rethrown as it is.
 */
async function goneOr403(c: HarborClient, err: unknown, user: string, project: string, what: string): Promise<true> {
    if (!isForbidden(err)) throw err;
    if (!(await projectExists(c, project))) return true;
    throw projectForbidden(err, user, project, what);
}

/** `readOrGone` for a project-scoped object: a 404, or a 403 because the project is gone, is GONE. */
export async function readInProject(c: HarborClient, user: string, project: string, fn: () => Promise<pulumi.dynamic.ReadResult>): Promise<pulumi.dynamic.ReadResult> {
    try {
        return await fn();
    } catch (err) {
        if (isNotFound(err)) return GONE;
        await goneOr403(c, err, user, project, "read it");
        return GONE;
    }
}

/** DELETE a project-scoped object; a 404, or a 403 because the project is gone, counts as already gone. */
export async function deleteInProject(c: HarborClient, user: string, project: string, path: string, opts: { byName?: boolean } = {}): Promise<void> {
    try {
        await c.delete(path, opts);
    } catch (err) {
        await goneOr403(c, err, user, project, "delete it");
    }
}

/** The error for a 403 on a system-level API (/quotas, /configurations): it takes a system administrator. */
export function systemAdminRequired(err: HarborApiError, user: string, what: string, opts: { robotsNever?: boolean } = {}): Error {
    const robot = opts.robotsNever ? " (a robot account can never be given this permission)" : "";
    return new Error(
        `Harbor refused ${err.method} ${err.path} for user "${user}" (403 ${err.code}): ${what} needs a Harbor system administrator${robot}.`,
    );
}
