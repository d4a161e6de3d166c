// Passwords: from the caller (config secrets) or generated once and kept in state as secrets.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** Generated on create only, never logged: 32 hex characters from the kernel's CSPRNG. */
const GENERATE = "od -An -N16 -tx1 /dev/urandom | tr -d ' \\n'";

/**
 * The given secret, or a password generated once by the command provider (stable across updates,
 * stored encrypted in state).
 */
export function passwordOrGenerated(
    name: string,
    given: pulumi.Input<string> | undefined,
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
    if (given !== undefined) return pulumi.secret(given);
    const generated = new command.local.Command(name, {
        create: GENERATE,
        logging: "none",
    }, { ...opts, additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(generated.stdout);
}
