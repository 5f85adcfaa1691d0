// The rules a Harbor resource's input field follows, as zod schemas (the validation library config uses too): one
// builder per kind of value, each with the message a user reads when a value breaks it. A resource's declaration
// (harbor/schema.ts) is made of these; InputChecker (harbor/provider.ts) uses the same builders for the resources
// that still read their inputs one by one. Messages never repeat a secret, and never the property: the caller
// prefixes the property's path ("name must be at most 64 characters, got 65").
//
// Every field:
//  - lets the engine's unknown-value placeholder (a preview) through unvalidated;
//  - reads null as unset;
//  - when unset, is its default, or undefined, or a failure "is required" (`required`).
import { z } from "zod";
import { normalizeSchedule, scheduleProblem } from "./cron";

/** The placeholder the engine sends for values not known until deploy. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** How a value is named in a message (strings quoted, objects and lists by kind). */
export function describe(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "a list";
    if (typeof v === "object") return "an object";
    if (typeof v === "string") return JSON.stringify(v);
    return `${typeof v} ${String(v)}`;
}

/**
 * Where `v` has a control character (C0, DEL, C1, or a Unicode line/paragraph separator), described without quoting
 * the value (it would corrupt the message). `line: false` allows tab, LF and CR (free text).
 */
export function controlCharProblem(v: string, line: boolean): string | undefined {
    const re = line ? /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/ : /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;
    const m = re.exec(v);
    if (!m) return undefined;
    const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return `must not contain control characters${line ? "" : " other than tabs and line breaks"} (found ${code} at position ${m.index + 1})`;
}

/** One failure of a field, relative to it: `path` below the field ([] = the field itself). */
export interface FieldFailure {
    path: (string | number)[];
    message: string;
}

/**
 * Whether a field may be unset: `required` (unset is a failure), `defaulted` (unset = its rule's default), or
 * `optional` (unset stays unset: the checked value has no such key). `Presence` itself (the union) = not known from
 * the field's type (a hand-built field not annotated): read as optional, the safe side.
 */
export type Presence = "required" | "defaulted" | "optional";

// Type-level only (never set at run time): the keys a Field's presence and program-side type live under.
declare const PRESENCE: unique symbol;
declare const ARGS: unique symbol;

/**
 * A field's rule: a zod schema for its known value, plus what to do when it is unset. Its type also says (type-level
 * only, from the builder's rules) whether it is required, defaulted or optional (`P`), and how a program gives the
 * value (`A`: an object field's defaulted and optional keys may be left out; OIDC scopes may be a comma-separated
 * string), so that a declaration's nested types derive from its fields (harbor/schema.ts ArgsOf, ValuesOf below).
 */
export interface Field<T, P extends Presence = Presence, A = T> {
    readonly schema: z.ZodType<T>;
    /** The value when unset; `undefined` = stays unset. */
    readonly default?: T;
    /** Unset is a failure (with this message). */
    readonly requiredMessage?: string;
    /** For the reference table: what the field accepts, e.g. `string (1-128 characters)`. */
    readonly summary: string;
    /**
     * The value kept when a value of the right type breaks a rule (so checks that read it see what the user wrote);
     * default: the raw value. A value of the wrong type is always replaced by the default.
     */
    readonly recover?: (raw: unknown) => T | undefined;
    /** Type-level only, never set: whether it may be unset (what `checkField` does with `default`/`requiredMessage`). */
    readonly [PRESENCE]?: P;
    /** Type-level only, never set: the value as a program gives it. */
    readonly [ARGS]?: A;
}

/** A field of any presence and program-side type (what `checkField` takes). */
export type AnyField<T = unknown> = Field<T, Presence, unknown>;
/** The checked value of a field. */
export type ValueOfField<F> = F extends Field<infer T, Presence, unknown> ? T : never;
/** Whether a field may be unset. */
export type PresenceOfField<F> = F extends Field<unknown, infer P, unknown> ? P : never;
/** The value of a field as a program gives it (before Inputs/Outputs: see schema.ts DeepInput). */
export type ArgOfField<F> = F extends Field<unknown, Presence, infer A> ? A : never;

