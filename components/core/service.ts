// Arguments every service component takes, with their defaults.
import * as pulumi from "@pulumi/pulumi";
import { ImageSet, Service, imageFor } from "./versions";

export interface ServiceArgs {
    /** Name of the docker network the service joins (from the `Network` component). Required. */
    network: pulumi.Input<string>;
    /** Pinned official images (default) or the locally built ones. Default: "official". */
    imageSet?: ImageSet;
    /** Overrides the image of the image set. Default: the versions module's pinned tag. */
    image?: string;
    /** Host address published ports bind to. Default: "127.0.0.1". */
    bindIp?: string;
    /** Prefix of docker container and volume names. Default: "lakehouse". */
    namePrefix?: string;
    /** Keep data volumes on `pulumi destroy`. Default: false. */
    keepVolumes?: boolean;
    /** Seconds to wait for the container's healthcheck on create. Default: 300. */
    waitTimeoutSeconds?: number;
}

export const SERVICE_DEFAULTS = {
    imageSet: "official" as ImageSet,
    bindIp: "127.0.0.1",
    namePrefix: "lakehouse",
    keepVolumes: false,
    waitTimeoutSeconds: 300,
};

export type ResolvedServiceArgs = Required<Omit<ServiceArgs, "image">> & { image: string };

/** Defaults first, the caller's args over them, and the image resolved from the image set. */
export function resolveService(service: Service, args: ServiceArgs): ResolvedServiceArgs {
    const merged = { ...SERVICE_DEFAULTS, ...definedOnly(args), network: args.network };
    return { ...merged, image: args.image ?? imageFor(service, merged.imageSet) };
}

/** Drops keys whose value is undefined, so `{ x: undefined }` does not override a default. */
export function definedOnly<T extends object>(args: T): Partial<T> {
    return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as Partial<T>;
}
