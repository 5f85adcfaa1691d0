// Shared helpers for testing Harbor providers against the emulator (tests/emulator).
//
//   describe("Thing", () => {
//       const h = useHarborEmulator();          // fresh emulator per test; fails the test on any spec violation
//       const p = new ThingProvider({ client: FAST_CLIENT });
//       it("...", async () => {
//           const { result, calls } = await h.during(() => p.diff(id, olds, news));
//           assert.equal(calls.length, 0);
//       });
//   });
import { strict as assert } from "assert";
import type { HarborClientOptions } from "../../harbor/client";
import type { Connection } from "../../harbor/provider";
import { HarborEmulator, LoggedRequest } from "../emulator";

/** Client options for tests: short timeout, a few retries, no real sleeping. */
export const FAST_CLIENT: HarborClientOptions = {
    timeoutMs: 300,
    retries: 3,
    baseDelayMs: 1,
    maxDelayMs: 5,
    sleep: async () => undefined,
};

export interface HarborTestEnv {
    /** The running emulator (fresh for each test). */
    readonly emu: HarborEmulator;
    /** A valid connection to it (admin credentials). */
    connection(overrides?: Partial<Connection>): Connection;
    /** Run `fn` and return the requests it made (logged by the emulator). */
    during<T>(fn: () => Promise<T>): Promise<{ result: T; calls: LoggedRequest[] }>;
    /** Operation ids of the requests `fn` made, in order. */
    opsDuring(fn: () => Promise<unknown>): Promise<string[]>;
}

/**
 * Register hooks in the current `describe`: start a fresh emulator (validating against the carried contract) before each test,
 * and after it stop the emulator and FAIL the test if any request broke the spec or the client rules.
 */
export function useHarborEmulator(): HarborTestEnv {
    let emu: HarborEmulator | undefined;
    beforeEach(async () => {
        emu = await new HarborEmulator().start();
    });
    afterEach(async function () {
        if (!emu) return;
        const violations = emu.takeViolations();
        await emu.stop();
        emu = undefined;
        if (this.currentTest?.state !== "failed") assert.deepEqual(violations, [], "requests the Harbor spec does not allow");
    });
    const env: HarborTestEnv = {
        get emu() {
            if (!emu) throw new Error("emulator not started (use inside it/beforeEach)");
            return emu;
        },
        connection: (overrides = {}) => ({ url: env.emu.url, username: env.emu.username, password: env.emu.password, ...overrides }),
        async during(fn) {
            const start = env.emu.log.length;
            const result = await fn();
            return { result, calls: env.emu.log.slice(start) };
        },
        async opsDuring(fn) {
            const { calls } = await env.during(fn);
            return calls.map((c) => c.operationId ?? `${c.method} ${c.path}`);
        },
    };
    return env;
}

/** Expect a promise to reject; returns the error for further assertions. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a rejection");
}
