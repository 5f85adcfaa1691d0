// The mechanics every Harbor provider spec shares, so each spec keeps only its own assertions.
//
//   describe("harbor/Thing", () => {
//       const h = useHarborEmulator();
//       const p = new ThingProvider({ client: FAST_CLIENT });
//       const { checked, created, check, failuresOf } = providerKit(h, p, { name: "web" });
//       it("diff: a no-op makes ZERO requests ...", async () => assertNoOpDiff(h, p, await created()));
//       it("serializes ...", async () => assertSerializedLifecycle(h, checked, new ThingProvider({ client: FAST_CLIENT }), {
//           afterDelete: () => assert.equal(things().size, 0),
//       }));
//   });
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { Connection } from "../../harbor/provider";
import type { Fault, FaultMatch } from "../emulator";
import type { HarborResourceType } from "../../harbor/hosted";
import { engineProvider } from "./engine";
import { HarborTestEnv, rejection } from "./harbor";

/** Raw, unchecked inputs as a program would pass them (the connection is added by the kit). */
export type RawInputs = Record<string, unknown>;

/** The provider methods the kit drives; every Harbor provider has them (I = checked inputs, O = outputs). */
export interface KitProvider<I, O> {
    check(olds: I, news: I): Promise<pulumi.dynamic.CheckResult<I>>;
    create(inputs: I): Promise<pulumi.dynamic.CreateResult<O>>;
}

/** What `created` returns: the id, the outputs and the checked inputs they were made from. */
export interface Made<I, O> {
    id: string;
    outs: O;
    inputs: I;
}

export interface ProviderKit<I, O> {
    /** `check` of connection + base + `extra` through `provider` (default: the kit's); asserts no failures. */
    checked(extra?: RawInputs, provider?: KitProvider<I, O>): Promise<I>;
    /** `checked(extra)`, then `create` with the kit's provider. */
    created(extra?: RawInputs): Promise<Made<I, O>>;
    /** Raw `check` of connection + `news` only (no base inputs): for failures and missing-input cases. */
    check(news: RawInputs): Promise<pulumi.dynamic.CheckResult<I>>;
    /** The failures of `check(news)`, as { property: reason }. */
    failuresOf(news: RawInputs): Promise<Record<string, string>>;
}