/**
 * The presence a builder's rules give: a default that is surely set = `defaulted` (checkField applies it before
 * `required` is looked at); else `required: true` = `required`; else, without `required`, `optional`; rules whose type
 * does not say (e.g. a `StringRules` variable) = `Presence`.
 */
export type PresenceFrom<R> = R extends { default: infer D } ? ([D] extends [undefined] ? RequiredOr<R, "optional"> : undefined extends D ? Presence : "defaulted") : RequiredOr<R, "optional">;
/** `required` by `required: true`, else `Unset` (what an unset value is) when `required` is absent or false. */
type RequiredOr<R, Unset extends Presence> = R extends { required: true } ? "required"
    : "required" extends keyof R ? (R extends { required?: false } ? Unset : Presence) // (keyof first: { required?: false } is a weak type)
    : Unset;

/**
 * Validate one raw value against a field: the value to keep (normalised, or the default) and the failures, at most
 * one per path (the first rule it breaks, as a user fixes one thing at a time).
 */
export function checkField<T>(field: AnyField<T>, raw: unknown): { value: T | undefined; failures: FieldFailure[] } {
    if (raw === UNKNOWN) return { value: raw as T, failures: [] };
    if (raw === undefined || raw === null) {
        if (field.requiredMessage && field.default === undefined) return { value: undefined, failures: [{ path: [], message: field.requiredMessage }] };
        return { value: field.default, failures: [] };
    }
    const parsed = field.schema.safeParse(raw);
    if (parsed.success) return { value: parsed.data, failures: [] };
    const seen = new Set<string>();
    const failures: FieldFailure[] = [];
    for (const issue of parsed.error.issues) {
        const key = JSON.stringify(issue.path);
        if (seen.has(key)) continue;
        seen.add(key);
        failures.push({ path: issue.path as (string | number)[], message: issue.message });
    }
    const wrongType = parsed.error.issues.some((i) => i.code === "invalid_type" && i.path.length === 0);
    return { value: wrongType ? field.default : field.recover ? field.recover(raw) : (raw as T), failures };
}

interface Common {
    required?: boolean;
}

export interface StringRules extends Common {
    default?: string;
    pattern?: RegExp;
    patternHint?: string;
    maxLength?: number;
    minLength?: number;
    /** A one-line name: no control characters at all. */
    line?: boolean;
    /** Free text: line breaks and tabs allowed, other control characters not. */
    text?: boolean;
}

/** A string; PostgreSQL refuses NUL, and control characters in names corrupt logs and the UI (`line`, `text`). */
export function stringField<R extends StringRules = {}>(rules: R = {} as R): Field<string, PresenceFrom<R>> {
    let schema: z.ZodType<string> = z.string({ error: (iss) => `must be a string, got ${describe(iss.input)}` });
    if (rules.line || rules.text) {
        schema = schema.superRefine((v, ctx) => {
            const problem = controlCharProblem(v, !!rules.line);
            if (problem) ctx.addIssue({ code: "custom", message: problem, abort: true });
        });
    }
    const { minLength, maxLength, pattern } = rules;
    if (minLength !== undefined) {
        schema = schema.refine((v) => v.length >= minLength, { error: minLength === 1 ? "must not be empty" : `must be at least ${minLength} characters`, abort: true });
    }
    if (maxLength !== undefined) {
        schema = schema.superRefine((v, ctx) => {
            if (v.length > maxLength) ctx.addIssue({ code: "custom", message: `must be at most ${maxLength} characters, got ${v.length}`, abort: true });
        });
    }
    if (pattern) {
        schema = schema.superRefine((v, ctx) => {
            if (!pattern.test(v)) ctx.addIssue({ code: "custom", message: `"${v}" is invalid: ${rules.patternHint ?? `must match ${pattern}`}` });
        });
    }
    const bounds = minLength !== undefined || maxLength !== undefined ? ` (${minLength ?? 0}-${maxLength ?? "∞"} characters)` : "";
    return {
        schema,
        default: rules.default,
        requiredMessage: rules.required ? "is required" : undefined,
        summary: `string${bounds}${rules.patternHint ? `; ${rules.patternHint}` : ""}`,
    };
}

