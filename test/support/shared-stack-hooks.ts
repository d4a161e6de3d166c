// Mocha root hooks (a `require` of .mocharc.all.json and .mocharc.integration.json): after the last
// suite, the shared test stack (test/support/shared-stack.ts) is destroyed and its leftovers removed.
import { destroySharedStack } from "./shared-stack";

export const mochaHooks = {
    async afterAll(this: Mocha.Context): Promise<void> {
        this.timeout(1_800_000);
        await destroySharedStack();
    },
};
