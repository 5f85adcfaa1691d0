export * from "./aws";
