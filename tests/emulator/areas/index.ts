// Every emulator area, in installation order (an area may use the state of areas listed before it).
// To add one: create tests/emulator/areas/<area>.ts exporting `defineArea({...})`, and append it here.
import { Area } from "../server";
import { healthArea } from "./health";
import { projectsArea } from "./projects";
import { quotasArea } from "./quotas";
import { repositoriesArea } from "./repositories";
import { scannersArea } from "./scanners";
import { configurationsArea } from "./configurations";
import { systemSchedulesArea } from "./systemSchedules";
import { webhooksArea } from "./webhooks";
import { labelsArea } from "./labels";
import { usersArea } from "./users";
import { userGroupsArea } from "./usergroups";
import { membersArea } from "./members";
import { robotsArea } from "./robots";
import { registriesArea } from "./registries";
import { replicationArea } from "./replication";
import { artifactsArea } from "./artifacts";
import { retentionsArea } from "./retentions";
import { immutableTagRulesArea } from "./immutabletagrules";
import { auditLogsArea } from "./auditlogs";
import { distributionArea } from "./distribution";

export const ALL_AREAS: readonly Area<any>[] = [healthArea, projectsArea, quotasArea, repositoriesArea, registriesArea, usersArea, userGroupsArea, membersArea, robotsArea, scannersArea, configurationsArea, systemSchedulesArea, webhooksArea, labelsArea, replicationArea, artifactsArea, retentionsArea, immutableTagRulesArea, auditLogsArea, distributionArea]; // eslint-disable-line @typescript-eslint/no-explicit-any
