// Shared base for the Harbor dynamic providers (runtime side: loaded as ordinary modules in Pulumi's dynamic-provider
// host by harbor/host.js; see harbor/README.md "How the engine runs the providers").
//
// Rules (see harbor/README.md "Adding a resource"):
// - results are plain data (harbor/hosted.ts strips undefined keys and refuses class instances);
// - build clients inside calls (`withClient`), so every call closes its connections;
// - credentials come only from the `connection` input.
import type * as pulumi from "@pulumi/pulumi";
import { HarborClient, HarborClientOptions, HarborConnection, isNotFound } from "./client";
import {
    AnyField, boolField, checkField, formatPath, numberField, NumberRules, oneOfField, StringListRules, stringListField, stringField, StringRules, UNKNOWN,
} from "./fields";

export { controlCharProblem } from "./fields";

export type Connection = HarborConnection;

/** A `check` failure, as the engine shows it: which property, and why. */
export interface CheckFailure {
    property: string;
    reason: string;
}

/** The engine's placeholder for a value not known yet (during preview). Never validate it. */
export { UNKNOWN };

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Harbor's rule for project and robot names; nothing else may reach a request path. */
export const HARBOR_NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Options every Harbor provider accepts; tests pass fast timeouts and a fake sleep. */
export interface HarborProviderOptions {
    client?: HarborClientOptions;
}

/** Run `fn` with a client for `conn`, always releasing its connections. */
export async function useClient<T>(conn: Connection, options: HarborClientOptions | undefined, fn: (client: HarborClient) => Promise<T>): Promise<T> {
    const client = new HarborClient(conn, options);
    try {
        return await fn(client);
    } finally {
        await client.close();
    }
}

/** Base class for Harbor providers: holds the options and opens clients. */
export abstract class HarborProvider {
    constructor(protected readonly options: HarborProviderOptions = {}) {}

    protected withClient<T>(conn: Connection, fn: (client: HarborClient) => Promise<T>): Promise<T> {
        return useClient(conn, this.options.client, fn);
    }
}

/** What DeclaredProvider needs of a declaration (harbor/schema.ts; structural, so this module does not import it). */
interface DeclarationLike {
    readonly type: string;
    readonly spec: { readonly inputs: object };
    check(news: unknown): pulumi.dynamic.CheckResult;
    diff(olds: never, news: never): pulumi.dynamic.DiffResult;
}

/**
 * A provider whose `check` and `diff` are its declaration's: the declared fields, the replacing ones marked, and for
 * a project's dependant (it declares `projectId`) a replacement when the project's id changes (withProjectIdDiff).
 * A provider with more to compare overrides `diff`.
 */
export abstract class DeclaredProvider<I, O> extends HarborProvider {
    protected abstract readonly declaration: DeclarationLike;

    async check(_olds: I, news: I): Promise<pulumi.dynamic.CheckResult<I>> {
        return this.declaration.check(news) as pulumi.dynamic.CheckResult<I>;
    }

    /** Pure: no request. */
    async diff(_id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> {
        const result = this.declaration.diff(olds as never, news as never);
        if (!("projectId" in this.declaration.spec.inputs)) return result;
        return withProjectIdDiff(result, (olds as { projectId?: unknown }).projectId, (news as { projectId?: unknown }).projectId);
    }

    /** A read's frame: the stored state (the connection lives there), a client, and a 404 = gone. */
    protected readState(state: O | undefined, read: (c: HarborClient, props: O) => Promise<pulumi.dynamic.ReadResult<O>>): Promise<pulumi.dynamic.ReadResult<O>> {
        const props = requireState(state, this.declaration.type);
        return this.withClient((props as { connection: Connection }).connection, (c) => readOrGone(() => read(c, props)) as Promise<pulumi.dynamic.ReadResult<O>>);
    }
}

/** `read` needs the stored state (the connection lives there); `pulumi import` cannot provide it. */
export function requireState<T>(props: T | undefined, type: string): T {
    if (!props || !(props as { connection?: unknown }).connection) {
        throw new Error(`${type} cannot be read without its state: dynamic resources do not support pulumi import (use adoption where offered)`);
    }
    return props;
}

/** What `read` returns when the object is gone (404): an empty id drops it from the state. */
export const GONE: pulumi.dynamic.ReadResult = { id: "" };

/** Run a read; a 404 anywhere in it means the object is gone. */
export async function readOrGone(fn: () => Promise<pulumi.dynamic.ReadResult>): Promise<pulumi.dynamic.ReadResult> {
    try {
        return await fn();
    } catch (err) {
        if (isNotFound(err)) return GONE;
        throw err;
    }
}

/**
 * An error for "the object was created but a follow-up step failed": the engine records the resource (with `id`
 * and `properties`) instead of losing it, so the next `up` updates it rather than failing on a duplicate name.
 */
export function partialCreateError(id: string, properties: Record<string, unknown>, cause: unknown): Error {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return Object.assign(new Error(`created ${id}, but could not finish configuring it: ${reason}`), { id, properties, reasons: [reason] });
}

// ---------------------------------------------------------------------------------------------------------------
// check helpers

interface Common {
    /** Fail when the value is missing and there is no default. */
    required?: boolean;
}

/**
 * Reads and validates raw `check` inputs, collecting failures that name the property. Unknown values (preview)
 * pass through unvalidated. Defaults are applied so that outputs, inputs and diffs compare normalised values.
 */
export class InputChecker {
    readonly failures: CheckFailure[] = [];
    private readonly seen = new Set<string>(["__provider"]);

