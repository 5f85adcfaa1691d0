// Every resource's declaration (harbor/schema.ts): all 18 are declared, so check, diff, the input types, the
// registered outputs and harbor/README.md's input tables come from these (see harbor/README.md "Declaring a
// resource"). A new resource is declared first and listed here.
import { ARTIFACT_CHECK } from "./artifactCheck";
import { DEFAULT_SCANNER } from "./defaultScanner";
import { GARBAGE_COLLECTION_SCHEDULE } from "./gcSchedule";
import { IMAGE_SIGNATURE } from "./imageSignature";
import { IMMUTABLE_TAG_RULE } from "./immutableTagRule";
import { LABEL } from "./label";
import { PROJECT } from "./project";
import { PROJECT_MEMBER } from "./projectMember";
import { PURGE_AUDIT_SCHEDULE } from "./purgeAuditSchedule";
import { READY } from "./ready";
import { RETENTION_POLICY } from "./retentionPolicy";
import { SYSTEM_CONFIG } from "./systemConfig";
import { WEBHOOK } from "./webhook";
import { REGISTRY } from "./registry";
import { REPLICATION_POLICY } from "./replicationPolicy";
import { USER } from "./user";
import { GROUP } from "./group";
import { ROBOT_ACCOUNT } from "./robotAccount";

export const DECLARATIONS = [GARBAGE_COLLECTION_SCHEDULE, PURGE_AUDIT_SCHEDULE, READY, DEFAULT_SCANNER, WEBHOOK, RETENTION_POLICY, IMMUTABLE_TAG_RULE, LABEL, PROJECT, ARTIFACT_CHECK, REGISTRY, REPLICATION_POLICY, USER, GROUP, PROJECT_MEMBER, IMAGE_SIGNATURE, SYSTEM_CONFIG, ROBOT_ACCOUNT] as const;
