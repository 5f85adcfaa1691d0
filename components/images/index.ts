export * from "./appImage";
