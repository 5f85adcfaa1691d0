// GarbageCollectionSchedule: Harbor's one garbage-collection schedule (PUT /system/gc/schedule), with its
// parameters: delete untagged artifacts, and the number of workers (1-10). One PUT creates, updates or deletes it
// (delete = type None); one GET reads it back (an empty body means no schedule). The parameters are
// always sent: Harbor's handler writes into them and fails without them.
import * as pulumi from "@pulumi/pulumi";
import { boolField, numberField, scheduleField } from "./fields";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, input, InputsOf, requiredInput } from "./schema";
import { SingletonScheduleProvider } from "./systemSchedule";

/** The declaration: check, diff, types and the README table come from here. */
export const GARBAGE_COLLECTION_SCHEDULE = declareResource({
    type: "GarbageCollectionSchedule",
    inputs: {
        schedule: requiredInput(scheduleField({ required: true }), "When GC runs; `\"\"` = no scheduled GC."),
        deleteUntagged: input(boolField(false), "Also delete untagged artifacts."),
        // Harbor: handler/gc.go validateWorkers (1-10).
        workers: input(numberField({ default: 1, min: 1, max: 10, hint: "parallel GC workers" }), "Parallel GC workers."),
    },
    outputs: { harborCron: { doc: "The 6-field cron Harbor holds (`\"\"` = none)." } },
});

export type GarbageCollectionScheduleInputs = InputsOf<typeof GARBAGE_COLLECTION_SCHEDULE.spec.inputs>;
export type GarbageCollectionScheduleArgs = ArgsOf<typeof GARBAGE_COLLECTION_SCHEDULE.spec.inputs>;

export class GarbageCollectionScheduleProvider extends SingletonScheduleProvider<GarbageCollectionScheduleInputs> {
    protected readonly path = "/system/gc/schedule";
    protected readonly singletonId = "garbage-collection";
    protected readonly declaration = GARBAGE_COLLECTION_SCHEDULE;

    protected parameters(i: GarbageCollectionScheduleInputs): Record<string, unknown> {
        return { delete_untagged: i.deleteUntagged, workers: i.workers, dry_run: false };
    }

    protected fromParameters(p: Record<string, unknown>): Partial<GarbageCollectionScheduleInputs> {
        return { deleteUntagged: p.delete_untagged === true, workers: typeof p.workers === "number" ? p.workers : 1 };
    }
}

/** The provider every GarbageCollectionSchedule uses, in the dynamic-provider host (harbor/hosted.ts). */
export const garbageCollectionScheduleProvider = new GarbageCollectionScheduleProvider();

/** Harbor's garbage-collection schedule (one per Harbor). */
export class GarbageCollectionSchedule extends HarborResource {
    /** The 6-field cron Harbor holds ("" = none). */
    declare readonly harborCron: pulumi.Output<string>;

    constructor(name: string, args: GarbageCollectionScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        super(GARBAGE_COLLECTION_SCHEDULE.type, name, dynamicProps(args, GARBAGE_COLLECTION_SCHEDULE.outputNames), opts);
    }
}
