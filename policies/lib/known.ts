// Reading resource properties that may be unknown during preview. The policy server wraps props in
// a proxy that throws on an unknown value and then downgrades the whole policy to an advisory "can't
// run" note, silently. Copying each field through readPlain instead turns every unknown into the
// UNKNOWN marker, so a check decides what an unknown means for it and says so in its message.

/** A value the engine cannot know during preview (it depends on an output of an uncreated resource). */
export const UNKNOWN: unique symbol = Symbol.for("lakehouse.policies.unknown");
export type Unknown = typeof UNKNOWN;
export type Known<T> = T | Unknown;

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

interface PolicyProxyModule {
    UnknownValueError?: new (...args: never[]) => Error;
    [sentinel: string]: unknown;
}

// @pulumi/policy keeps its proxy internal; its sentinels are the engine's wire values for unknowns.
const proxyModule: PolicyProxyModule = (() => {
    try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        return require("@pulumi/policy/proxy") as PolicyProxyModule;
    } catch {
        return {};
    }
})();

const unknownSentinels = new Set<unknown>(
    Object.entries(proxyModule)
        .filter(([key, value]) => /^unknown[A-Za-z]*Value$/.test(key) && typeof value === "string")
        .map(([, value]) => value),
);

function isUnknownValueError(error: unknown): boolean {
    const errorClass = proxyModule.UnknownValueError;
    if (errorClass && error instanceof errorClass) {
        return true;
    }
    return error instanceof Error && error.constructor.name === "UnknownValueError";
}

/**
 * Reads a property (through the policy server's proxy or from plain data) and returns a plain deep
 * copy in which every unknown value is {@link UNKNOWN}. Errors other than unknown-value errors pass.
 */
export function readPlain(read: () => unknown): unknown {
    let value: unknown;
    try {
        value = read();
    } catch (error) {
        if (isUnknownValueError(error)) {
            return UNKNOWN;
        }
        throw error;
    }
    if (unknownSentinels.has(value)) {
        return UNKNOWN;
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    if (Array.isArray(value)) {
        const array = value as unknown[];
        const length = array.length;
        const copy: unknown[] = [];
        for (let index = 0; index < length; index++) {
            copy.push(readPlain(() => array[index]));
        }
        return copy;
    }
    const record = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(record)) {
        copy[key] = readPlain(() => record[key]);
    }
    return copy;
}

/** Reads one named property of a props bag, see {@link readPlain}. */
export function readProp(props: Record<string, unknown>, key: string): unknown {
    return readPlain(() => props[key]);
}
