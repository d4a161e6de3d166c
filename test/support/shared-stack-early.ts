// Mocha root hook of `make test` (.mocharc.all.json, after shared-stack-hooks.ts): the shared test stack's
// deploy (test/support/shared-stack.ts) starts before the first suite, so its preview and up (containers
// starting, mostly waiting) run beside the unit tests (CPU in this process, no Docker) instead of after
// them. The first integration suite's sharedStack() gets the same deploy; a failed deploy fails every suite
// that awaits it, as before, with the CLI's output.
import { sharedStack } from "./shared-stack";

export const mochaHooks = {
    beforeAll(): void {
        // Not awaited: the rejection is handled here and again by each suite that awaits sharedStack().
        sharedStack().catch(() => undefined);
    },
};