/** Check failures as { property: reason } (the last one wins for a property listed twice). */
export function byProperty(failures: readonly { property: string; reason: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((failures ?? []).map((f) => [f.property, f.reason]));
}

/**
 * Input helpers for one provider under test. `base` holds the inputs a valid resource needs besides the connection
 * (a function when it depends on per-test state, e.g. an id seeded in beforeEach); the connection is the emulator's.
 */
export function providerKit<I, O>(h: HarborTestEnv, provider: KitProvider<I, O>, base: RawInputs | (() => RawInputs) = {}): ProviderKit<I, O> {
    const baseInputs = () => (typeof base === "function" ? base() : base);
    const kit: ProviderKit<I, O> = {
        async checked(extra = {}, via = provider) {
            const r = await via.check({} as I, { connection: h.connection(), ...baseInputs(), ...extra } as unknown as I);
            assert.deepEqual(r.failures, []);
            return r.inputs!;
        },
        async created(extra = {}) {
            const inputs = await kit.checked(extra);
            const r = await provider.create(inputs);
            return { id: r.id, outs: r.outs!, inputs };
        },
        check: (news) => provider.check({} as I, { connection: h.connection(), ...news } as unknown as I),
        failuresOf: async (news) => byProperty((await kit.check(news)).failures),
    };
    return kit;
}

/** The "nothing to do" diff: no change, no replacement. */
export const NO_CHANGE: pulumi.dynamic.DiffResult = { changes: false, replaces: [], deleteBeforeReplace: false };

/**
 * The diff contract every Harbor resource keeps: the created outputs against their own inputs are NO change, a
 * connection change alone (a rotated password, or `connection` overrides) changes nothing, and neither makes a
 * request. The request log starts empty here, so a spec can diff further and then assert `h.emu.log` is still empty.
 */
export async function assertNoOpDiff<I extends { connection: Connection }, O>(
    h: HarborTestEnv,
    provider: { diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> },
    made: Made<I, O>,
    opts: { connection?: Partial<Connection> } = {},
): Promise<void> {
    const { id, outs, inputs } = made;
    h.emu.resetLog();
    assert.deepEqual(await provider.diff(id, outs, inputs), NO_CHANGE);
    const rotated = { ...inputs, connection: { ...inputs.connection, password: "Other-Passw0rd", ...opts.connection } };
    assert.equal((await provider.diff(id, outs, rotated)).changes, false, "a connection change alone changes nothing");
    assert.equal(h.emu.log.length, 0, "diff makes no request");
}

/** A value as the engine stores it: JSON round-tripped, so undefined fields vanish. */
export const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/**
 * The requests a step made, compared as a multiset: which operations and how many times each, not their order (for
 * steps whose requests do not depend on one another, e.g. a read's GETs; where order matters, compare the list).
 */
export function assertSameCalls(actual: string[], expected: string[], message?: string): void {
    assert.deepEqual([...actual].sort(), [...expected].sort(), message ?? `requests: ${actual.join(", ")}`);
}

/**
 * The read contract: one `read` of what `created` made makes exactly the requests `ops` (operation ids, each as many
 * times, in any order),
 * returns the outputs and the inputs unchanged (as the engine stores them), and diffing the read state against the
 * inputs shows no phantom change. Returns the read result for the spec's own assertions.
 */
export async function assertReadRoundTrip<I, O>(
    h: HarborTestEnv,
    provider: { read(id: string, state?: O): Promise<pulumi.dynamic.ReadResult<O>>; diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult> },
    made: Made<I, O>,
    ops: string[],
): Promise<pulumi.dynamic.ReadResult<O>> {
    const { id, outs, inputs } = made;
    const { result, calls } = await h.during(() => provider.read(id, outs));
    // A read's requests are independent GETs: which and how many matter, not their order.
    assertSameCalls(calls.map((c) => c.operationId ?? `${c.method} ${c.path}`), ops);
    assert.equal(result.id, id);
    assert.deepEqual(plain(result.props), plain(outs));
    assert.deepEqual(plain(result.inputs), plain(inputs));
    assert.equal((await provider.diff(id, result.props as O, inputs)).changes, false, "no phantom diff after a read");
    return result;
}

/**
 * The engine-path smoke test: `type` driven through Pulumi's real dynamic-provider host (tests/helpers/engine.ts)
 * checks `extra`, creates, reads back (same id) and deletes. `afterCreate` and `afterDelete` hold the spec's own
 * assertions (e.g. that Harbor no longer holds the object).
 */
export async function assertEngineLifecycle<I, O>(
    h: HarborTestEnv,
    checked: ProviderKit<I, O>["checked"],
    type: HarborResourceType,
    opts: { extra?: RawInputs; afterCreate?: (outs: O) => void; afterDelete: (id: string) => void },
): Promise<void> {
    const engine = await engineProvider(type);
    assert.ok(!engine.providerText.includes(h.emu.password), "no credential in __provider");
    const inputs = await checked(opts.extra ?? {}, engine as unknown as KitProvider<I, O>);
    const { id, outs } = await engine.create(inputs);
    opts.afterCreate?.(outs as O);
    assert.equal((await engine.read(id, outs)).id, id);
    await engine.delete(id, outs);
    opts.afterDelete(id);
}

/**
 * Make every call matching `match` fail with `fault` (more times than the client retries), run `fn`, and return its
 * error: the spec then asserts the message names the method, path, status and attempts.
 */
export async function exhaustRetries(h: HarborTestEnv, match: FaultMatch, fault: Fault, fn: () => Promise<unknown>): Promise<Error> {
    h.emu.inject(match, fault, 10);
    return rejection(fn());
}

// ---------------------------------------------------------------------------------------------------------------
// Resource classes under Pulumi mocks

export interface ResourceMocks {
    /** Every registration, in order (cleared before each test). */
    readonly recorded: pulumi.runtime.MockResourceArgs[];
    /** The registration of the resource named `name`. */
    rec(name: string): pulumi.runtime.MockResourceArgs;
    /** A plain connection, as a program would pass it (its password must never show up in `__provider`). */
    readonly connection: Connection;
}

/**
 * Install Pulumi mocks for the current `describe`: each registration is recorded and answered with its inputs plus
 * `outputs` (the provider-computed outputs the class declares); any invoke fails the test.
 */
export function useResourceMocks(outputs: Record<string, unknown>): ResourceMocks {
    const recorded: pulumi.runtime.MockResourceArgs[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    recorded.push(a);
                    return { id: `${a.name}-id`, state: { ...a.inputs, ...outputs } };
                },
                call: (a) => {
                    throw new Error(`unexpected invoke ${a.token}`);
                },
            },
            "harbor-platform",
            "dev",
        );
    });
    beforeEach(() => (recorded.length = 0));
    return {
        recorded,
        rec: (name) => recorded.find((r) => r.name === name)!,
        connection: { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" },
    };
}

