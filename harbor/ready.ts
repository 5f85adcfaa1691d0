// Ready: waits until Harbor reports healthy on /api/v2.0/health (bounded), so configuration starts only once Harbor
// is up after a deploy, then PROVES the credentials with GET /users/current. Outputs `healthy` and `version`
// (harbor_version from /systeminfo).
//
// Harbor v2.15.2: wrong credentials are not refused by themselves: the basic-auth generator gives no security
// context and the request goes on ANONYMOUSLY (src/server/middleware/security/basic_auth.go, Generate), so /health
// and /systeminfo answer 200 (the latter without harbor_version). GET /users/current answers 401 to anonymous
// (src/server/v2.0/handler/user.go, GetCurrentUserInfo: RequireAuthenticated) and 412 to a robot (authenticated, but
// not a local user). A failed login locks the user name for 1.5 s (src/core/auth/authenticator.go, Login), so
// even the right password is anonymous right after someone's failed attempt: the check is retried after a pause
// (`loginPauseMs`, default 2 s, at most LOGIN_ATTEMPTS times, never past the deadline), never hammered.
import * as pulumi from "@pulumi/pulumi";
import { clientOptionsFromEnv, HarborApiError, HarborClient } from "./client";
import { checkField, numberField, stringField } from "./fields";
import { DeclaredProvider, HarborProviderOptions, pick, requireState } from "./provider";
import { engineLog } from "./engineLog";
import { PollClock, PollResult, pollUntil } from "./poll";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, input, InputsOf, optionalInput } from "./schema";
import type { OverallHealthStatus } from "./api.gen";

/** How often a waiting Ready reports progress (the first report comes with the first check that is not healthy). */
const PROGRESS_EVERY_MS = 30_000;

const TIMEOUT = numberField({ default: 600, integer: false, min: 1, max: 86_400 });
const INTERVAL = numberField({ default: 5, integer: false, min: 0.001, max: 3600 });
/** The value is a number its field accepts (not a failed or unknown one). */
const valid = (field: typeof TIMEOUT, v: unknown): v is number => typeof v === "number" && checkField(field, v).failures.length === 0;

/**
 * The declaration: check, diff, types and the README table come from here. Nothing here reaches Harbor as a
 * setting (Ready only reads /health, /users/current and /systeminfo), so no Harbor rule applies to its inputs.
 */
export const READY = declareResource({
    type: "Ready",
    inputs: {
        timeoutSeconds: input(TIMEOUT, "Give up after this many seconds."),
        intervalSeconds: input(INTERVAL, "Seconds between checks (at most `timeoutSeconds`)."),
        trigger: optionalInput(stringField(), "Any change waits for health again (e.g. the Helm release revision)."),
    },
    outputs: {
        healthy: { doc: "true once Harbor reported healthy." },
        version: { doc: "`harbor_version` from /systeminfo, e.g. `v2.15.2-080b0220`." },
    },
    rules: (i, fail) => {
        if (valid(TIMEOUT, i.timeoutSeconds) && valid(INTERVAL, i.intervalSeconds) && i.intervalSeconds > i.timeoutSeconds) {
            fail("intervalSeconds", `intervalSeconds (${i.intervalSeconds}) must not exceed timeoutSeconds (${i.timeoutSeconds})`);
        }
    },
});

export type ReadyInputs = InputsOf<typeof READY.spec.inputs>;
export type ReadyArgs = ArgsOf<typeof READY.spec.inputs>;

export interface ReadyOutputs extends ReadyInputs {
    healthy: boolean;
    version: string;
}

const INPUT_KEYS = ["connection", ...READY.managed] as const;

/** `sleep`/`now` are injected by tests. */
export interface ReadyProviderOptions extends HarborProviderOptions, PollClock {
    /** Pause before checking the credentials again after a 401 (past Harbor's 1.5 s login lock). Default 2000. */
    loginPauseMs?: number;
}

