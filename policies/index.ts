// The only module that constructs the PolicyPack: constructing it starts the policy server (and may
// exit the process), so tests import the policy modules or ./all instead.

import { PolicyPack } from "@pulumi/policy";
import { allPolicies, POLICY_PACK_NAME } from "./all";

new PolicyPack(POLICY_PACK_NAME, {
    description: "Replication, CDC and hygiene guardrails for the pulumi-lakehouse stack.",
    enforcementLevel: "mandatory",
    policies: allPolicies,
});