/** The value of an output (under mocks). */
export const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise<T>((r) => o.apply(r));

/**
 * The two behaviours of a resource inside a project when the connection is a project admin, not Harbor's admin
 * (Harbor answers a non-admin 403, not 404, for a missing project: src/server/v2.0/handler/base.go): once the project
 * is gone, read and delete through the engine's host end as gone (asked with HEAD /projects); in a project that still
 * exists, a 403 is an error naming the user and the role it takes. `extra`: the inputs that put it in `project`.
 */
export function describeProjectAdminAccess<I, O>(
    h: HarborTestEnv, type: HarborResourceType,
    provider: KitProvider<I, O> & { read(id: string, props: never): Promise<unknown>; delete(id: string, props: never): Promise<void> },
    kit: ProviderKit<I, O>,
    opts: { project: string; extra?: RawInputs; seedProject?: boolean },
): void {
    const { project, extra = {} } = opts;
    describe("a project-admin connection (Harbor answers a non-admin 403, not 404, for a missing project: handler/base.go)", () => {
        it("through the engine's host: read and delete end as gone once the project is gone (checked with HEAD /projects)", async () => {
            const { addProjectAdmin } = await import("../emulator/access");
            const { projectsArea } = await import("../emulator");
            if (opts.seedProject) h.emu.area(projectsArea).seed(project);
            const lead = addProjectAdmin(h.emu, "team-lead", [project]);
            const made = await kit.created({ ...extra, connection: h.connection(lead) });
            h.emu.area(projectsArea).remove(project);
            const engine = await engineProvider(type);
            h.emu.resetLog();
            assert.equal((await engine.read(made.id, made.outs)).id, "", "gone");
            await engine.delete(made.id, made.outs);
            assert.ok(h.emu.count("headProject") >= 2, "asked whether the project exists");
        });

        it("a 403 in a project that still exists is an error naming the user and the role it takes", async () => {
            const { addProjectAdmin } = await import("../emulator/access");
            const { projectsArea } = await import("../emulator");
            if (opts.seedProject) h.emu.area(projectsArea).seed(project);
            const made = await kit.created(extra);
            const outsider = addProjectAdmin(h.emu, "outsider");
            const outs = { ...made.outs, connection: h.connection(outsider) };
            const err = await rejection(provider.read(made.id, outs as never));
            assert.match(err.message, new RegExp(`Harbor refused to let user "outsider" read it in project "${project}" .*403 FORBIDDEN.*projectAdmin`));
            const del = await rejection(provider.delete(made.id, outs as never));
            assert.match(del.message, /user "outsider" delete it/);
        });
    });
}
