// Resource-side helpers (run in the Pulumi program, never serialized into a provider).
import * as pulumi from "@pulumi/pulumi";
import type { HarborResourceType } from "./hosted";
import { providerText } from "./loader";

/** How to reach Harbor. Held as a secret by every Harbor resource. */
export interface ConnectionArgs {
    /** External URL, e.g. https://harbor.example.com (no credentials, no /api/v2.0 needed). */
    url: pulumi.Input<string>;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** PEM bundle of a private CA to trust. */
    caCert?: pulumi.Input<string>;
    /** Skip TLS verification. Explicit opt-in; prefer caCert. */
    insecure?: pulumi.Input<boolean>;
}

/** The module of every Harbor dynamic resource: type tokens are `pulumi-nodejs:dynamic/harbor:<Type>`. */
export const HARBOR_MODULE = "harbor";

/** One secret wrapper per connection Output: hundreds of resources share one connection, and each wrapper is an Output. */
const secretConnections = new WeakMap<object, pulumi.Output<pulumi.Unwrap<ConnectionArgs>>>();

/** Wrap the connection as a secret, so the password never lands in plain state. */
export function secretConnection(connection: pulumi.Input<ConnectionArgs>): pulumi.Output<pulumi.Unwrap<ConnectionArgs>> {
    // Only an Output is shared: it is immutable, whereas a plain object could be changed between two resources.
    if (!pulumi.Output.isInstance(connection)) return pulumi.secret(connection) as pulumi.Output<pulumi.Unwrap<ConnectionArgs>>;
    let secret = secretConnections.get(connection);
    if (!secret) {
        secret = pulumi.secret(connection) as pulumi.Output<pulumi.Unwrap<ConnectionArgs>>;
        secretConnections.set(connection, secret);
    }
    return secret;
}

/** Resource options with extra `additionalSecretOutputs` (for values Harbor generates, e.g. robot secrets). */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, names: string[]): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...names] };
}

/**
 * Input props for `super(...)`: the args with the connection made secret and every output seeded undefined. Args
 * left undefined are not passed: they are never sent (the engine sees the same inputs), and the SDK would still give
 * each one an Output with four promises on the resource object, where no typed field exposes it.
 */
export function dynamicProps<A extends { connection: pulumi.Input<ConnectionArgs> }>(args: A, outputs: readonly string[]): Record<string, unknown> {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (v !== undefined) props[k] = v;
    props.connection = secretConnection(args.connection);
    for (const o of outputs) props[o] = undefined;
    return props;
}

/**
 * A window around a Harbor resource's `super(...)` in which the SDK does not format stack traces.
 *
 * Why: while registering, @pulumi/pulumi wraps four promises per input/output property (plus a few per resource) in
 * `debuggablePromise`, which stores `new Error().stack` on each, formatted eagerly. Those strings are read only by
 * the SDK's promise-leak report with PULUMI_DEBUG_PROMISE_LEAKS set. Formatting them is most of the time a
 * Harbor resource costs to declare (under ts-node, as `pulumi up` runs a TypeScript program, every frame goes
 * through source-map lookups) and a fifth of its transient memory: with hundreds of projects, seconds and hundreds
 * of MiB. So, only while the SDK registers one Harbor resource synchronously:
 *  - Error.stackTraceLimit is 0, then restored (also when the SDK throws); nothing outside the window changes;
 *  - not at all when PULUMI_DEBUG_PROMISE_LEAKS is set, so leak reports keep their stacks;
 *  - the resource's source position and stack trace for the engine are unaffected (the SDK's `Resource.callsites()`
 *    raises the limit itself);
 *  - an error the SDK throws in the window gets its stack captured again after the limit is restored, so the user
 *    still sees where the resource was declared.
 *
 * Usage (a constructor cannot hand `super` to a function; HarborResource below does this for every Harbor resource):
 *     const stacks = stackTraceWindow();
 *     try { super(...); } catch (err) { throw stacks.rethrow(err); } finally { stacks.close(); }
 */
export function stackTraceWindow(): { close(): void; rethrow(err: unknown): unknown } {
    const limit = Error.stackTraceLimit;
    const open = !process.env.PULUMI_DEBUG_PROMISE_LEAKS && limit !== 0;
    if (open) Error.stackTraceLimit = 0;
    let closed = !open;
    const close = () => {
        if (closed) return;
        closed = true;
        Error.stackTraceLimit = limit;
    };
    const rethrow = (err: unknown): unknown => {
        const created = open && !closed;
        close();
        // Created while the limit was 0: a message but no frames. The frames from the constructor up lead to the declaration.
        if (created && err instanceof Error && !/\n\s+at /.test(err.stack ?? "")) Error.captureStackTrace(err, rethrow);
        return err;
    };
    return { close, rethrow };
}

/**
 * The base of every Harbor resource: a Pulumi dynamic resource (type token `pulumi-nodejs:dynamic/harbor:<Type>`,
 * driven by Pulumi's dynamic-provider host) registered the way `pulumi.dynamic.Resource` registers one, but with the
 * constant loader text of harbor/loader.ts as `__provider` instead of a serialized provider object, and inside the
 * stack-trace window above. The subclass's constructor stays the frame the SDK records as the source position.
 */
export abstract class HarborResource extends pulumi.CustomResource {
    protected constructor(type: HarborResourceType, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        const stacks = stackTraceWindow();
        try {
            super(`pulumi-nodejs:dynamic/${HARBOR_MODULE}:${type}`, name, { ...props, __provider: providerText(type) }, opts);
        } catch (err) {
            throw stacks.rethrow(err);
        } finally {
            stacks.close();
        }
    }
}
