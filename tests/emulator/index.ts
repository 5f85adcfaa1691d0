export * from "./server";
export * from "./swagger";
export { ALL_AREAS } from "./areas";
export { healthArea, HealthState } from "./areas/health";
export { projectsArea, ProjectsState, ProjectRecord, resolveProject } from "./areas/projects";
export { quotasArea } from "./areas/quotas";
export { repositoriesArea } from "./areas/repositories";
