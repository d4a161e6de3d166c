// The lakehouse on Kubernetes (platform "kubernetes", phase 2 of issue 17): Kafka (KRaft StatefulSet),
// MinIO and Kafka Connect (distributed) rendered by components/specs/kubernetes.ts, created through the
// upstream @pulumi/kubernetes provider. Sources, catalog, engines and the CDC job follow (docs/kubernetes.md).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "../base";
import { passwordOrGenerated } from "../secrets";
import { DEV_CLUSTER_ID } from "../kafka";
import {
    KubeObject, connectObjects, kafkaObjects, kubeBootstrap, minioObjects, validateBrokerCount,
} from "../specs";
import { ImageSet, imageFor } from "../versions";

export interface KubernetesLakehouseArgs {
    /** Namespace every object goes into; created and deleted with the stack. Default: "lakehouse". */
    namespace?: string;
    /** Path of the kubeconfig to use. Default: the provider's own resolution (KUBECONFIG, ~/.kube/config). */
    kubeconfig?: string;
    /** Pinned official images (default) or the ones scripts/images.sh builds (loaded into the nodes). */
    imageSet?: ImageSet;
    /** Kafka brokers, each also a KRaft controller, one per node. Default: 3. */
    brokerCount?: number;
    /** KRaft cluster id (22 characters of base64url). Default: the project's dev id. */
    clusterId?: string;
    /** Distributed Connect workers. Default: 2. */
    connectWorkers?: number;
    /** MinIO root user. Default: "lakehouse". */
    minioRootUser?: pulumi.Input<string>;
    /** MinIO root password. Default: generated, a secret. */
    minioRootPassword?: pulumi.Input<string>;
}

/** Kafka, MinIO and Connect in one namespace, in readiness order: Connect starts once every broker is Ready. */
export class KubernetesLakehouse extends LakehouseComponent {
    public readonly provider: k8s.Provider;
    public readonly namespace: pulumi.Output<string>;
    public readonly brokerCount: number;
    /** Bootstrap servers for pods in the namespace. */
    public readonly bootstrapServers: string;
    public readonly kafka: k8s.apps.v1.StatefulSet;
    public readonly minio: k8s.apps.v1.StatefulSet;
    public readonly connect: k8s.apps.v1.Deployment;
    /** In-cluster endpoints. */
    public readonly endpoints: Record<string, pulumi.Input<string>>;

    constructor(name: string, args: KubernetesLakehouseArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:kubernetes:Lakehouse", name, opts);
        const imageSet = args.imageSet ?? "official";
        const brokerCount = this.spec(() => validateBrokerCount(args.brokerCount ?? 3));
        const nsName = args.namespace ?? "lakehouse";
        if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(nsName)) {
            this.invalid("namespace", `must be a DNS-1123 label (lowercase letters, digits, -), got ${JSON.stringify(nsName)}`);
        }
        this.brokerCount = brokerCount;
        this.bootstrapServers = kubeBootstrap({ brokerCount });

        this.provider = new k8s.Provider(this.childName("provider"), args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}, { parent: this });
        const ns = new k8s.core.v1.Namespace(this.childName("namespace"), { metadata: { name: nsName } }, { parent: this, provider: this.provider });
        this.namespace = ns.metadata.name;
        const inNs = (deps: pulumi.Resource[] = []) => ({ parent: this, provider: this.provider, dependsOn: [ns, ...deps] });

        const rootUser = pulumi.secret(args.minioRootUser ?? "lakehouse");
        const rootPassword = passwordOrGenerated(this.childName("minio-root-password"), args.minioRootPassword, { parent: this });
        const minioSecret = new k8s.core.v1.Secret(this.childName("minio-credentials"), {
            metadata: { name: "minio-credentials", namespace: nsName },
            stringData: { rootUser, rootPassword },
        }, inNs());

        const kafkaObjs = this.spec(() => kafkaObjects({ namespace: nsName, image: imageFor("kafka", imageSet), brokerCount, clusterId: args.clusterId ?? DEV_CLUSTER_ID }));
        const kafka = this.render("kafka", kafkaObjs, inNs());
        this.kafka = kafka.find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;

        const minioObjs = this.spec(() => minioObjects({ namespace: nsName, image: imageFor("minio", imageSet), secretName: "minio-credentials" }));
        const minio = this.render("minio", minioObjs, inNs([minioSecret]));
        this.minio = minio.find((r): r is k8s.apps.v1.StatefulSet => r instanceof k8s.apps.v1.StatefulSet)!;

        const connectObjs = this.spec(() => connectObjects({
            namespace: nsName, image: imageFor("connect", imageSet), bootstrapServers: this.bootstrapServers, brokerCount,
            workers: args.connectWorkers,
        }));
        // The provider waits for a StatefulSet's pods to be Ready: Connect starts against a formed quorum.
        const connect = this.render("connect", connectObjs, inNs([this.kafka]));
        this.connect = connect.find((r): r is k8s.apps.v1.Deployment => r instanceof k8s.apps.v1.Deployment)!;

        this.endpoints = {
            kafka: this.bootstrapServers,
            connect: pulumi.interpolate`http://connect.${this.namespace}.svc:8083`,
            minio: pulumi.interpolate`http://minio.${this.namespace}.svc:9000`,
        };
        this.registerOutputs({ endpoints: this.endpoints, brokerCount });
    }

    /** One @pulumi/kubernetes resource per rendered object, named `<component>-<role>-<kind>-<name>`. */
    private render(role: string, objects: KubeObject[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
        return objects.map((o) => {
            const resourceName = this.childName(`${role}-${o.kind.toLowerCase()}-${o.metadata.name}`);
            const { apiVersion: _a, kind: _k, ...fields } = o;
            switch (`${o.apiVersion}/${o.kind}`) {
                case "v1/Service": return new k8s.core.v1.Service(resourceName, fields as k8s.core.v1.ServiceArgs, opts);
                case "apps/v1/StatefulSet": return new k8s.apps.v1.StatefulSet(resourceName, fields as k8s.apps.v1.StatefulSetArgs, opts);
                case "apps/v1/Deployment": return new k8s.apps.v1.Deployment(resourceName, fields as k8s.apps.v1.DeploymentArgs, opts);
                default: throw new pulumi.ResourceError(`${this.componentName}: no renderer for ${o.apiVersion} ${o.kind}`, this);
            }
        });
    }
}
