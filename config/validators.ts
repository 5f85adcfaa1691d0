/**
 * Field builders for the section schemas: zod primitives that accept config as the Pulumi runtime and YAML hand
 * it over (strings for numbers and booleans, numbers for text) and that say, in their error message, what is allowed.
 */
import { z } from "zod";

export const fromString = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (t === "true") return true;
    if (t === "false") return false;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    return v;
};
export const int = (min: number, max: number) => {
    const error = `an integer from ${min} to ${max}`;
    return z.preprocess(fromString, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }));
};
export const bool = () => z.preprocess(fromString, z.boolean({ error: "true or false" }));
/** A section or sub-section: unknown keys are errors (typos must not be silently ignored). */
export const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: "a map of settings" });
export const oneOf = <const T extends readonly string[]>(values: T) =>
    z.enum(values, { error: `one of ${values.join(", ")}` });
// YAML turns `engineVersion: 16` into a number; a text setting accepts it as text.
export const numberAsText = (v: unknown): unknown => (typeof v === "number" ? String(v) : v);
export const str = (what: string, re?: RegExp) =>
    z.preprocess(numberAsText, re ? z.string({ error: what }).regex(re, { error: what }) : z.string({ error: what }));
/** Like `str`, but empty means "not set". */
export const optStr = (what: string, re: RegExp) =>
    z.preprocess(numberAsText, z.string({ error: what }).regex(new RegExp(`^$|${re.source}`), { error: what }));
export const strList = (what: string, re?: RegExp) => z.array(str(what, re), { error: `a list of ${what}` });
export const strMap = () => z.record(z.string(), z.string({ error: "a string" }), { error: "a map of strings" });
export const text = () => z.preprocess(numberAsText, z.string({ error: "a string" }));

/** A step of a field path a rule reads; "*" matches any list index. */
type Dep = readonly (string | number)[];
const overlaps = (dep: Dep, issuePath: readonly PropertyKey[]): boolean => {
    const n = Math.min(dep.length, issuePath.length);
    for (let i = 0; i < n; i++) if (dep[i] !== "*" && String(dep[i]) !== String(issuePath[i])) return false;
    return true;
};

/**
 * A rule across fields of one object (or list), for `.superRefine(...rule(deps, fn))`. It runs only when every
 * field it reads (`deps`, paths relative to the object) parsed, so it never adds a follow-on error about a field
 * that is itself invalid, and it still runs when OTHER fields of the object are invalid (every problem at once).
 * `add(path, message)` reports at a path relative to the object; the message is shown as written.
 */
export function rule<T>(
    deps: readonly Dep[],
    fn: (value: T, add: (path: (string | number)[], message: string) => void) => void,
): [(value: T, ctx: z.core.$RefinementCtx<T>) => void, { when: (payload: z.core.ParsePayload) => boolean }] {
    return [
        (value, ctx) => fn(value, (path, message) => ctx.addIssue({ code: "custom", path, message, params: { rule: true } })),
        {
            when: (payload) => typeof payload.value === "object" && payload.value !== null &&
                !payload.issues.some((i) => i.code !== "unrecognized_keys" && deps.some((d) => overlaps(d, i.path ?? []))),
        },
    ];
}
