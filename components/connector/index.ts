export { Connector, CONNECTOR_TYPE } from "./connector";
export type { ConnectorArgs } from "./connector";
export { CONNECTOR_DEFAULTS, connectorProvider, createConnectorProvider, diffConnector, secretDigest, validateInputs } from "./provider";
export type { ConnectAuth, ConnectorInputs, ConnectorOutputs, ConnectorProviderOptions, RetryEvent, RetryPolicy } from "./provider";
export { CONNECT_KEYS, DEBEZIUM_KEYS, mySqlConnector, postgresConnector } from "./builders";
export type { ConnectorSpec, MySqlConnectorArgs, MySqlFlavour, PostgresConnectorArgs } from "./builders";
