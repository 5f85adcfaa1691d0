// /system/gc/schedule and /system/purgeaudit/schedule: singleton schedules with parameters, as Harbor 2.15's
// handlers behave (src/server/v2.0/handler/gc.go, purge.go):
// - GET answers 200 with an EMPTY body when there is no schedule;
// - PUT (and POST) with type None removes it, Hourly/Daily/Weekly/Custom replace it (an empty cron is a 400),
//   Manual runs the job now, and "Schedule" is silently ignored;
// - GC writes into `parameters`, so a request without it crashes the handler (500, recorded as a violation);
// - purge requires both audit_retention_hour and include_event_types, even for None;
// - the parameters come back as a JSON string (`job_parameters`).
import { badRequest, conflict, defineArea, EmuRequest, HarborEmulator, HarborError, ok } from "../server";

const NOW = "2026-01-01T00:00:00.000Z";
const SCHEDULED = ["Hourly", "Daily", "Weekly", "Custom"];

export interface StoredSchedule {
    id: number;
    type: string;
    cron: string;
    parameters: Record<string, unknown>;
}

export interface SystemSchedulesState {
    gc?: StoredSchedule;
    purge?: StoredSchedule;
    /** Jobs started with type Manual, by kind. */
    manualRuns: { gc: number; purge: number };
}

/** Harbor's scheduler rejects anything but a 6-field cron (seconds first). */
export function checkHarborCron(cron: string): void {
    const fields = cron.trim().split(/\s+/).filter(Boolean);
    if (fields.length !== 6) throw badRequest(`invalid cron "${cron}": expected 6 fields (seconds first), got ${fields.length}`);
    if (!fields.every((f) => /^[0-9*?/,\-A-Za-z]+$/.test(f))) throw badRequest(`invalid cron "${cron}"`);
}

interface ScheduleReq {
    schedule?: { type?: string; cron?: string };
    parameters?: Record<string, unknown>;
}

function view(s: StoredSchedule): Record<string, unknown> {
    return {
        id: s.id, job_name: "", job_kind: s.cron, job_parameters: JSON.stringify(s.parameters), job_status: "", deleted: false,
        schedule: { type: s.type, cron: s.cron }, creation_time: NOW, update_time: NOW,
    };
}

/** Apply a schedule request to one slot; returns the new value of the slot. */
function kick(emu: HarborEmulator, state: SystemSchedulesState, kind: "gc" | "purge", body: ScheduleReq): StoredSchedule | undefined {
    const type = body.schedule?.type ?? "";
    const cron = body.schedule?.cron ?? "";
    const parameters = { ...body.parameters };
    if (type === "Manual") {
        state.manualRuns[kind]++;
        return state[kind];
    }
    if (type === "None") return undefined;
    if (SCHEDULED.includes(type)) {
        if (!cron) throw badRequest(`empty cron string for ${kind} schedule`);
        checkHarborCron(cron);
        return { id: emu.nextId(), type, cron, parameters };
    }
    return state[kind]; // "Schedule" (or no type): Harbor's switch has no branch for it
}

function gcParameters(req: EmuRequest, body: ScheduleReq): void {
    if (!body.parameters) {
        req.emu.violations.push(`${req.method} ${req.path}: no parameters: Harbor's GC handler writes into the map and panics (500)`);
        throw new HarborError(500, "UNKNOWN", "internal server error");
    }
    const workers = body.parameters.workers;
    if (workers !== undefined && (typeof workers !== "number" || !Number.isInteger(workers) || workers < 1 || workers > 10)) {
        throw badRequest(`workers must be an integer from 1 to 10, got ${JSON.stringify(workers)}`);
    }
    // What Harbor's handler adds before storing (on a copy: the logged request stays as sent).
    body.parameters = { ...body.parameters, redis_url_reg: "redis://redis:6379/1", time_window: 2 };
}

function purgeParameters(body: ScheduleReq): void {
    if (!body.schedule) throw badRequest("schedule cann't be empty");
    if (!body.parameters || Object.keys(body.parameters).length === 0) throw badRequest("schedule parameter cann't be empty");
    if (!("audit_retention_hour" in body.parameters)) throw badRequest("audit_retention_hour should provide");
    if (!("include_event_types" in body.parameters)) throw badRequest("include_event_types should provide");
    const hours = body.parameters.audit_retention_hour;
    if (typeof hours !== "number" || !Number.isInteger(hours) || hours < 1 || hours > 240000) throw badRequest(`audit_retention_hour must be 1..240000, got ${JSON.stringify(hours)}`);
    if (typeof body.parameters.include_event_types !== "string") throw badRequest("include_event_types must be a comma-separated string");
}

export const systemSchedulesArea = defineArea<SystemSchedulesState>({
    name: "systemSchedules",
    init: () => ({ manualRuns: { gc: 0, purge: 0 } }),
    handlers: (state, emu) => ({
        getGCSchedule: () => (state.gc ? ok(view(state.gc)) : ok()),
        updateGCSchedule: (req) => {
            const body = { ...(req.body as ScheduleReq) };
            gcParameters(req, body);
            state.gc = kick(emu, state, "gc", body);
            return ok();
        },
        createGCSchedule: (req) => {
            const body = { ...(req.body as ScheduleReq) };
            gcParameters(req, body);
            if (state.gc && body.schedule?.type !== "Manual") throw conflict("a GC schedule already exists");
            state.gc = kick(emu, state, "gc", body);
            return { status: 201, headers: { Location: `/api/v2.0/system/gc/${emu.nextId()}` } };
        },
        getPurgeSchedule: () => (state.purge ? ok(view(state.purge)) : ok()),
        updatePurgeSchedule: (req) => {
            const body = req.body as ScheduleReq;
            purgeParameters(body);
            state.purge = kick(emu, state, "purge", body);
            return ok();
        },
        createPurgeSchedule: (req) => {
            const body = req.body as ScheduleReq;
            purgeParameters(body);
            state.purge = kick(emu, state, "purge", body);
            return { status: 201, headers: { Location: `/api/v2.0/system/purgeaudit/${emu.nextId()}` } };
        },
    }),
});