/** One of a fixed set of strings. (Overloads, not a rules parameter, so that `oneOfField<T>(...)` still says its presence.) */
export function oneOfField<T extends string>(allowed: readonly T[], rules: Common & { default: NoInfer<T> }): Field<T, "defaulted">;
export function oneOfField<T extends string>(allowed: readonly T[], rules: { required: true; default?: undefined }): Field<T, "required">;
export function oneOfField<T extends string>(allowed: readonly T[], rules?: { required?: false; default?: undefined }): Field<T, "optional">;
export function oneOfField<T extends string>(allowed: readonly T[], rules?: Common & { default?: NoInfer<T> }): Field<T>;
export function oneOfField<T extends string>(allowed: readonly T[], rules: Common & { default?: T } = {}): Field<T> {
    const schema = z.custom<T>((v) => typeof v === "string" && allowed.includes(v as T), { error: (iss) => `must be one of ${allowed.join(", ")}, got ${describe(iss.input)}` });
    return {
        schema,
        default: rules.default,
        requiredMessage: rules.required ? `is required (one of ${allowed.join(", ")})` : undefined,
        summary: allowed.map((a) => `\`${a}\``).join(" / "),
        recover: () => rules.default,
    };
}

export function boolField(defaultValue: boolean): Field<boolean, "defaulted"> {
    return {
        schema: z.boolean({ error: (iss) => `must be true or false, got ${describe(iss.input)}` }),
        default: defaultValue,
        summary: "boolean",
    };
}

export interface NumberRules extends Common {
    default?: number;
    /** Whole numbers only (the default). */
    integer?: boolean;
    min?: number;
    max?: number;
    /** Values that bypass min/max, e.g. -1 = unlimited. */
    allowed?: readonly number[];
    /** Said after a failure, e.g. "days". */
    hint?: string;
}

export function numberField<R extends NumberRules = {}>(rules: R = {} as R): Field<number, PresenceFrom<R>> {
    const hint = rules.hint ? ` (${rules.hint})` : "";
    const { min, max, allowed } = rules;
    const schema = z
        .number({ error: (iss) => `must be a number, got ${describe(iss.input)}${hint}` })
        .refine((v) => Number.isFinite(v), { error: (iss) => `must be a number, got ${describe(iss.input)}${hint}`, abort: true })
        .superRefine((v, ctx) => {
            if (allowed?.includes(v)) return;
            let message: string | undefined;
            if ((rules.integer ?? true) && !Number.isInteger(v)) message = `must be a whole number, got ${v}${hint}`;
            else if (min !== undefined && v < min) message = `must be at least ${min}, got ${v}${hint}`;
            else if (max !== undefined && v > max) message = `must be at most ${max}, got ${v}${hint}`;
            if (message) ctx.addIssue({ code: "custom", message });
        });
    const range = min !== undefined || max !== undefined ? ` (${min ?? "-∞"}-${max ?? "∞"}${allowed?.length ? `, or ${allowed.join(", ")}` : ""})` : "";
    return {
        schema,
        default: rules.default,
        requiredMessage: rules.required ? "is required" : undefined,
        summary: `${(rules.integer ?? true) ? "integer" : "number"}${range}`,
    };
}

export interface StringListRules extends Common {
    default?: string[];
    pattern?: RegExp;
    patternHint?: string;
    /** A set: sorted and de-duplicated. */
    normalise?: boolean;
}

