export * from "./harbor";
export * from "./values";
