// Pure spec builders: typed args in, plain data out. No Pulumi import below this folder.
export * from "./catalog";
export * from "./cdc-job";
export * from "./connect";
export * from "./engines";
export * from "./kafka";
export * from "./kubernetes";
export * from "./maintenance";
export * from "./mysql";
export * from "./postgres";
export * from "./storage";
export * from "./types";
