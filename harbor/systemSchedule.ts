// Shared helpers for Harbor's schedules: the check of a schedule input (also used by RetentionPolicy), and for the
// system schedules (scan-all, garbage collection, audit-log purge) the `Schedule` body they accept and the schedule
// they report back.
//
// Harbor quirks (see harbor/README.md, GarbageCollectionSchedule): GET answers 200 with an EMPTY body when there
// is no schedule (not a 404); `type: "None"` in a PUT removes the schedule; PUT creates or replaces it (POST 412s or
// 409s when one exists, so these resources only PUT). GC and purge report their parameters as a JSON *string*
// (`job_parameters`); GC's handler writes into the parameters map, so it must always be sent (a missing map is a 500).
import type * as pulumi from "@pulumi/pulumi";
import { fromHarborCron, harborScheduleType, HarborScheduleType, toHarborCron } from "./cron";
import { scheduleField } from "./fields";
import { Connection, DeclaredProvider, GONE, InputChecker, pick, requireState } from "./provider";

/** The body of PUT /system/{scanAll,gc,purgeaudit}/schedule. */
export interface ScheduleBody {
    schedule: { type: HarborScheduleType; cron: string };
    parameters?: Record<string, unknown>;
}

/** What GET returns (scan-all: `Schedule`; gc/purge: `GCHistory`/`ExecHistory`); undefined/empty = none. */
export interface ApiSchedule {
    schedule?: { type?: string; cron?: string } | null;
    /** gc / purge: the parameters as a JSON string. */
    job_parameters?: string;
    /** scan-all: the parameters as an object. */
    parameters?: Record<string, unknown> | null;
}

/**
 * Read and check a schedule input (5-field cron or hourly/daily/weekly; "" = none, the default unless `required`):
 * a bad one fails naming `prop`, a good one is normalised, an unknown one (preview) passes through.
 */
export function checkSchedule(c: InputChecker, prop: string, opts: { required?: boolean } = {}): string {
    return c.field(prop, scheduleField(opts))!;
}

/** A user schedule ("" = none) as Harbor's body; `parameters` are sent when given (even for None). */
export function scheduleBody(schedule: string, parameters?: Record<string, unknown>): ScheduleBody {
    const type = harborScheduleType(schedule);
    return { schedule: { type, cron: type === "None" ? "" : toHarborCron(schedule) }, ...(parameters ? { parameters } : {}) };
}

/** True when GET reported no schedule (empty body, no cron, or type None). */
export function isNoSchedule(body: ApiSchedule | undefined | null | string): boolean {
    if (!body || typeof body !== "object") return true;
    const type = body.schedule?.type ?? "";
    return !body.schedule || type === "" || type.toLowerCase() === "none" || !(body.schedule.cron ?? "").trim();
}

/** The schedule read back, in the user's form (`previous` keeps "daily" vs "0 0 * * *" stable). */
export function readScheduleCron(body: ApiSchedule | undefined | null | string, previous: string | undefined): string {
    if (isNoSchedule(body)) return "";
    return fromHarborCron((body as ApiSchedule).schedule?.cron, previous);
}

/** The parameters read back (gc/purge `job_parameters` JSON string, or scan-all `parameters`); {} when none. */
export function readScheduleParameters(body: ApiSchedule | undefined | null | string): Record<string, unknown> {
    if (!body || typeof body !== "object") return {};
    if (body.job_parameters) {
        try {
            const parsed = JSON.parse(body.job_parameters) as unknown;
            return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
        } catch {
            return {};
        }
    }
    return body.parameters ?? {};
}

// ---------------------------------------------------------------------------------------------------------------
// Singleton schedule resources (garbage collection, audit-log purge): one PUT to create, update or delete, one GET
// to read. They share this base; each supplies its path, id, parameters and how to read them back.

/** Inputs every singleton schedule has. */
export interface SingletonScheduleInputs {
    connection: Connection;
    /** 5-field cron or hourly/daily/weekly; "" = no schedule. */
    schedule: string;
}

/** Outputs every singleton schedule adds: the cron Harbor holds (6 fields, seconds first). */
export interface SingletonScheduleOutputs {
    harborCron: string;
}

export abstract class SingletonScheduleProvider<I extends SingletonScheduleInputs> extends DeclaredProvider<I, I & SingletonScheduleOutputs>
    implements pulumi.dynamic.ResourceProvider<I, I & SingletonScheduleOutputs> {
    /** The schedule's declaration: check and diff (nothing replaces: one object per Harbor), type, managed keys. */
    protected abstract readonly declaration: {
        readonly type: string;
        readonly managed: readonly PropertyKey[];
        readonly spec: { readonly inputs: object };
        check(news: unknown): pulumi.dynamic.CheckResult;
        diff(olds: never, news: never): pulumi.dynamic.DiffResult;
    };
    /** API path, e.g. /system/gc/schedule. */
    protected abstract readonly path: string;
    /** The resource id (there is one such schedule per Harbor). */
    protected abstract readonly singletonId: string;

    /** The `parameters` Harbor needs with every PUT (None included). */
    protected abstract parameters(inputs: I): Record<string, unknown>;
    /** Managed fields other than schedule, from the parameters Harbor reports. */
    protected abstract fromParameters(params: Record<string, unknown>, previous: I): Partial<I>;

    /** One PUT (creates or replaces; idempotent, so retried safely). */
    async create(inputs: I): Promise<pulumi.dynamic.CreateResult<I & SingletonScheduleOutputs>> {
        return this.withClient(inputs.connection, async (c) => {
            const body = scheduleBody(inputs.schedule, this.parameters(inputs));
            await c.put(this.path, body);
            return { id: this.singletonId, outs: { ...inputs, harborCron: body.schedule.cron } };
        });
    }

    /** One GET; no schedule while one is wanted = gone (a later `up` puts it back). */
    async read(id: string, state?: I & SingletonScheduleOutputs): Promise<pulumi.dynamic.ReadResult<I & SingletonScheduleOutputs>> {
        const props = requireState(state, this.declaration.type);
        return this.withClient(props.connection, async (c) => {
            const body = await c.get<ApiSchedule | undefined>(this.path);
            if (isNoSchedule(body) && props.schedule !== "") return GONE;
            // With no schedule Harbor keeps no parameters either: the stored ones stand.
            const params = isNoSchedule(body) ? {} : this.fromParameters(readScheduleParameters(body), props);
            const outs = {
                ...props,
                ...params,
                schedule: readScheduleCron(body, props.schedule),
                harborCron: isNoSchedule(body) ? "" : (body as ApiSchedule).schedule?.cron ?? "",
            } as I & SingletonScheduleOutputs;
            return { id, props: outs, inputs: pick(outs, ["connection", ...this.declaration.managed] as (keyof (I & SingletonScheduleOutputs))[]) as I & SingletonScheduleOutputs };
        });
    }

    /** One PUT with the new schedule and parameters. */
    async update(_id: string, _olds: I & SingletonScheduleOutputs, news: I): Promise<pulumi.dynamic.UpdateResult<I & SingletonScheduleOutputs>> {
        return this.withClient(news.connection, async (c) => {
            const body = scheduleBody(news.schedule, this.parameters(news));
            await c.put(this.path, body);
            return { outs: { ...news, harborCron: body.schedule.cron } };
        });
    }

    /** One PUT of type None (the schedule is removed; parameters are still sent, Harbor validates them first). */
    async delete(_id: string, props: I & SingletonScheduleOutputs): Promise<void> {
        await this.withClient(props.connection, (c) => c.put(this.path, scheduleBody("", this.parameters(props))));
    }
}
