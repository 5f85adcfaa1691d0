/**
 * Pure helpers shared by the policies: environment from a URN, preview-safe property reads, SemVer,
 * Harbor's doublestar patterns. Nothing here talks to the Pulumi engine, so tests call them directly.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Environment a resource belongs to, derived from its stack name. */
export interface Environment {
    stack: string;
    /** `pr-<n>` review stacks: disposable, relaxed TLS/HA rules. */
    preview: boolean;
    /** Stacks listed as production (default `["prod"]`). */
    production: boolean;
}

/** The stack segment of `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackFromUrn(urn: string): string {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn);
    if (!m) {
        throw new Error(`cannot read the stack name from URN "${urn}": expected "urn:pulumi:<stack>::..."`);
    }
    return m[1];
}

export const PREVIEW_STACK = /^pr-\d+$/;

export function environmentOf(urn: string, productionStacks: readonly string[] = ["prod"]): Environment {
    const stack = stackFromUrn(urn);
    return { stack, preview: PREVIEW_STACK.test(stack), production: productionStacks.includes(stack) };
}

/** Marker for a value that is not known yet (during `pulumi preview`, e.g. a bucket id on first create). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/**
 * Reads a nested property. The policy SDK wraps props in a proxy that THROWS on unknown values; reading
 * through here turns that into `UNKNOWN`, so one unknown field does not void a whole policy run.
 */
export function read(obj: unknown, path: readonly string[]): unknown {
    let cur: unknown = obj;
    for (const key of path) {
        if (cur === null || typeof cur !== "object") {
            return undefined;
        }
        try {
            cur = (cur as Record<string, unknown>)[key];
        } catch (e) {
            if (isUnknownError(e)) {
                return UNKNOWN;
            }
            throw e;
        }
    }
    return cur;
}

export function isUnknownError(e: unknown): boolean {
    return e instanceof UnknownValueError || (e instanceof Error && e.name === "UnknownValueError")
        || (e instanceof Error && /can't be known during preview/.test(e.message));
}

/** Own keys of an object (safe on the unknown-checking proxy: listing keys never reads values). */
export function keysOf(obj: unknown): string[] {
    return obj !== null && typeof obj === "object" && !Array.isArray(obj) ? Object.keys(obj) : [];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A string that is set (not empty, not unknown). */
export function isNonEmptyString(v: unknown): v is string {
    return typeof v === "string" && v.trim() !== "";
}

/** Strict SemVer 2.0.0 (no range operators, no wildcards). */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isExactSemver(version: string, allowVPrefix = false): boolean {
    const v = allowVPrefix && /^v\d/.test(version) ? version.slice(1) : version;
    return SEMVER.test(v);
}

/**
 * The tag of an image reference (`host:5000/team/app:1.2.3` → `1.2.3`), or undefined when the reference has
 * no tag (a bare name or digest-only reference means "latest" or an untraceable version).
 */
export function imageTag(ref: string): string | undefined {
    const withoutDigest = ref.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const lastPart = withoutDigest.slice(lastSlash + 1);
    const colon = lastPart.lastIndexOf(":");
    return colon >= 0 ? lastPart.slice(colon + 1) : undefined;
}

// Harbor's doublestar globs: the provider's own matcher (one implementation, tested on one table in tests/glob.spec.ts).
export { globMatches } from "../harbor/glob";

/** Reads a policy's config over its defaults (the engine may or may not have applied schema defaults). */
export function withDefaults<T extends object>(defaults: T, config: Partial<T> | undefined): T {
    const out = { ...defaults };
    for (const [k, v] of Object.entries(config ?? {})) {
        if (v !== undefined && v !== null) {
            (out as Record<string, unknown>)[k] = v;
        }
    }
    return out;
}

/** Short, safe rendering of a value for a violation message (never used for secret-bearing keys). */
export function show(v: unknown): string {
    if (v === UNKNOWN) {
        return "<unknown until deploy>";
    }
    if (v === undefined) {
        return "unset";
    }
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
