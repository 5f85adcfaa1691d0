// Schedules: users write a 5-field cron ("30 2 * * *") or a preset ("hourly", "daily", "weekly"; "" = none);
// Harbor wants 6 fields with seconds first ("0 30 2 * * *"). Validation returns a reason so `check` can report a
// failure naming the property instead of Harbor rejecting the request later.

/** Presets, mapped exactly as Harbor's own UI/TF provider do. */
export const SCHEDULE_PRESETS = {
    hourly: "0 0 * * * *",
    daily: "0 0 0 * * *",
    weekly: "0 0 0 * * 0",
} as const;

export type SchedulePreset = keyof typeof SCHEDULE_PRESETS;

/** Harbor's schedule `type` values used by GC, scan-all and purge-audit schedules. */
export type HarborScheduleType = "None" | "Hourly" | "Daily" | "Weekly" | "Custom";

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    names?: readonly string[];
    /** '?' is allowed (day-of-month / day-of-week only). */
    question?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELDS: readonly FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31, question: true },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day-of-week", min: 0, max: 6, names: DAYS, question: true },
];

function parseValue(raw: string, spec: FieldSpec): number | string {
    if (/^\d+$/.test(raw)) {
        const n = Number(raw);
        if (n < spec.min || n > spec.max) return `${spec.name} value ${n} is out of range ${spec.min}-${spec.max}`;
        return n;
    }
    const idx = spec.names?.indexOf(raw.toUpperCase() as never) ?? -1;
    if (idx >= 0) return spec.min + idx;
    return `${spec.name} value "${raw}" is not a number${spec.names ? ` or a name (${spec.names.join(", ")})` : ""}`;
}

/** Validate one field; returns a reason or undefined. Supports *, ?, lists, ranges, steps and names. */
function checkField(field: string, spec: FieldSpec): string | undefined {
    if (field === "?") return spec.question ? undefined : `"?" is only allowed in day-of-month and day-of-week, not ${spec.name}`;
    for (const part of field.split(",")) {
        if (part === "") return `${spec.name} has an empty list item in "${field}"`;
        const [range, step, extra] = part.split("/");
        if (extra !== undefined) return `${spec.name} "${part}" has more than one "/"`;
        if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${spec.name} step "${step}" must be a positive integer`;
        if (range === "*") continue;
        const bounds = range.split("-");
        if (bounds.length > 2) return `${spec.name} range "${range}" is malformed`;
        const values: number[] = [];
        for (const b of bounds) {
            const v = parseValue(b, spec);
            if (typeof v === "string") return v;
            values.push(v);
        }
        if (values.length === 2 && values[0] > values[1]) return `${spec.name} range "${range}" goes backwards`;
    }
    return undefined;
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
    for (let i = 0; i < 5; i++) {
        const reason = checkField(fields[i], FIELDS[i]);
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
