// Schedules: users write a 5-field cron ("30 2 * * *") or a preset ("hourly", "daily", "weekly"; "" = none);
// Harbor wants 6 fields with seconds first ("0 30 2 * * *"). Validation returns a reason so `check` can report a
// failure naming the property instead of Harbor rejecting the request later.
import { CronExpressionParser } from "cron-parser";

/** Presets, mapped exactly as Harbor's own UI/TF provider do. */
export const SCHEDULE_PRESETS = {
    hourly: "0 0 * * * *",
    daily: "0 0 0 * * *",
    weekly: "0 0 0 * * 0",
} as const;

export type SchedulePreset = keyof typeof SCHEDULE_PRESETS;

/** Harbor's schedule `type` values used by GC, scan-all and purge-audit schedules. */
export type HarborScheduleType = "None" | "Hourly" | "Daily" | "Weekly" | "Custom";

const FIELD_NAMES = ["minute", "hour", "day-of-month", "month", "day-of-week"] as const;
/** A valid value for each field, to parse one user field at a time (so a reason can name its field). */
const NEUTRAL = ["0", "0", "1", "1", "*"] as const;
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/g;

/**
 * Harbor parses schedules with robfig/cron v3 (src/common/utils/utils.go CronParser, ValidateCronString): seconds
 * first, then `*`, `?`, lists, ranges, steps and month/day names. cron-parser reads that grammar plus extensions
 * Harbor refuses (L, W, #, H, day-of-week 7), which are refused here first.
 */
function robfigOnlyProblem(field: string, index: number): string | undefined {
    const name = FIELD_NAMES[index];
    if (/[LWH#]/.test(field.toUpperCase().replace(NAMES, ""))) return `${name} "${field}" uses L, W, H or #, which Harbor's cron parser does not support`;
    if (name === "day-of-week" && field.split(",").some((part) => part.split("/")[0].split("-").includes("7"))) {
        return `day-of-week value 7 is out of range 0-6 (Sunday is 0)`;
    }
    return undefined;
}

/** Why one field is invalid (parsed by cron-parser in an otherwise neutral expression), or undefined. */
function fieldProblem(field: string, index: number): string | undefined {
    const robfig = robfigOnlyProblem(field, index);
    if (robfig) return robfig;
    const expression = ["0", ...NEUTRAL.map((v, i) => (i === index ? field : v))].join(" ");
    try {
        CronExpressionParser.parse(expression);
        return undefined;
    } catch (err) {
        return `${FIELD_NAMES[index]} "${field}": ${(err as Error).message}`;
    }
}

/** Why `schedule` is not a valid 5-field cron or preset, or undefined when it is fine ("" = none is fine). */
export function scheduleProblem(schedule: unknown): string | undefined {
    if (typeof schedule !== "string") return `must be a string (5-field cron, "hourly", "daily", "weekly" or "" for none), got ${typeof schedule}`;
    const s = schedule.trim();
    if (s === "" || s.toLowerCase() in SCHEDULE_PRESETS) return undefined;
    const fields = s.split(/\s+/);
    if (fields.length !== 5) {
        const hint = fields.length === 6 ? " (write 5 fields; the seconds field Harbor needs is added for you)" : "";
        return `"${schedule}" must be a 5-field cron (minute hour day-of-month month day-of-week) or one of hourly, daily, weekly, or "" for none; it has ${fields.length} fields${hint}`;
    }
    for (let i = 0; i < fields.length; i++) {
        const reason = fieldProblem(fields[i], i);
        if (reason) return `"${schedule}": ${reason}`;
    }
    return undefined;
}

/** Normalise a valid user schedule: trims, lower-cases presets, single spaces. */
export function normalizeSchedule(schedule: string): string {
    const s = schedule.trim();
    const lower = s.toLowerCase();
    if (lower in SCHEDULE_PRESETS) return lower;
    return s.split(/\s+/).join(" ");
}

/** User schedule -> Harbor 6-field cron ("" stays ""). Throws on an invalid schedule. */
export function toHarborCron(schedule: string): string {
    const problem = scheduleProblem(schedule);
    if (problem) throw new Error(`invalid schedule: ${problem}`);
    const s = normalizeSchedule(schedule);
    if (s === "") return "";
    if (s in SCHEDULE_PRESETS) return SCHEDULE_PRESETS[s as SchedulePreset];
    return `0 ${s}`;
}

/** Harbor schedule type for a user schedule (GC / scan-all / purge-audit bodies). */
export function harborScheduleType(schedule: string): HarborScheduleType {
    const s = normalizeSchedule(schedule);
    if (s === "") return "None";
    if (s === "hourly") return "Hourly";
    if (s === "daily") return "Daily";
    if (s === "weekly") return "Weekly";
    return "Custom";
}

/**
 * Harbor 6-field cron read back -> the user's form, for refresh without phantom diffs: when it is what
 * `previous` (the user's last input) produces, `previous` is returned unchanged; otherwise a preset name if it is
 * one, the 5-field form when seconds are 0, or the raw 6-field value (a drift the user will see).
 */
export function fromHarborCron(cron: string | undefined | null, previous?: string): string {
    const c = (cron ?? "").trim().split(/\s+/).filter(Boolean).join(" ");
    if (previous !== undefined && scheduleProblem(previous) === undefined && toHarborCron(previous) === c) return previous;
    if (c === "") return "";
    for (const [name, value] of Object.entries(SCHEDULE_PRESETS)) if (value === c) return name;
    const fields = c.split(" ");
    if (fields.length === 6 && fields[0] === "0") return fields.slice(1).join(" ");
    return c;
}
