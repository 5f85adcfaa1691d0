// PurgeAuditSchedule: Harbor's one audit-log purge schedule (PUT /system/purgeaudit/schedule): how old (hours) an
// audit log entry must be to go, and which event types are purged. Both parameters are required by Harbor on
// every PUT, None included; delete PUTs type None (the Terraform provider re-applies the schedule instead).
import * as pulumi from "@pulumi/pulumi";
import { InputChecker } from "./provider";
import { ConnectionArgs, dynamicProps, HarborResource } from "./resource";
import { checkSchedule, SingletonScheduleInputs, SingletonScheduleProvider } from "./systemSchedule";

export const MAX_AUDIT_RETENTION_HOURS = 240000;

export interface PurgeAuditScheduleInputs extends SingletonScheduleInputs {
    /** Purge entries older than this many hours (1-240000). */
    retentionHours: number;
    /** Event types to purge (sorted, unique), e.g. create_artifact, pull_artifact. */
    includeEventTypes: string[];
}

export class PurgeAuditScheduleProvider extends SingletonScheduleProvider<PurgeAuditScheduleInputs> {
    protected readonly path = "/system/purgeaudit/schedule";
    protected readonly singletonId = "purge-audit";
    protected readonly typeName = "PurgeAuditSchedule";
    protected readonly managed = ["schedule", "retentionHours", "includeEventTypes"] as const;

    async check(_olds: PurgeAuditScheduleInputs, news: PurgeAuditScheduleInputs): Promise<pulumi.dynamic.CheckResult<PurgeAuditScheduleInputs>> {
        const c = new InputChecker(news);
        const inputs: PurgeAuditScheduleInputs = {
            connection: c.connection(),
            schedule: checkSchedule(c, "schedule", { required: true }),
            retentionHours: c.number("retentionHours", { required: true, min: 1, max: MAX_AUDIT_RETENTION_HOURS, hint: "hours" })!,
            includeEventTypes: c.stringList("includeEventTypes", {
                required: true, normalise: true, pattern: /^[a-z]+(_[a-z]+)*$/, patternHint: "expected an audit event type such as create_artifact, delete_artifact, pull_artifact",
            })!,
        };
        if (Array.isArray(inputs.includeEventTypes) && inputs.includeEventTypes.length === 0) c.fail("includeEventTypes", "includeEventTypes must list at least one event type (an empty list purges nothing)");
        return c.result(inputs);
    }

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

export interface PurgeAuditScheduleArgs {
    /** How to reach Harbor; held as a secret. */
    connection: pulumi.Input<ConnectionArgs>;
    /** 5-field cron or "hourly"/"daily"/"weekly"; "" = no scheduled purge. */
    schedule: pulumi.Input<string>;
    /** Purge audit entries older than this many hours (1-240000). */
    retentionHours: pulumi.Input<number>;
    /** Event types to purge, e.g. ["create_artifact", "delete_artifact", "pull_artifact"]. */
    includeEventTypes: pulumi.Input<pulumi.Input<string>[]>;
}

/** Harbor's audit-log purge schedule (one per Harbor). */
export class PurgeAuditSchedule extends HarborResource {
    /** The 6-field cron Harbor holds ("" = none). */
    declare readonly harborCron: pulumi.Output<string>;

    constructor(name: string, args: PurgeAuditScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        super("PurgeAuditSchedule", name, dynamicProps(args, ["harborCron"]), opts);
    }
}
