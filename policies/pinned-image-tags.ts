// Policy 5b (hygiene): every image reference is pinned to a tag other than `latest`, or a digest.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ResourceLike, RESOURCE_TYPES } from "./lib/facts";
import { isUnknown, readProp } from "./lib/known";
import { reportAll, violation, Violation } from "./lib/report";

/** Where each resource type keeps its image reference. */
const IMAGE_PROPERTY: Record<string, string> = {
    [RESOURCE_TYPES.container]: "image",
    [RESOURCE_TYPES.remoteImage]: "name",
    "docker:index/image:Image": "imageName",
};

/** Why an image reference is unpinned, or undefined when it is pinned (tag other than latest, digest, or image id). */
export function unpinnedReason(reference: string): string | undefined {
    if (/^sha256:[0-9a-f]{64}$/.test(reference) || reference.includes("@sha256:")) {
        return undefined;
    }
    const lastSlash = reference.lastIndexOf("/");
    const lastPart = reference.slice(lastSlash + 1);
    const colon = lastPart.indexOf(":");
    if (colon < 0) {
        return "no tag (Docker uses latest)";
    }
    const tag = lastPart.slice(colon + 1);
    if (tag === "" || tag === "latest") {
        return `the floating tag "${tag || "(empty)"}"`;
    }
    return undefined;
}

export interface ImageCheckResult {
    violations: Violation[];
    /** Set when the image reference is unknown at preview (for example a RemoteImage's imageId). */
    unknownImage: boolean;
    notApplicable?: string;
}

/** One image reference: a violation when it is not set or not pinned; unknown at preview is reported apart. */
function checkReference(resource: ResourceLike, property: string, reference: unknown): ImageCheckResult {
    if (isUnknown(reference)) {
        return { violations: [], unknownImage: true };
    }
    if (typeof reference !== "string" || reference === "") {
        return { violations: [violation(resource, property, "not set", "an image name with a pinned tag or digest")], unknownImage: false };
    }
    const reason = unpinnedReason(reference);
    if (!reason) {
        return { violations: [], unknownImage: false };
    }
    return {
        violations: [violation(resource, property, `"${reference}", ${reason}`, "a pinned tag such as name:1.2.3, or a digest (name@sha256:<hex>)")],
        unknownImage: false,
    };
}

/** The images of a Kubernetes workload's pod template: `spec.template.spec.{initContainers,containers}[i].image`. */
function workloadImages(resource: ResourceLike): { property: string; reference: unknown }[] | undefined {
    const spec = readProp(resource.props, "spec") as any;
    if (isUnknown(spec)) return undefined;
    const podSpec = spec?.template?.spec;
    if (isUnknown(podSpec) || isUnknown(spec?.template)) return undefined;
    const found: { property: string; reference: unknown }[] = [];
    for (const list of ["initContainers", "containers"]) {
        const containers = podSpec?.[list];
        if (isUnknown(containers)) return undefined;
        (Array.isArray(containers) ? containers : []).forEach((c: any, i: number) => {
            found.push({ property: `spec.template.spec.${list}[${i}].image`, reference: isUnknown(c) ? c : c?.image });
        });
    }
    return found;
}

export function checkPinnedImage(resource: ResourceLike): ImageCheckResult {
    if (resource.type === RESOURCE_TYPES.statefulSet || resource.type === RESOURCE_TYPES.deployment) {
        const images = workloadImages(resource);
        if (!images) return { violations: [], unknownImage: true };
        const results = images.map((i) => checkReference(resource, i.property, i.reference));
        return { violations: results.flatMap((r) => r.violations), unknownImage: results.some((r) => r.unknownImage) };
    }
    const property = IMAGE_PROPERTY[resource.type];
    if (!property) {
        return { violations: [], unknownImage: false, notApplicable: "not an image reference" };
    }
    return checkReference(resource, property, readProp(resource.props, property));
}

export const pinnedImageTags: ResourceValidationPolicy = {
    name: "pinned-image-tags",
    description:
        "Container images and image resources name a pinned tag (not latest, not missing) or a digest. " +
        "Advisory on dev, mandatory elsewhere (see policies/README.md).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: (args, reportViolation) => {
        const result = checkPinnedImage(args);
        reportAll(result.violations, reportViolation);
        if (result.notApplicable) {
            args.notApplicable(result.notApplicable);
        }
    },
};
