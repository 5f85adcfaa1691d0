// Shared wire helpers for Harbor's system schedules (scan-all, garbage collection, audit-log purge): the
// `Schedule` body they accept and the schedule they report back.
//
// Harbor quirks (../shared/notes/harbor-api.md §2.10, §2.15, §5 #21): GET answers 200 with an EMPTY body when there
// is no schedule (not a 404); `type: "None"` in a PUT removes the schedule; PUT creates or replaces it (POST 412s or
// 409s when one exists, so these resources only PUT). GC and purge report their parameters as a JSON *string*
// (`job_parameters`); GC's handler writes into the parameters map, so it must always be sent (a missing map is a 500).
import { fromHarborCron, harborScheduleType, HarborScheduleType, toHarborCron } from "./cron";

/** The body of PUT /system/{scanAll,gc,purgeaudit}/schedule. */
export interface ScheduleBody {
    schedule: { type: HarborScheduleType; cron: string };
    parameters?: Record<string, unknown>;
}

/** What GET returns (scan-all: `Schedule`; gc/purge: `GCHistory`/`ExecHistory`); undefined/empty = none. */
export interface ApiSchedule {
    schedule?: { type?: string; cron?: string } | null;
    /** gc / purge: the parameters as a JSON string. */
    job_parameters?: string;
    /** scan-all: the parameters as an object. */
    parameters?: Record<string, unknown> | null;
}

/** A user schedule ("" = none) as Harbor's body; `parameters` are sent when given (even for None). */
export function scheduleBody(schedule: string, parameters?: Record<string, unknown>): ScheduleBody {
    const type = harborScheduleType(schedule);
    return { schedule: { type, cron: type === "None" ? "" : toHarborCron(schedule) }, ...(parameters ? { parameters } : {}) };
}

/** True when GET reported no schedule (empty body, no cron, or type None). */
export function isNoSchedule(body: ApiSchedule | undefined | null | string): boolean {
    if (!body || typeof body !== "object") return true;
    const type = body.schedule?.type ?? "";
    return !body.schedule || type === "" || type.toLowerCase() === "none" || !(body.schedule.cron ?? "").trim();
}

/** The schedule read back, in the user's form (`previous` keeps "daily" vs "0 0 * * *" stable). */
export function readScheduleCron(body: ApiSchedule | undefined | null | string, previous: string | undefined): string {
    if (isNoSchedule(body)) return "";
    return fromHarborCron((body as ApiSchedule).schedule?.cron, previous);
}

/** The parameters read back (gc/purge `job_parameters` JSON string, or scan-all `parameters`); {} when none. */
export function readScheduleParameters(body: ApiSchedule | undefined | null | string): Record<string, unknown> {
    if (!body || typeof body !== "object") return {};
    if (body.job_parameters) {
        try {
            const parsed = JSON.parse(body.job_parameters) as unknown;
            return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
        } catch {
            return {};
        }
    }
    return body.parameters ?? {};
}
