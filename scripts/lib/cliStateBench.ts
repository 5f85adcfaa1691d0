// The real state file's size per Harbor project: `pulumi up` with the CLI built by scripts/setup-pulumi.sh on a
// content-only dev stack of N generated projects against the Harbor emulator, for two sizes; per project = the
// difference in bytes over the difference in projects. Used by `npm run bench` (section "Real state file").
import * as fs from "fs";
import { CliWorkspace, cliPath } from "./pulumiCli";

export interface RealStateResult {
    readonly sizes: readonly number[];
    /** The state file's bytes after `pulumi up`, per size. */
    readonly bytes: readonly number[];
    /** Resources in the state file, per size. */
    readonly resources: readonly number[];
    readonly bytesPerProject: number;
    readonly resourcesPerProject: number;
    /** Wall time of each `pulumi up` (ms). */
    readonly upMs: readonly number[];
}

/** A content-only stack's config with `n` projects: a member, two robots, retention and an immutable rule each. */
export function generatedContent(harborUrl: string, n: number): Record<string, unknown> {
    return {
        platform: { enabled: false },
        existingHarbor: { url: harborUrl, username: "admin" },
        images: [],
        projects: Array.from({ length: n }, (_, i) => {
            const name = `team-${String(i).padStart(4, "0")}`;
            return {
                name, autoScan: true, preventVulnerable: "high",
                members: [{ user: "alice", role: "developer" }],
                robots: [{ name: "ci", preset: "push" }, { name: "deploy", preset: "pull" }],
                retention: { schedule: "daily", rules: [{ template: "latestPushedK", value: 10, tagPattern: "v*" }] },
                immutable: [{ tagPattern: "v*" }],
            };
        }),
    };
}

/** Undefined when the CLI is not built (the bench says so instead of a number). */
export async function realStateBench(sizes: readonly [number, number]): Promise<RealStateResult | undefined> {
    if (!cliPath()) return undefined;
    const { HarborEmulator } = await import("../../tests/emulator");
    const { writeStackConfig } = await import("./stackConfigFile");
    const bytes: number[] = [];
    const resources: number[] = [];
    const upMs: number[] = [];
    for (const n of sizes) {
        const emu = await new HarborEmulator().start();
        const ws = await CliWorkspace.create({ stack: "dev" });
        try {
            await fetch(`${emu.url}/api/v2.0/users`, {
                method: "POST",
                headers: { authorization: `Basic ${Buffer.from(`${emu.username}:${emu.password}`).toString("base64")}`, "content-type": "application/json" },
                body: JSON.stringify({ username: "alice", email: "alice@example.com", realname: "alice", password: "Passw0rd-Long" }),
            });
            writeStackConfig(ws, generatedContent(emu.url, n));
            await ws.setConfig("harbor-platform:existingHarborPassword", emu.password, { secret: true });
            const t0 = performance.now();
            await ws.run(["up", "--yes", "--skip-preview"]);
            upMs.push(performance.now() - t0);
            const file = ws.stateFile();
            bytes.push(fs.statSync(file).size);
            resources.push((JSON.parse(fs.readFileSync(file, "utf8")).checkpoint?.latest?.resources ?? []).length);
        } finally {
            ws.dispose();
            await emu.stop();
        }
    }
    const dn = sizes[1] - sizes[0];
    return {
        sizes, bytes, resources, upMs,
        bytesPerProject: (bytes[1] - bytes[0]) / dn,
        resourcesPerProject: (resources[1] - resources[0]) / dn,
    };
}
