// End to end with the real Pulumi CLI (npm run test:e2e; the CLI is built by scripts/setup-pulumi.sh): this project's
// program, unchanged, on a content-only stack that manages the Harbor emulator on 127.0.0.1, with a local file
// backend and a passphrase secrets provider in a temporary folder. A second emulator plays prod (the replication
// target). Each `it` is one step of an operator's life with the stack and depends on the ones before it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CliWorkspace } from "../../scripts/lib/pulumiCli";
import { writeStackConfig } from "../../scripts/lib/stackConfigFile";
import { HarborEmulator } from "../emulator";
import { registriesArea } from "../emulator/areas/registries";
import { harborSnapshot, HarborSnapshot, api } from "./harborApi";

const PROJECT_KEY = (k: string): string => `harbor-platform:${k}`;
const PROD_ROBOT = "robot$prod-replicator";
const PROD_SECRET = "Prod-Robot-Secret-1";

/** The declared content: two projects with members, robots, retention, immutable rules; replication to prod; system settings. */
function contentConfig(dev: HarborEmulator, prod: HarborEmulator, tweak: { ciPermissions?: "push" | "pull"; keepLast?: number } = {}) {
    return {
        platform: { enabled: false },
        existingHarbor: { url: dev.url, username: dev.username },
        projects: [
            {
                name: "team-a", autoScan: true, preventVulnerable: "high",
                members: [{ user: "alice", role: "developer" }],
                robots: [{ name: "ci", preset: tweak.ciPermissions ?? "push", description: "CI pushes team-a's images" }],
                retention: { schedule: "daily", rules: [{ template: "latestPushedK", value: tweak.keepLast ?? 10, tagPattern: "v*" }] },
                immutable: [{ tagPattern: "v*" }],
            },
            {
                name: "team-b",
                members: [{ user: "bob", role: "guest" }],
                robots: [{ name: "deploy", preset: "pull" }],
                retention: { schedule: "weekly", rules: [{ template: "nDaysSinceLastPush", value: 30, tagPattern: "**" }] },
                immutable: [{ tagPattern: "[0-9]*" }],
            },
        ],
        images: [],
        system: { gc: { schedule: "weekly" }, robotTokenExpirationDays: 60, projectCreation: "adminonly" },
        replication: {
            outbound: {
                enabled: true, url: prod.url, username: PROD_ROBOT, registryName: "prod", policyName: "team-a-to-prod",
                sourceProject: "team-a", tagPattern: "v*", trigger: "manual",
            },
        },
    };
}

/** The steps of `pulumi preview|up --json`'s summary: the operation per resource type. */
function opsOf(previewJson: string): Map<string, string[]> {
    const steps = (JSON.parse(previewJson).steps ?? []) as { op: string; urn: string }[];
    const ops = new Map<string, string[]>();
    for (const s of steps) {
        const type = s.urn.split("::")[2].split("$").pop()!; // the qualified type ends with the resource's own
        ops.set(type, [...(ops.get(type) ?? []), s.op]);
    }
    return ops;
}