/** A list of strings, each trimmed and checked; an unknown item (preview) passes. */
export function stringListField<R extends StringListRules = {}>(rules: R = {} as R): Field<string[], PresenceFrom<R>> {
    const item = z.string({ error: (iss) => `must be a string, got ${describe(iss.input)}` }).superRefine((v, ctx) => {
        if (v === UNKNOWN) return;
        if (rules.pattern && !rules.pattern.test(v.trim())) ctx.addIssue({ code: "custom", message: `"${v}" is invalid: ${rules.patternHint ?? `must match ${rules.pattern}`}` });
    });
    const schema = z
        .array(item, { error: (iss) => `must be a list of strings, got ${describe(iss.input)}` })
        .transform((list) => {
            const out = list.map((s) => (s === UNKNOWN ? s : s.trim()));
            return rules.normalise ? [...new Set(out)].sort() : out;
        });
    return {
        schema: schema as unknown as z.ZodType<string[]>,
        default: rules.default,
        requiredMessage: rules.required ? "is required" : undefined,
        summary: `list of strings${rules.patternHint ? ` (${rules.patternHint})` : ""}${rules.normalise ? ", a set" : ""}`,
        // The items that pass, so the rest of the check sees a list of strings.
        recover: (raw) => {
            const good = (raw as unknown[]).filter((v): v is string => v === UNKNOWN || (typeof v === "string" && (!rules.pattern || rules.pattern.test(v.trim())))).map((v) => (v === UNKNOWN ? v : v.trim()));
            return rules.normalise ? [...new Set(good)].sort() : good;
        },
    };
}

