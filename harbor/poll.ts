// Bounded polling with an injectable clock, shared by the resources that wait on Harbor (Ready: health;
// ArtifactCheck: the vulnerability scan).

/** The clock a waiting provider uses; tests inject a fake one so that waits take no real time. */
export interface PollClock {
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}

/** One attempt's verdict: done (with the value), or not yet. */
export type PollResult<T> = { done: true; value: T } | { done: false };

/**
 * Calls `attempt` (with its 1-based number) until it is done, sleeping `intervalMs` between attempts but never past
 * the deadline (`timeoutMs` after the call). An attempt that is not done once the deadline has passed ends the wait
 * with `timedOut(attempts)`; an error thrown by `attempt` ends it at once (e.g. refused credentials).
 */
export async function pollUntil<T>(
    clock: PollClock,
    timing: { timeoutMs: number; intervalMs: number },
    attempt: (n: number) => Promise<PollResult<T>>,
    timedOut: (attempts: number) => Error,
): Promise<T> {
    const sleep = clock.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = clock.now ?? Date.now;
    const deadline = now() + timing.timeoutMs;
    for (let n = 1; ; n++) {
        const r = await attempt(n);
        if (r.done) return r.value;
        const left = deadline - now();
        if (left <= 0) throw timedOut(n);
        await sleep(Math.min(timing.intervalMs, left));
    }
}
