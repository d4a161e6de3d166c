import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../core/base";
import { serviceContainer } from "../core/container";
import { ServiceArgs, definedOnly, resolveService } from "../core/service";
import { CATALOG_PORT, CATALOG_START, catalogSpec, catalogUri } from "../specs/catalog";
import { ObjectStorage } from "./storage";

export interface IcebergCatalogArgs extends ServiceArgs {
    /** The MinIO holding the warehouse; the catalog waits for its warehouse bucket. Required. */
    storage: ObjectStorage;
    /** DNS name on the stack's network. Default: "iceberg-rest". */
    hostname?: string;
    /** Host port of the REST API. Default: 8181. */
    hostPort?: number;
}

const DEFAULTS = { hostname: "iceberg-rest", hostPort: CATALOG_PORT };

/** The Iceberg REST catalog Spark and Trino share; its database lives on a volume. */
export class IcebergCatalog extends LakehouseComponent {
    public readonly container: docker.Container;
    /** Catalog URI on the stack's network. */
    public readonly uri: string;
    /** Catalog URI from the host. */
    public readonly hostUri: string;
    public readonly warehouse: string;

    constructor(name: string, args: IcebergCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:catalog:IcebergCatalog", name, opts);
        const a = { ...DEFAULTS, ...definedOnly(args), ...resolveService("icebergRest", args) };
        const storage = args.storage;
        const s3Key = storage.credentialsFor("catalog", [storage.warehouseBucket]);
        // With MinIO on TLS the catalog's JVM trusts the stack's CA.
        const { spec, secrets: trust } = this.spec(() => storage.javaClient(catalogSpec({
            image: a.image, hostname: a.hostname, s3Endpoint: storage.internalEndpoint,
            warehouseBucket: storage.warehouseBucket, hostPort: a.hostPort, bindIp: a.bindIp,
        }), CATALOG_START));
        this.container = serviceContainer(this.childName("container"), {
            spec, containerName: `${a.namePrefix}-${a.hostname}`, network: a.network, component: name,
            keepVolumes: a.keepVolumes, waitTimeoutSeconds: a.waitTimeoutSeconds,
            secrets: { accessKey: s3Key.accessKey, secretKey: s3Key.secretKey, ...trust },
        }, this.childOpts({ dependsOn: [storage.container, storage.buckets[storage.warehouseBucket], ...s3Key.ready] })).container;
        this.uri = catalogUri(a.hostname);
        this.hostUri = `http://${a.bindIp}:${a.hostPort}`;
        this.warehouse = `s3://${storage.warehouseBucket}/`;
        this.registerOutputs({ uri: this.uri, hostUri: this.hostUri });
    }
}
