export * from "./harbor";
export * from "./values";
export * from "./alerts";