    private readonly raw: Record<string, unknown>;

    /** `raw` is what the engine passed to `check` (typed as the inputs, but unvalidated). */
    constructor(raw: object) {
        this.raw = (raw ?? {}) as Record<string, unknown>;
    }

    fail(property: string, reason: string): void {
        this.failures.push({ property, reason });
    }

    private take(prop: string): unknown {
        this.seen.add(prop);
        return this.raw[prop];
    }

    /** The raw value of a nested input (an object or a list of objects) for the caller to check; marks it as read. */
    value(prop: string): unknown {
        return this.take(prop);
    }

    /** Check one input against a field's rule (harbor/fields.ts); failures are reported under `prop`. */
    field<T>(prop: string, field: AnyField<T>): T | undefined {
        const { value, failures } = checkField(field, this.take(prop));
        for (const f of failures) {
            const at = formatPath(prop, f.path);
            this.fail(at, `${at} ${f.message}`);
        }
        return value;
    }

    /** A string (see stringField): optionally required, bounded, matching a pattern, a one-line name or free text. */
    string(prop: string, opts: Common & StringRules = {}): string | undefined {
        return this.field(prop, stringField(opts));
    }

    /** One of a fixed set of strings. */
    oneOf<T extends string>(prop: string, allowed: readonly T[], opts: Common & { default?: T } = {}): T | undefined {
        return this.field(prop, oneOfField(allowed, opts));
    }

    bool(prop: string, defaultValue: boolean): boolean {
        return this.field(prop, boolField(defaultValue))!;
    }

    /** A number; `integer` by default; `allowed` values bypass min/max (e.g. -1 = unlimited). */
    number(prop: string, opts: NumberRules = {}): number | undefined {
        return this.field(prop, numberField(opts));
    }

    /** A list of strings, each checked; `normalise` sorts and de-duplicates (for set-like lists). */
    stringList(prop: string, opts: StringListRules = {}): string[] | undefined {
        return this.field(prop, stringListField(opts));
    }

    /** The `connection` input: required, validated; returned as given (no defaults added, so no diffs). */
    connection(prop = "connection"): Connection {
        const v = this.take(prop);
        if (isUnknown(v)) return v as unknown as Connection;
        if (typeof v !== "object" || v === null || Array.isArray(v)) {
            this.fail(prop, `${prop} is required: { url, username, password, caCert?, insecure? }`);
            return v as Connection;
        }
        const c = v as Record<string, unknown>;
        const sub = new InputChecker(c);
        const url = sub.string("url", { required: true, minLength: 1 });
        if (typeof url === "string" && !isUnknown(url) && url) {
            const problem = urlProblem(url);
            if (problem) sub.fail("url", problem);
        }
        sub.string("username", { required: true, minLength: 1 });
        const password = c.password;
        // Never echo the password (or its type details) in a failure.
        if (password === undefined || password === null || password === "") sub.fail("password", "password is required");
        else if (typeof password !== "string" && !isUnknown(password)) sub.fail("password", "password must be a string");
        sub.take("password");
        const ca = sub.string("caCert");
        if (typeof ca === "string" && !isUnknown(ca) && !ca.includes("-----BEGIN CERTIFICATE-----")) sub.fail("caCert", "caCert must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)");
        sub.bool("insecure", false);
        sub.rejectUnknown();
        for (const f of sub.failures) this.fail(`${prop}.${f.property}`, `${prop}.${f.reason}`);
        return c as unknown as Connection;
    }

    /** Report every input key that no getter asked for (typos, or settings this resource does not have). */
    rejectUnknown(): void {
        for (const key of Object.keys(this.raw)) {
            if (this.seen.has(key) || this.raw[key] === undefined) continue;
            // Types that take no `adopt` (harbor/README.md "Adoption"): singletons converge anyway, the rest create nothing.
            if (key === "adopt") this.fail(key, `adopt is not a setting of this resource: there is nothing to adopt (a Harbor-wide singleton such as SystemConfig, DefaultScanner or a schedule always converges to its inputs; Ready, ArtifactCheck and ImageSignature create no Harbor object)`);
            else this.fail(key, `${key} is not a setting of this resource`);
        }
    }

