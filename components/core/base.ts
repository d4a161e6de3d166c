// What every lakehouse component shares: the naming rule and turning spec errors into ResourceErrors.
import * as pulumi from "@pulumi/pulumi";
import { SpecError } from "../specs/types";

export abstract class LakehouseComponent extends pulumi.ComponentResource {
    /** The component's own name; children are named `${name}-<role>`. */
    public readonly componentName: string;

    protected constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.componentName = name;
    }

    /** Child resource name: `${component}-${role}`. */
    protected childName(role: string): string {
        return `${this.componentName}-${role}`;
    }

    /** Options every child gets: this component as parent, plus what the caller adds. */
    protected childOpts<T extends pulumi.CustomResourceOptions>(extra?: T): T & { parent: pulumi.Resource } {
        return { ...(extra ?? ({} as T)), parent: this };
    }

    /** Runs a spec builder; invalid input fails here, before any child exists, naming the field. */
    protected spec<T>(build: () => T): T {
        try {
            return build();
        } catch (err) {
            if (err instanceof SpecError) {
                throw new pulumi.ResourceError(`${this.componentName}: invalid ${err.message}`, this);
            }
            throw err;
        }
    }

    /** Fails construction with a message naming the field. */
    protected invalid(field: string, message: string): never {
        throw new pulumi.ResourceError(`${this.componentName}: invalid ${field}: ${message}`, this);
    }
}
