// Advisory companion of the hygiene policies: lists the checks they skipped because a value was
// unknown at preview (a generated password, an image id from an image resource), so a skip is seen.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceLike, recordTopicInputs } from "./lib/facts";
import { describeResource, reportAll, Violation } from "./lib/report";
import { checkDefaultCredentials } from "./no-default-credentials";
import { checkPinnedImage } from "./pinned-image-tags";

export function checkPreviewUnknowns(resource: ResourceLike): Violation[] {
    const notes: Violation[] = [];
    for (const skipped of checkDefaultCredentials(resource).skipped) {
        notes.push({
            urn: skipped.urn,
            message:
                `${describeResource(skipped)}: ${skipped.setting} is unknown at preview (generated, or computed from an output); ` +
                "no-default-credentials skipped this password and checks it again on the next preview once it is known.",
        });
    }
    if (checkPinnedImage(resource).unknownImage) {
        notes.push({
            urn: resource.urn,
            message:
                `${describeResource(resource)}: the image reference is unknown at preview (typically an image resource's id); ` +
                "pinned-image-tags checks the name on that image resource instead.",
        });
    }
    return notes;
}

export const previewUnknowns: ResourceValidationPolicy = {
    name: "preview-unknowns",
    description: "Lists hygiene checks skipped because a value is unknown at preview (always advisory).",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: (args, reportViolation) => {
        // A topic's inputs, for topic-replication when the engine hides its outputs at preview (lib/facts.ts topicProps).
        recordTopicInputs(args);
        const notes = checkPreviewUnknowns(args);
        reportAll(notes, reportViolation);
    },
};
