// The library's public entry: every component, spec builder and shared constant.
export * from "./base";
export * from "./catalog";
export * from "./cdc-job";
export * from "./connect";
export * from "./engines";
export * from "./kafka";
export * from "./lakehouse";
export * from "./mysql";
export * from "./network";
export * from "./postgres";
export * from "./service";
export * from "./settings";
export * from "./storage";
export * from "./topics";
export * from "./versions";
export * as specs from "./specs";
export * from "./config";
export * from "./connector";