/** A schedule: a 5-field cron or hourly/daily/weekly, normalised; "" = none (the default unless `required`). */
export function scheduleField<R extends Common = {}>(rules: R = {} as R): Field<string, RequiredOr<R, "defaulted">> {
    const schema = z
        .string({ error: (iss) => `must be a string, got ${describe(iss.input)}` })
        .superRefine((v, ctx) => {
            const problem = scheduleProblem(v);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .transform(normalizeSchedule);
    return {
        schema: schema as unknown as z.ZodType<string>,
        default: rules.required ? undefined : "",
        requiredMessage: rules.required ? "is required" : undefined,
        summary: 'schedule: 5-field cron, `hourly`, `daily`, `weekly`, or `""` for none',
    };
}

/** The inner fields of an object or list field. */
export type Fields = Record<string, AnyField>;
type Flat<T> = { [K in keyof T]: T[K] } & {};
/** The keys of `S` whose field is surely of presence `P`. */
type KeysWith<S, P extends Presence> = { [K in keyof S]-?: PresenceOfField<S[K]> extends P ? K : never }[keyof S];

/** An object field's checked value: required and defaulted keys present, optional ones (and unknown presence) may be absent. */
export type ValuesOf<S extends Fields> = Flat<
    { [K in KeysWith<S, "required" | "defaulted">]: ValueOfField<S[K]> } & { [K in Exclude<keyof S, KeysWith<S, "required" | "defaulted">>]?: ValueOfField<S[K]> }
>;
/** An object field as a program gives it: required keys required, defaulted and optional ones may be left out. */
export type ArgValuesOf<S extends Fields> = Flat<
    { [K in KeysWith<S, "required">]: ArgOfField<S[K]> } & { [K in Exclude<keyof S, KeysWith<S, "required">>]?: ArgOfField<S[K]> }
>;

/** Each inner field checked against `raw`'s value, with the failures' paths below it. */
function checkObject<S extends Fields>(fields: S, raw: Record<string, unknown>): { value: ValuesOf<S>; failures: FieldFailure[] } {
    const value: Record<string, unknown> = {};
    const failures: FieldFailure[] = [];
    const keys = Object.keys(fields);
    for (const [key, field] of Object.entries(fields)) {
        const r = checkField(field, raw[key]);
        if (r.value !== undefined) value[key] = r.value;
        for (const f of r.failures) failures.push({ path: [key, ...f.path], message: f.message });
    }
    for (const key of Object.keys(raw)) {
        if (!keys.includes(key) && raw[key] !== undefined) failures.push({ path: [key], message: `is not a setting (allowed: ${keys.join(", ")})` });
    }
    return { value: value as ValuesOf<S>, failures };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A nested object of fields (e.g. SystemConfig's `ldap`): each field by its rule, other keys refused; no default (see withDefault). */
export function objectField<S extends Fields, R extends Common = {}>(fields: S, rules: R = {} as R): Field<ValuesOf<S>, RequiredOr<R, "optional">, ArgValuesOf<S>> {
    const keys = Object.keys(fields).join(", ");
    const schema = z.custom<Record<string, unknown>>(isRecord, { error: `must be an object with ${keys}` }).transform((raw, ctx) => {
        const r = checkObject(fields, raw);
        for (const f of r.failures) ctx.addIssue({ code: "custom", path: f.path, message: f.message });
        return r.value;
    });
    return {
        schema: schema as unknown as z.ZodType<ValuesOf<S>>,
        requiredMessage: rules.required ? `is required: { ${keys} }` : undefined,
        summary: `{ ${keys} }`,
        recover: (raw) => (isRecord(raw) ? checkObject(fields, raw).value : undefined),
    };
}

export interface ListBounds extends Common {
    min?: number;
    max?: number;
}

/** A list of objects (e.g. retention rules), each checked like an object field; unset = [], or a failure when `required`. */
export function listField<S extends Fields, R extends ListBounds = {}>(
    fields: S,
    bounds: R = {} as R,
): Field<ValuesOf<S>[], RequiredOr<R, "defaulted">, ArgValuesOf<S>[]> {
    const keys = Object.keys(fields).join(", ");
    const items = (raw: unknown[], report?: (f: FieldFailure) => void): ValuesOf<S>[] => {
        const out: ValuesOf<S>[] = [];
        raw.forEach((item, i) => {
            if (item === UNKNOWN) return void out.push(item as unknown as ValuesOf<S>);
            if (!isRecord(item)) return report?.({ path: [i], message: `must be an object with ${keys}` });
            const r = checkObject(fields, item);
            out.push(r.value);
            for (const f of r.failures) report?.({ path: [i, ...f.path], message: f.message });
        });
        return out;
    };
    const schema = z.custom<unknown[]>(Array.isArray, { error: "must be a list" }).transform((raw, ctx) => {
        if (bounds.min !== undefined && raw.length < bounds.min) ctx.addIssue({ code: "custom", message: `needs at least ${bounds.min} item${bounds.min === 1 ? "" : "s"}` });
        if (bounds.max !== undefined && raw.length > bounds.max) ctx.addIssue({ code: "custom", message: `has ${raw.length} items; at most ${bounds.max} are allowed` });
        return items(raw, (f) => ctx.addIssue({ code: "custom", path: f.path, message: f.message }));
    });
    return {
        schema: schema as unknown as z.ZodType<ValuesOf<S>[]>,
        default: bounds.required ? undefined : [],
        requiredMessage: bounds.required ? (bounds.min ? `needs at least ${bounds.min} item${bounds.min === 1 ? "" : "s"}` : "is required") : undefined,
        summary: `list of { ${keys} }${bounds.max !== undefined ? ` (at most ${bounds.max})` : ""}`,
        recover: (raw) => (Array.isArray(raw) ? items(raw) : []),
    };
}

/** `[i]` for list positions, `.key` for object keys: the property path users see ("rules[2].tagPattern"). */
export function formatPath(base: string, path: readonly (string | number)[]): string {
    return path.reduce<string>((out, p) => (typeof p === "number" ? `${out}[${p}]` : out ? `${out}.${p}` : p), base);
}

export interface SecretRules extends Common {
    default?: string;
    /** A one-line secret (a password): no control characters at all. */
    line?: boolean;
    /** Multi-line (a PEM key): line breaks and tabs allowed, other control characters not. */
    text?: boolean;
    /** "" counts as unset (write-only settings where "" means "none given"). */
    emptyIsUnset?: boolean;
    /** A further rule; its message must not quote the value either. */
    problem?: (v: string) => string | undefined;
    /** For the reference table, e.g. "ECDSA P-256 private key (PEM)". */
    summary?: string;
}

/**
 * A secret string (a password, a private key): checked like a string, but no message ever repeats the value, nor
 * (for a wrong type) what was given instead.
 */
export function secretField<R extends SecretRules = {}>(rules: R & Pick<SecretRules, "problem"> = {} as R): Field<string, PresenceFrom<R>> {
    let schema: z.ZodType<string> = z.string({ error: "must be a string" });
    if (rules.line || rules.text) {
        schema = schema.superRefine((v, ctx) => {
            const problem = controlCharProblem(v, !!rules.line);
            if (problem) ctx.addIssue({ code: "custom", message: problem, abort: true });
        });
    }
    const { problem } = rules;
    if (problem) {
        schema = schema.superRefine((v, ctx) => {
            if (rules.emptyIsUnset && v === "") return;
            const p = problem(v);
            if (p) ctx.addIssue({ code: "custom", message: p });
        });
    }
    if (rules.emptyIsUnset) schema = schema.transform((v) => (v === "" ? (undefined as unknown as string) : v)) as unknown as z.ZodType<string>;
    return {
        schema,
        default: rules.default,
        requiredMessage: rules.required ? "is required" : undefined,
        summary: `${rules.summary ?? "string"}, secret`,
        recover: () => rules.default,
    };
}

/**
 * `field` with one more rule and/or a normalisation, for values its builder cannot say: `problem` names why a value
 * of the right type is refused (after the builder's own rules; one failure per property is reported); `normalise` is the
 * form check keeps, and read-back uses the same function so refresh shows no phantom diff.
 */
export function refined<T, P extends Presence, A>(field: Field<T, P, A>, more: { problem?: (v: T) => string | undefined; normalise?: (v: T) => T; summary?: string }): Field<T, P, A> {
    const schema = field.schema
        .superRefine((v, ctx) => {
            const problem = more.problem?.(v);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .transform((v) => (more.normalise ? more.normalise(v) : v));
    return { ...field, schema: schema as unknown as z.ZodType<T>, summary: more.summary ?? field.summary };
}

/** `field` with a default (e.g. an object field that is `{}` when unset): unset = `value`, which is not validated. */
export function withDefault<T, A>(field: Field<T, Presence, A>, value: T): Field<T, "defaulted", A> {
    return { ...field, default: value } as Field<T, "defaulted", A>;
}

/** At most `max` bytes in UTF-8, as Go's `len()` counts (a name of 100 "é" is 200 bytes). */
export function utf8BytesProblem(max: number): (v: string) => string | undefined {
    return (v) => {
        const bytes = Buffer.byteLength(v, "utf8");
        return bytes > max ? `must be at most ${max} bytes in UTF-8, got ${bytes}` : undefined;
    };
}

/** A hex colour `#RRGGBB`, upper-cased (as Harbor's UI writes it), or "" for none (the default). */
export const HEX_COLOR_RE = /^#[0-9A-Fa-f]{6}$/;
export const normaliseHexColor = (v: string): string => (HEX_COLOR_RE.test(v) ? v.toUpperCase() : v);
export function hexColorField(): Field<string, "defaulted"> {
    return refined(stringField({ default: "", pattern: /^$|^#[0-9A-Fa-f]{6}$/, patternHint: 'use "#RRGGBB" (e.g. "#0095D3") or "" for none' }), { normalise: normaliseHexColor });
}

/** The id of the project an object lives in: the Project's `projectId` output (harbor/README.md "Projects and their dependants"). */
export function projectIdField(): Field<number, "optional"> {
    return numberField({ min: 1, hint: "the project's id: the Project's projectId output" });
}

/** A string or a number, kept as given (e.g. a trigger whose every change means something); unset stays unset. */
export function stringOrNumberField(): Field<string | number> {
    return {
        schema: z.custom<string | number>((v) => typeof v === "string" || typeof v === "number", { error: "must be a string or a number" }),
        summary: "string or number",
        recover: () => undefined,
    };
}
