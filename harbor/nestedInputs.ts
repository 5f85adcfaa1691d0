// check helpers for nested inputs (objects and lists of objects): failures are reported under their full path
// (e.g. "rules[2].tagPattern"), unknown keys are refused, like top-level inputs.
import { InputChecker, isUnknown } from "./provider";

/** Validate that `value` is an object with only `keys`; returns it as a record (or undefined when absent/bad). */
export function objectInput(c: InputChecker, prop: string, value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined || value === null || isUnknown(value)) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
        c.fail(prop, `${prop} must be an object with ${keys.join(", ")}`);
        return undefined;
    }
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!keys.includes(k) && rec[k] !== undefined) c.fail(`${prop}.${k}`, `${prop}.${k} is not a setting (allowed: ${keys.join(", ")})`);
    return rec;
}

/** Check a nested object with its own InputChecker; its failures are reported under `prefix.`. */
export function nested<T>(c: InputChecker, prefix: string, rec: Record<string, unknown>, read: (sub: InputChecker) => T): T {
    const sub = new InputChecker(rec);
    const out = read(sub);
    for (const f of sub.failures) c.fail(`${prefix}.${f.property}`, `${prefix}.${f.reason}`);
    return out;
}

/** A list of objects, each checked by `read` (with `prop[i]` prefixes); `max` bounds its length. */
export function objectList<T>(c: InputChecker, prop: string, value: unknown, keys: readonly string[], read: (sub: InputChecker, at: string) => T, bounds: { min?: number; max?: number } = {}): T[] {
    if (value === undefined || value === null) value = [];
    // Not known yet (a preview): nothing to check, and the engine keeps the placeholder.
    if (isUnknown(value)) return value as unknown as T[];
    if (!Array.isArray(value)) {
        c.fail(prop, `${prop} must be a list`);
        return [];
    }
    if (bounds.min !== undefined && value.length < bounds.min) c.fail(prop, `${prop} needs at least ${bounds.min} item${bounds.min === 1 ? "" : "s"}`);
    if (bounds.max !== undefined && value.length > bounds.max) c.fail(prop, `${prop} has ${value.length} items; at most ${bounds.max} are allowed`);
    const out: T[] = [];
    value.forEach((item, i) => {
        const at = `${prop}[${i}]`;
        const rec = objectInput(c, at, item, keys);
        if (rec) out.push(nested(c, at, rec, (sub) => read(sub, at)));
        else if (item === undefined || item === null) c.fail(at, `${at} must be an object with ${keys.join(", ")}`);
    });
    return out;
}
