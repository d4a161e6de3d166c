import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LakehouseComponent } from "./base";
import { LABELS } from "./settings";

export interface NetworkArgs {
    /** Docker network name. Default: the component name. */
    networkName?: string;
}

/** The stack's user-defined bridge network: containers find each other by name on it. */
export class Network extends LakehouseComponent {
    public readonly network: docker.Network;
    /** The docker network's name, for containers' networksAdvanced. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:network:Network", name, opts);
        const networkName = args.networkName ?? name;
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(networkName)) {
            this.invalid("networkName", `must be a docker network name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), got ${JSON.stringify(networkName)}`);
        }
        this.network = new docker.Network(this.childName("network"), {
            name: networkName,
            driver: "bridge",
            attachable: true,
            labels: [{ label: LABELS.component, value: name }],
        }, this.childOpts({ deleteBeforeReplace: true }));
        this.name = this.network.name;
        this.registerOutputs({ name: this.name });
    }
}
