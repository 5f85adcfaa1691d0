// PurgeAuditSchedule: Harbor's one audit-log purge schedule (PUT /system/purgeaudit/schedule): how old (hours) an
// audit log entry must be to go, and which event types are purged. Both parameters are required by Harbor on
// every PUT, None included; delete PUTs type None (the Terraform provider re-applies the schedule instead).
import * as pulumi from "@pulumi/pulumi";
import { numberField, scheduleField, stringListField } from "./fields";
import { dynamicProps, HarborResource } from "./resource";
import { ArgsOf, declareResource, InputsOf, requiredInput } from "./schema";
import { SingletonScheduleProvider } from "./systemSchedule";

export const MAX_AUDIT_RETENTION_HOURS = 240000;

/** The declaration: check, diff, types and the README table come from here. */
export const PURGE_AUDIT_SCHEDULE = declareResource({
    type: "PurgeAuditSchedule",
    inputs: {
        schedule: requiredInput(scheduleField({ required: true }), "When the purge runs; `\"\"` = no scheduled purge."),
        retentionHours: requiredInput(numberField({ required: true, min: 1, max: MAX_AUDIT_RETENTION_HOURS, hint: "hours" }), "Purge audit entries older than this many hours."),
        includeEventTypes: requiredInput(stringListField({
            required: true, normalise: true, pattern: /^[a-z]+(_[a-z]+)*$/, patternHint: "expected an audit event type such as create_artifact, delete_artifact, pull_artifact",
        }), "Event types to purge, e.g. create_artifact, pull_artifact (sorted, unique)."),
    },
    outputs: { harborCron: { doc: "The 6-field cron Harbor holds (`\"\"` = none)." } },
    rules: (i, fail) => {
        if (Array.isArray(i.includeEventTypes) && i.includeEventTypes.length === 0) fail("includeEventTypes", "includeEventTypes must list at least one event type (an empty list purges nothing)");
    },
});

export type PurgeAuditScheduleInputs = InputsOf<typeof PURGE_AUDIT_SCHEDULE.spec.inputs>;
export type PurgeAuditScheduleArgs = ArgsOf<typeof PURGE_AUDIT_SCHEDULE.spec.inputs>;

export class PurgeAuditScheduleProvider extends SingletonScheduleProvider<PurgeAuditScheduleInputs> {
    protected readonly path = "/system/purgeaudit/schedule";
    protected readonly singletonId = "purge-audit";
    protected readonly declaration = PURGE_AUDIT_SCHEDULE;

    protected parameters(i: PurgeAuditScheduleInputs): Record<string, unknown> {
        return { audit_retention_hour: i.retentionHours, include_event_types: i.includeEventTypes.join(","), dry_run: false };
    }

    protected fromParameters(p: Record<string, unknown>, previous: PurgeAuditScheduleInputs): Partial<PurgeAuditScheduleInputs> {
        const hours = Number(p.audit_retention_hour);
        const types = typeof p.include_event_types === "string" ? p.include_event_types : "";
        return {
            retentionHours: Number.isFinite(hours) ? hours : previous.retentionHours,
            includeEventTypes: [...new Set(types.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))].sort(),
        };
    }
}

/** The provider every PurgeAuditSchedule uses, in the dynamic-provider host (harbor/hosted.ts). */
export const purgeAuditScheduleProvider = new PurgeAuditScheduleProvider();

/** Harbor's audit-log purge schedule (one per Harbor). */
export class PurgeAuditSchedule extends HarborResource {
    /** The 6-field cron Harbor holds ("" = none). */
    declare readonly harborCron: pulumi.Output<string>;

    constructor(name: string, args: PurgeAuditScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        super(PURGE_AUDIT_SCHEDULE.type, name, dynamicProps(args, PURGE_AUDIT_SCHEDULE.outputNames), opts);
    }
}