/** `HARBOR_READY_LOGIN_PAUSE_MS` from the `pulumi` command's environment (the host inherits it), if a whole number. */
function loginPauseFromEnv(): number | undefined {
    const raw = process.env.HARBOR_READY_LOGIN_PAUSE_MS;
    return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** How many times the credentials are checked before a 401 is final. */
const LOGIN_ATTEMPTS = 3;

export class ReadyProvider extends DeclaredProvider<ReadyInputs, ReadyOutputs> implements pulumi.dynamic.ResourceProvider<ReadyInputs, ReadyOutputs> {
    constructor(protected readonly readyOptions: ReadyProviderOptions = {}) {
        super(readyOptions);
    }

    protected readonly declaration = READY;

    async create(inputs: ReadyInputs): Promise<pulumi.dynamic.CreateResult<ReadyOutputs>> {
        const outs = await this.waitHealthy(inputs);
        return { id: new URL(inputs.connection.url).host, outs };
    }

    async update(_id: string, _olds: ReadyOutputs, news: ReadyInputs): Promise<pulumi.dynamic.UpdateResult<ReadyOutputs>> {
        return { outs: await this.waitHealthy(news) };
    }

    /** Refresh re-reads the version only (one request); it does not wait. */
    async read(id: string, state?: ReadyOutputs): Promise<pulumi.dynamic.ReadResult<ReadyOutputs>> {
        const props = requireState(state, "Ready");
        const version = await this.withClient(props.connection, (c) => this.version(c));
        const outs = { ...props, version };
        return { id, props: outs, inputs: pick(outs, INPUT_KEYS) as ReadyOutputs };
    }

    /** Nothing to delete in Harbor. */
    async delete(): Promise<void> {}

    private async waitHealthy(inputs: ReadyInputs): Promise<ReadyOutputs> {
        const started = (this.readyOptions.now ?? Date.now)();
        // Polling is the retry loop: one attempt per check, each bounded by what is left of the deadline.
        const perCheckMs = Math.max(1, Math.min(this.options.client?.timeoutMs ?? clientOptionsFromEnv().timeoutMs ?? 10_000, inputs.timeoutSeconds * 1000));
        const probeOptions = { ...this.options.client, retries: 0, timeoutMs: perCheckMs };
        let last = "no answer yet";
        const probe = new HarborClient(inputs.connection, probeOptions);
        // A line in `pulumi up`'s output when the wait starts, then every PROGRESS_EVERY_MS: a 15-minute wait must not look hung.
        const progress = engineLog();
        const waitStarted = Date.now();
        let lastProgress = -Infinity;
        const report = async () => {
            const now = Date.now();
            if (now - lastProgress < PROGRESS_EVERY_MS) return;
            lastProgress = now;
            const waited = Math.round((now - waitStarted) / 1000);
            await progress.info(`Waiting for Harbor at ${inputs.connection.url} to become healthy (${waited} s of ${inputs.timeoutSeconds} s): ${last}`);
        };
        try {
            await pollUntil(
                this.readyOptions,
                { timeoutMs: inputs.timeoutSeconds * 1000, intervalMs: inputs.intervalSeconds * 1000 },
                async (): Promise<PollResult<true>> => {
                    try {
                        const health = await probe.get<OverallHealthStatus>("/health");
                        if (health?.status === "healthy") return { done: true, value: true };
                        const down = (health?.components ?? []).filter((x) => x.status !== "healthy").map((x) => x.name);
                        last = `${health?.status ?? "no status"}${down.length ? ` (not healthy: ${down.join(", ")})` : ""}`;
                    } catch (err) {
                        // Harbor answered, and said no: waiting will not fix the credentials.
                        if (err instanceof HarborApiError && (err.status === 401 || err.status === 403)) {
                            throw new Error(`Harbor at ${inputs.connection.url} rejected the credentials of user "${inputs.connection.username}" (${err.status} ${err.code}) on /api/v2.0/health`);
                        }
                        last = err instanceof HarborApiError ? (err.status ? `HTTP ${err.status} ${err.code}` : `${err.code}: ${err.detail}`) : String(err);
                    }
                    await report();
                    return { done: false };
                },
                (checks) => new Error(`Harbor at ${inputs.connection.url} did not become healthy within ${inputs.timeoutSeconds} s (${checks} checks of /api/v2.0/health); last status: ${last}`),
            );
        } finally {
            progress.close();
            await probe.close();
        }
        const version = await this.withClient(inputs.connection, async (c) => {
            await this.proveCredentials(c, inputs, started + inputs.timeoutSeconds * 1000);
            return this.version(c);
        });
        return { ...inputs, healthy: true, version };
    }

    /**
     * GET /users/current until it is not a 401 (at most LOGIN_ATTEMPTS, a pause between, never past `deadline`):
     * 200 = a user, 412 = a robot (both authenticated); a 401 every time = the credentials are wrong.
     */
    private async proveCredentials(c: HarborClient, inputs: ReadyInputs, deadline: number): Promise<void> {
        const sleep = this.readyOptions.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
        const now = this.readyOptions.now ?? Date.now;
        const pause = this.readyOptions.loginPauseMs ?? loginPauseFromEnv() ?? 2000;
        for (let attempt = 1; ; attempt++) {
            try {
                await c.get("/users/current");
                return;
            } catch (err) {
                if (err instanceof HarborApiError && err.status === 412) return; // a robot: signed in, not a local user
                if (!(err instanceof HarborApiError) || err.status !== 401) throw err;
                if (attempt >= LOGIN_ATTEMPTS || now() + pause > deadline) {
                    throw new Error(
                        `Harbor at ${inputs.connection.url} did not accept the credentials of user "${inputs.connection.username}": ` +
                            `GET /api/v2.0/users/current answered 401 ${attempt === 1 ? "once" : `${attempt} times`} (Harbor treats a wrong username or password as an anonymous caller). ` +
                            `Check connection.username and connection.password.`,
                    );
                }
                await sleep(pause); // past Harbor's 1.5 s lock after someone's failed login
            }
        }
    }

    private async version(c: HarborClient): Promise<string> {
        const info = await c.get<{ harbor_version?: string }>("/systeminfo");
        return info?.harbor_version ?? "";
    }
}

/** The provider every Ready uses, in the dynamic-provider host (harbor/hosted.ts). */
export const readyProvider = new ReadyProvider();

/**
 * Waits until Harbor's /api/v2.0/health reports healthy. Make Harbor resources depend on it
 * (`{ dependsOn: [ready] }`) so they are configured only once Harbor is up.
 */
export class Ready extends HarborResource {
    declare readonly healthy: pulumi.Output<boolean>;
    /** harbor_version from /systeminfo, e.g. "v2.15.2-080b0220". */
    declare readonly version: pulumi.Output<string>;

    constructor(name: string, args: ReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(READY.type, name, dynamicProps(args, READY.outputNames), opts);
    }
}
