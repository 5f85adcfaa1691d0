export * from "./common";
export * from "./storage";
export * from "./data";
export * from "./harbor";
export * from "./content";
export * from "./images";