describe("the real Pulumi CLI on a content-only stack (e2e)", function () {
    this.timeout(10 * 60_000);
    let dev: HarborEmulator;
    let prod: HarborEmulator;
    let ws: CliWorkspace;
    let original: HarborSnapshot;

    before(async () => {
        dev = await new HarborEmulator().start();
        prod = await new HarborEmulator().start();
        // The prod Harbor as dev's registry endpoint can reach it, with the replication robot's credential.
        dev.area(registriesArea).addRemote(prod.url, PROD_ROBOT, PROD_SECRET);
        // Users the members refer to exist in Harbor already (db_auth), made through its API.
        for (const user of ["alice", "bob"]) {
            await api(dev, "POST", "/users", { username: user, email: `${user}@example.com`, realname: user, password: "Passw0rd-Long" });
        }
        original = await harborSnapshot(dev);
        ws = await CliWorkspace.create({ stack: "dev", env: { HARBOR_CLIENT_RETRIES: "2", HARBOR_CLIENT_BASE_DELAY_MS: "50" } });
        writeStackConfig(ws, contentConfig(dev, prod));
        await ws.setConfig(PROJECT_KEY("existingHarborPassword"), dev.password, { secret: true });
        await ws.setConfig(PROJECT_KEY("replicationPassword"), PROD_SECRET, { secret: true });
    });

    after(async () => {
        ws?.dispose();
        await dev?.stop();
        await prod?.stop();
    });

    it("pulumi up creates everything, and Harbor holds exactly what was declared", async () => {
        await ws.run(["up", "--yes", "--skip-preview"]);
        const now = await harborSnapshot(dev);
        assert.deepEqual(now.projects, [...original.projects, "team-a", "team-b"].sort());
        assert.deepEqual(now.members["team-a"], ["alice:developer", "admin:projectAdmin"].sort());
        assert.deepEqual(now.members["team-b"], ["admin:projectAdmin", "bob:guest"].sort());
        assert.deepEqual(now.robots, ["robot$team-a+ci", "robot$team-b+deploy"]);
        assert.deepEqual(now.retention["team-a"], [{ template: "latestPushedK", params: { latestPushedK: 10 }, tags: "v*" }]);
        assert.deepEqual(now.retention["team-b"], [{ template: "nDaysSinceLastPush", params: { nDaysSinceLastPush: 30 }, tags: "**" }]);
        assert.deepEqual(now.immutable, { "team-a": ["v*"], "team-b": ["[0-9]*"] });
        assert.deepEqual(now.registries, [`prod ${prod.url}`]);
        assert.deepEqual(now.replication, ["team-a-to-prod: team-a/** v* -> prod (manual)"]);
        assert.equal(now.config.robot_token_duration, 60);
        assert.equal(now.config.project_creation_restriction, "adminonly");
        assert.match(now.gcSchedule, /Weekly/);
    });

    it("a second pulumi preview --expect-no-changes passes", async () => {
        await ws.run(["preview", "--expect-no-changes"]);
    });

    it("a config change (a robot's permissions, a retention count) updates in place, with no replacement", async () => {
        writeStackConfig(ws, contentConfig(dev, prod, { ciPermissions: "pull", keepLast: 5 }));
        const preview = await ws.run(["preview", "--json"]);
        const ops = opsOf(preview.stdout);
        assert.deepEqual(ops.get("pulumi-nodejs:dynamic/harbor:RobotAccount"), ["update"]);
        assert.deepEqual(ops.get("pulumi-nodejs:dynamic/harbor:RetentionPolicy"), ["update"]);
        for (const [type, list] of ops) assert.ok(!list.some((op) => /replace|delete|create/.test(op)), `${type}: ${list.join(", ")}`);
        const robotBefore = (await harborSnapshot(dev)).robotIds;
        await ws.run(["up", "--yes", "--skip-preview"]);
        const now = await harborSnapshot(dev);
        assert.deepEqual(now.robotIds, robotBefore, "the robot kept its id (updated, not replaced)");
        assert.deepEqual(now.robotAccess["robot$team-a+ci"], ["pull repository"]);
        assert.equal(now.retention["team-a"][0].params.latestPushedK, 5);
    });

    it("an out-of-band change through Harbor's API is shown by refresh and corrected by up", async () => {
        await api(dev, "PUT", "/projects/team-a", { metadata: { auto_scan: "false" } });
        const refresh = await ws.run(["refresh", "--yes", "--skip-preview", "--diff"]);
        assert.match(refresh.stdout, /auto_?[sS]can/, "refresh shows the drifted field");
        const preview = await ws.run(["preview", "--json"]);
        assert.deepEqual(opsOf(preview.stdout).get("pulumi-nodejs:dynamic/harbor:Project"), ["update"]);
        await ws.run(["up", "--yes", "--skip-preview"]);
        assert.equal((await api<{ metadata: Record<string, string> }>(dev, "GET", "/projects/team-a")).metadata.auto_scan, "true");
        await ws.run(["preview", "--expect-no-changes"]);
    });

    it("a robot secret is in the state only encrypted, and stack output --show-secrets returns it", async () => {
        const state = fs.readFileSync(ws.stateFile(), "utf8");
        const shown = JSON.parse((await ws.run(["stack", "output", "robotSecrets", "--show-secrets", "--json"])).stdout) as Record<string, string>;
        const secrets = Object.values(shown);
        assert.equal(secrets.length, 2);
        for (const secret of secrets) {
            assert.ok(secret.length >= 8);
            assert.ok(!state.includes(secret), "a robot secret appears in plain text in the state file");
        }
        assert.ok(!state.includes(PROD_SECRET), "the replication password appears in plain text in the state file");
        assert.ok(!state.includes(dev.password), "the Harbor password appears in plain text in the state file");
        const hidden = (await ws.run(["stack", "output", "robotSecrets", "--json"])).stdout;
        for (const secret of secrets) assert.ok(!hidden.includes(secret));
    });

    it("pulumi preview --policy-pack policy fails on a stack that breaks a mandatory rule, passes on a compliant one", async () => {
        await ws.run(["preview", "--policy-pack", path.join(ws.projectDir, "policy")]);
        const bad = contentConfig(dev, prod);
        bad.projects[0] = { ...bad.projects[0], robots: [{ name: "ci", preset: "push", description: "", durationDays: -1 } as never] };
        writeStackConfig(ws, bad);
        const failed = await ws.run(["preview", "--policy-pack", path.join(ws.projectDir, "policy")], { allowFailure: true });
        assert.notEqual(failed.code, 0);
        assert.match(failed.stdout + failed.stderr, /mandatory/i);
        writeStackConfig(ws, contentConfig(dev, prod, { ciPermissions: "pull", keepLast: 5 }));
    });

    it("a config mistake is one report naming each key and value, without a stack trace", async () => {
        const good = contentConfig(dev, prod, { ciPermissions: "pull", keepLast: 5 });
        writeStackConfig(ws, { ...good, projects: [{ ...good.projects[0], name: "Team_A" }, { ...good.projects[1], members: [{ user: "bob", role: "owner" }] }] });
        const failed = await ws.run(["preview"], { allowFailure: true });
        const out = failed.stdout + failed.stderr;
        assert.notEqual(failed.code, 0);
        assert.match(out, /Invalid configuration for stack 'dev'/);
        assert.match(out, /projects\[0\]\.name = "Team_A"/);
        assert.match(out, /projects\[1\]\.members\[0\]\.role = "owner"/);
        assert.doesNotMatch(out, /^\s+at .+:\d+:\d+\)?$/m, "a stack trace was printed");
        writeStackConfig(ws, good);
    });

    it("pulumi destroy leaves Harbor as it was before the first up", async () => {
        await ws.run(["destroy", "--yes", "--skip-preview"]);
        assert.deepEqual(await harborSnapshot(dev), original);
    });
});
