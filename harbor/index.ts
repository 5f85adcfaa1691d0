// Harbor dynamic resources (type tokens `pulumi-nodejs:dynamic/harbor:<Type>`), and their provider objects for
// direct testing. See ./README.md.
export { ConnectionArgs, HARBOR_MODULE } from "./resource";
export { HarborApiError, HarborClient, HarborClientOptions, HarborConnection } from "./client";
export { Ready, ReadyArgs, ReadyProvider, readyProvider } from "./ready";
export { Project, ProjectArgs, ProjectProvider, projectProvider, SEVERITIES, Severity } from "./project";
export { Registry, RegistryArgs, RegistryProvider, registryProvider, REGISTRY_TYPES, RegistryType } from "./registry";
export { DefaultScanner, DefaultScannerArgs, DefaultScannerProvider, defaultScannerProvider } from "./defaultScanner";
export { User, UserArgs, UserProvider, userProvider } from "./user";
export { ReplicationPolicy, ReplicationPolicyArgs, ReplicationPolicyProvider, replicationPolicyProvider, ReplicationFiltersArgs } from "./replicationPolicy";
export { Group, GroupArgs, GroupProvider, groupProvider, GROUP_TYPE_NAMES } from "./group";
export { ArtifactCheck, ArtifactCheckArgs, ArtifactCheckProvider, artifactCheckProvider, GATE_SEVERITIES, ScanGate } from "./artifactCheck";
export { ImageSignature, ImageSignatureArgs, ImageSignatureProvider, imageSignatureProvider } from "./imageSignature";
export { GarbageCollectionSchedule, GarbageCollectionScheduleArgs, GarbageCollectionScheduleProvider, garbageCollectionScheduleProvider } from "./gcSchedule";
export { PurgeAuditSchedule, PurgeAuditScheduleArgs, PurgeAuditScheduleProvider, purgeAuditScheduleProvider } from "./purgeAuditSchedule";
export { ProjectMember, ProjectMemberArgs, ProjectMemberGroupArgs, ProjectMemberProvider, projectMemberProvider, MEMBER_ROLE_NAMES } from "./projectMember";
export { RetentionPolicy, RetentionPolicyArgs, RetentionPolicyProvider, retentionPolicyProvider, RetentionRuleArgs, RETENTION_TEMPLATES } from "./retentionPolicy";
export { Label, LabelArgs, LabelProvider, labelProvider } from "./label";
export { ImmutableTagRule, ImmutableTagRuleArgs, ImmutableTagRuleProvider, immutableTagRuleProvider } from "./immutableTagRule";
export { RobotAccount, RobotAccountArgs, RobotAccountProvider, robotAccountProvider, RobotPermissionArgs, RobotAccessArgs, ROBOT_LEVELS } from "./robotAccount";
export { Webhook, WebhookArgs, WebhookProvider, webhookProvider, WEBHOOK_EVENT_TYPES } from "./webhook";
export { SystemConfig, SystemConfigArgs, SystemConfigProvider, systemConfigProvider, AUTH_MODES, LDAP_SCOPES } from "./systemConfig";
