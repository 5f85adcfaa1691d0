import * as fs from "fs";
import * as path from "path";

/**
 * The ground truth (Harbor's swagger, the chart's values) lives outside the repository, in ../shared,
 * or wherever HARBOR_SHARED_DIR points. Tests that need it skip with a clear message when it is absent.
 */
export const sharedDir = path.resolve(process.env.HARBOR_SHARED_DIR ?? path.join(__dirname, "..", "..", "..", "shared"));

export function sharedFile(relative: string): string | undefined {
    const file = path.join(sharedDir, relative);
    return fs.existsSync(file) ? file : undefined;
}

/** Skip the current suite (call from `before`) when a shared file is missing. */
export function requireSharedFile(ctx: Mocha.Context, relative: string): string {
    const file = sharedFile(relative);
    if (!file) {
        console.warn(`    skipped: ${relative} not found under ${sharedDir} (set HARBOR_SHARED_DIR to the shared folder)`);
        ctx.skip();
    }
    return file as string;
}
