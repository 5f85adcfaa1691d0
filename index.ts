// Thin entry point: settings → program → exports. Invalid config throws before any resource is registered.
import { loadSettings } from "./config";
import { program } from "./program";

const outputs = program(loadSettings());

export const environment = outputs.environment;
export const externalUrl = outputs.externalUrl;
export const namespace = outputs.namespace;
export const adminUsername = outputs.adminUsername;
export const adminPassword = outputs.adminPassword;
export const bucket = outputs.bucket;
export const databaseEndpoint = outputs.databaseEndpoint;
export const projects = outputs.projects;
export const robotSecrets = outputs.robotSecrets;
export const images = outputs.images;
// prod only (inbound replication): read by dev's StackReference (see components/content PROD_OUTPUTS).
export const replicationEndpoint = outputs.replicationEndpoint;
export const replicationRobotName = outputs.replicationRobotName;
export const replicationRobotSecret = outputs.replicationRobotSecret;