    /** Finish: inputs are returned as normalised by the caller; failures collected here. */
    result<T>(inputs: T): pulumi.dynamic.CheckResult<T> {
        this.rejectUnknown();
        return { inputs, failures: this.failures };
    }
}

function urlProblem(url: string): string | undefined {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return `url "${url}" is not a valid URL (expected e.g. https://harbor.example.com)`;
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") return `url must start with https:// (or http://), got "${u.protocol}"`;
    if (u.username || u.password) return "url must not contain credentials; use connection.username and connection.password";
    if (u.search || u.hash) return `url must not have a query or fragment`;
    return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// diff helpers

/** Structural equality for JSON-like values (inputs and outputs are plain data). */
export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
        const bb = b as unknown[];
        return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
    }
    const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    if (ak.length !== bk.length) return false;
    return ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Which managed fields differ between old outputs and new (checked) inputs. */
export function changedFields<T>(olds: Partial<T>, news: T, fields: readonly (keyof T)[]): (keyof T)[] {
    return fields.filter((f) => !deepEqual(olds[f], news[f]));
}

export interface DiffSpec<T> {
    /** Fields Harbor holds (or the provider acts on). `connection` must NOT be listed: it never causes a change. */
    managed: readonly (keyof T)[];
    /** Managed fields whose change needs a new object. */
    replaceOn?: readonly (keyof T)[];
    /** Delete the old object first (e.g. the replacement would clash on a unique name). */
    deleteBeforeReplace?: (olds: Partial<T>, news: T) => boolean;
}

/**
 * The standard diff: compares only managed fields (normalised by `check` and by create/read, so equal means equal),
 * lists replaces, and never looks at `connection` (rotating the password changes nothing in Harbor).
 * Makes no request: a no-op diff is free.
 */
export function diffManaged<T>(olds: Partial<T>, news: T, spec: DiffSpec<T>): pulumi.dynamic.DiffResult {
    const changed = changedFields(olds, news, spec.managed);
    const replaces = changed.filter((f) => spec.replaceOn?.includes(f)).map(String);
    return {
        changes: changed.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0 && (spec.deleteBeforeReplace?.(olds, news) ?? false),
    };
}

/** Pick the listed keys (used to return `inputs` from `read`). */
export function pick<T, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
    const out = {} as Pick<T, K>;
    for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// a project's dependants: the project's id as an input (harbor/README.md "Projects and their dependants")

/**
 * Adds the project-id rule to a diff: another project id means the project was replaced, so the object is
 * replaced with it (listed as `projectId`). State written before the input existed (no old id) is only recorded
 * (an update that sends nothing), unless the new id is not known yet: that is the project being replaced now.
 */
export function withProjectIdDiff(result: pulumi.dynamic.DiffResult, oldId: unknown, newId: unknown, prop = "projectId"): pulumi.dynamic.DiffResult {
    if (newId === undefined || deepEqual(oldId, newId)) return result;
    if (oldId === undefined && !isUnknown(newId)) return { ...result, changes: true };
    return { ...result, changes: true, replaces: [...(result.replaces ?? []), prop] };
}

// ---------------------------------------------------------------------------------------------------------------
// adoption: `adopt: true` takes over an object that already exists (harbor/README.md "Adoption")

/** The `adopt` input (default false). Not managed: turning it off later changes nothing. */
export function adoptInput(c: InputChecker): boolean {
    return c.bool("adopt", false);
}

interface AdoptingProvider<I, O> {
    read(id: string, state?: O): Promise<pulumi.dynamic.ReadResult<O>>;
    update(id: string, olds: O, news: I): Promise<pulumi.dynamic.UpdateResult<O>>;
}

/**
 * Take over the existing object `id`: read it as Harbor holds it (`seed` fills the outputs a read keeps from
 * state), refuse when a field that cannot change in place differs (`fixed`), then update it to the inputs, which
 * sends only what differs. Undefined when the object vanished meanwhile (the caller creates it). A failed update
 * is a partial create recording what Harbor holds, so the next `up` finishes the convergence.
 */
export async function adoptExisting<I extends object, O extends I>(
    type: string, p: AdoptingProvider<I, O>, id: string, inputs: I, seed: Partial<O>, fixed: readonly (keyof I)[] = [],
): Promise<{ id: string; outs: O } | undefined> {
    const found = await p.read(id, { ...inputs, ...seed } as O);
    if (!found.id || !found.props) return undefined;
    const held = found.props as O;
    const differs = changedFields<I>(held, inputs, fixed);
    if (differs.length > 0) {
        const what = differs.map((f) => `${String(f)} is ${JSON.stringify(held[f])} in Harbor, ${JSON.stringify(inputs[f])} declared`).join("; ");
        throw new Error(`cannot adopt the existing ${type} ${found.id}: ${what}, and Harbor cannot change that in place. Declare it as it is, or delete it in Harbor first`);
    }
    try {
        const { outs } = await p.update(found.id, held, inputs);
        return { id: found.id, outs: outs as O };
    } catch (err) {
        throw partialCreateError(found.id, held as unknown as Record<string, unknown>, err);
    }
}
