// Resource-side helpers (run in the Pulumi program, never serialized into a provider).
import * as pulumi from "@pulumi/pulumi";

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

/** Wrap the connection as a secret, so the password never lands in plain state. */
export function secretConnection(connection: pulumi.Input<ConnectionArgs>): pulumi.Output<pulumi.Unwrap<ConnectionArgs>> {
    return pulumi.secret(connection) as pulumi.Output<pulumi.Unwrap<ConnectionArgs>>;
}

/** Resource options with extra `additionalSecretOutputs` (for values Harbor generates, e.g. robot secrets). */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, names: string[]): pulumi.CustomResourceOptions {
    return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...names] };
}

/** Input props for `super(...)`: the args with the connection made secret and every output seeded undefined. */
export function dynamicProps<A extends { connection: pulumi.Input<ConnectionArgs> }>(args: A, outputs: readonly string[]): Record<string, unknown> {
    const props: Record<string, unknown> = { ...args, connection: secretConnection(args.connection) };
    for (const o of outputs) props[o] = undefined;
    return props;
}
