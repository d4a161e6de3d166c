// The program: read the stack's config, build one Lakehouse, export its endpoints.
import { Lakehouse, lakehouseArgsFromConfig, readLakehouseConfig } from "./components";

const lakehouse = new Lakehouse("lakehouse", lakehouseArgsFromConfig(readLakehouseConfig()));

export const endpoints = lakehouse.endpoints;
export const brokerCount = lakehouse.kafka.brokerCount;
export const topicPrefixes = lakehouse.topicPrefixes;
/** Container names, tables and topics for `make verify` (tools/verify.ts); no secrets. */
export const verifyTarget = lakehouse.verifyTarget;
