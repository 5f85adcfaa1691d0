/** Plain-object helpers for raw (merged) config values. */
import * as pulumi from "@pulumi/pulumi";

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** Objects merge key by key; arrays and scalars in `over` replace. Inputs are not mutated. */
export function deepMerge(base: unknown, over: unknown): unknown {
    if (over === undefined) return base;
    if (isPlainObject(base) && isPlainObject(over)) {
        const out: Record<string, unknown> = { ...base };
        for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
        return out;
    }
    return over;
}

export function getPath(obj: unknown, path: string[]): unknown {
    let cur = obj;
    for (const p of path) {
        if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
}
