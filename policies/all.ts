// Every policy of the pack, in report order. Importing this module starts nothing: only index.ts
// constructs the PolicyPack (which starts the policy server).

import type { Policies } from "@pulumi/policy";
import { authenticatedServices } from "./authenticated-services";
import { cdcSources } from "./cdc-sources";
import { connectStorageReplication } from "./connect-storage-replication";
import { kafkaInternalTopicReplication } from "./kafka-internal-topic-replication";
import { loopbackHostPorts } from "./loopback-host-ports";
import { noDefaultCredentials } from "./no-default-credentials";
import { pinnedImageTags } from "./pinned-image-tags";
import { previewUnknowns } from "./preview-unknowns";
import { topicReplication } from "./topic-replication";

export const POLICY_PACK_NAME = "lakehouse-policies";

/** Replication and CDC policies: always mandatory, they guard against stacks that cannot work. */
export const correctnessPolicies: Policies = [kafkaInternalTopicReplication, connectStorageReplication, topicReplication, cdcSources];

/** Hygiene policies: mandatory by default, advisory on dev through policies/config/dev.json. */
export const hygienePolicies: Policies = [noDefaultCredentials, pinnedImageTags, loopbackHostPorts, authenticatedServices];

export const allPolicies: Policies = [...correctnessPolicies, ...hygienePolicies, previewUnknowns];
