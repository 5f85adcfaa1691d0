// GarbageCollectionSchedule: Harbor's one garbage-collection schedule (PUT /system/gc/schedule), with its
// parameters: delete untagged artifacts, and the number of workers (1-10). One PUT creates, updates or deletes it
// (delete = type None); one GET reads it back (an empty body means no schedule). The parameters are
// always sent: Harbor's handler writes into them and fails without them.
import * as pulumi from "@pulumi/pulumi";
import { InputChecker } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource } from "./resource";
import { checkSchedule, SingletonScheduleInputs, SingletonScheduleProvider } from "./systemSchedule";

export interface GarbageCollectionScheduleInputs extends SingletonScheduleInputs {
    /** Also delete untagged artifacts. */
    deleteUntagged: boolean;
    /** Parallel GC workers, 1-10. */
    workers: number;
}

export class GarbageCollectionScheduleProvider extends SingletonScheduleProvider<GarbageCollectionScheduleInputs> {
    protected readonly path = "/system/gc/schedule";
    protected readonly singletonId = "garbage-collection";
    protected readonly typeName = "GarbageCollectionSchedule";
    protected readonly managed = ["schedule", "deleteUntagged", "workers"] as const;

    async check(_olds: GarbageCollectionScheduleInputs, news: GarbageCollectionScheduleInputs): Promise<pulumi.dynamic.CheckResult<GarbageCollectionScheduleInputs>> {
        const c = new InputChecker(news);
        const inputs: GarbageCollectionScheduleInputs = {
            connection: c.connection(),
            schedule: checkSchedule(c, "schedule", { required: true }),
            deleteUntagged: c.bool("deleteUntagged", false),
            workers: c.number("workers", { default: 1, min: 1, max: 10, hint: "parallel GC workers" })!,
        };
        return c.result(inputs);
    }

    protected parameters(i: GarbageCollectionScheduleInputs): Record<string, unknown> {
        return { delete_untagged: i.deleteUntagged, workers: i.workers, dry_run: false };
    }

    protected fromParameters(p: Record<string, unknown>): Partial<GarbageCollectionScheduleInputs> {
        return { deleteUntagged: p.delete_untagged === true, workers: typeof p.workers === "number" ? p.workers : 1 };
    }
}

/** The provider every GarbageCollectionSchedule uses, in the dynamic-provider host (harbor/hosted.ts). */
export const garbageCollectionScheduleProvider = new GarbageCollectionScheduleProvider();

export interface GarbageCollectionScheduleArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** 5-field cron or "hourly"/"daily"/"weekly"; "" = no scheduled GC. */
    schedule: pulumi.Input<string>;
    /** Also delete untagged artifacts. Default false. */
    deleteUntagged?: pulumi.Input<boolean>;
    /** Parallel workers, 1-10. Default 1. */
    workers?: pulumi.Input<number>;
}

/** Harbor's garbage-collection schedule (one per Harbor). */
export class GarbageCollectionSchedule extends HarborResource {
    /** The 6-field cron Harbor holds ("" = none). */
    declare readonly harborCron: pulumi.Output<string>;

    constructor(name: string, args: GarbageCollectionScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        super("GarbageCollectionSchedule", name, dynamicProps(args, ["harborCron"]), opts);
    }
}
