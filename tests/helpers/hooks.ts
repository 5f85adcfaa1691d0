// Root hooks for the whole mocha run (loaded through .mocharc.json).
import { stopSharedEngineHost } from "./engine";

export const mochaHooks = {
    /** The shared dynamic-provider host is a child process: stop it so mocha can exit. */
    async afterAll(): Promise<void> {
        await stopSharedEngineHost();
    },
};
