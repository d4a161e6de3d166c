// Another team's stack with only the streaming core: Kafka, Debezium Connect and MinIO. Sources,
// connectors and engines come from the team's own stacks, which read these outputs.
import * as pulumi from "@pulumi/pulumi";
import * as lakehouse from "pulumi-lakehouse";

const config = new pulumi.Config();
const imageSet = (config.get("imageSet") ?? "official") as lakehouse.ImageSet;
const brokerCount = config.getNumber("brokerCount") ?? 1;
const namePrefix = "streaming";

const network = new lakehouse.Network("streaming", { networkName: `${namePrefix}-net` });
const common = { network: network.name, imageSet, namePrefix };

const kafka = new lakehouse.KafkaCluster("kafka", { ...common, brokerCount });
const connect = new lakehouse.DebeziumConnect("connect", { ...common, kafka });
const storage = new lakehouse.ObjectStorage("storage", { ...common, buckets: ["raw-events"] });

export const bootstrapServers = kafka.hostBootstrapServers;
export const connectUrl = connect.url;
export const s3Endpoint = storage.hostEndpoint;
export const buckets = Object.keys(storage.buckets);
