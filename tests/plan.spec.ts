import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config";
import { parsePlanArgs, PlanError } from "../scripts/plan";
import { at, installMocks, one, planStack, SecureValue, settle, stackPlan } from "./helpers/pulumi";

const ROOT = path.resolve(__dirname, "..");

interface CliRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Run a command without blocking, so the CLI tests' child processes start together (each compiles the program). */
function run(command: string, args: string[], shell = false): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: ROOT, shell, timeout: 60_000 });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
        child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

function runPlanCli(args: string[]): Promise<CliRun> {
    return run(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/plan.ts", ...args]);
}

// The CLI's two child processes start when this file is loaded: each compiles the program on the core the test run
// leaves idle, while the suite goes on. The README's command up to the pipe, with stack pr-9 (jq need not be
// installed), and a bad stack.
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const shown = /^(npm run[^\n]* plan -- --stack [a-z0-9-]+ \| jq[^\n]*)$/m.exec(readme)?.[1];
const readmeRun: Promise<CliRun> | undefined = shown ? run(shown.replace(/\s*\|.*$/, "").replace(/--stack [a-z0-9-]+/, "--stack pr-9"), [], true) : undefined;
const badStackRun = runPlanCli(["--stack", "staging"]);

describe("offline plan", function () {
    this.timeout(60_000);

    for (const stack of ["dev", "prod", "pr-42"]) {
        it(`${stack}: prints {stack, resources[{type,name,parent,inputs}], outputs} as JSON`, async () => {
            const { plan } = await stackPlan(stack);
            const roundTrip = JSON.parse(JSON.stringify(plan));
            assert.strictEqual(roundTrip.stack, stack);
            assert.ok(plan.resources.length > 10);
            for (const r of plan.resources) {
                assert.deepStrictEqual(Object.keys(r).filter((k) => k !== "protect").sort(), ["inputs", "name", "parent", "type"]);
            }
            assert.strictEqual(plan.outputs.adminPassword, "[secret]");
        });
    }

    it("is deterministic: two plans of the same stack are identical", async () => {
        // A fresh plan against the run's shared one (planned earlier, in another order of registrations).
        assert.deepStrictEqual(await planStack("prod"), (await stackPlan("prod")).plan);
    });

    it("a secure: config value is an unknown secret, printed as [secret]", async () => {
        const plan = await planStack("dev", {
            configOverride: {
                data: { mode: "external", postgres: { host: "pg.example.com" }, redis: { addr: "redis.example.com:6379" } },
                externalDatabasePassword: new SecureValue("harbor-platform:externalDatabasePassword"),
                externalRedisPassword: new SecureValue("harbor-platform:externalRedisPassword"),
            },
        });
        assert.strictEqual(one(plan, "kubernetes:core/v1:Secret", "harbor-database").inputs.stringData, "[secret]");
        assert.strictEqual(one(plan, "kubernetes:core/v1:Secret", "harbor-redis").inputs.stringData, "[secret]");
        const values = one(plan, "kubernetes:helm.sh/v3:Release", "harbor-release").inputs.values;
        assert.strictEqual(at(values, "database.external.host"), "pg.example.com");
        assert.strictEqual(at(values, "database.external.existingSecret"), "harbor-database");
    });

    it("bad config: throws the ConfigError listing each problem and registers nothing", async () => {
        const { recorded } = installMocks("prod");
        await assert.rejects(
            planStack("prod", { configOverride: { data: { mode: "internal" }, replicas: { core: 1 }, externalDatabasePassword: "plain" } }),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                const keys = e.issues.map((i) => i.key);
                assert.ok(keys.includes("harbor-platform:data.mode"));
                assert.ok(keys.includes("harbor-platform:replicas.core"));
                assert.ok(keys.includes("harbor-platform:externalDatabasePassword"), "a plaintext secret in the file is refused");
                assert.ok(!e.message.includes("plain\""), "the secret's value is not printed");
                return true;
            },
        );
        await settle();
        assert.deepStrictEqual(recorded, []);
    });

    it("parses --stack and refuses anything else", () => {
        assert.deepStrictEqual(parsePlanArgs(["--stack", "prod"]), { stack: "prod" });
        assert.deepStrictEqual(parsePlanArgs(["--stack=pr-3"]), { stack: "pr-3" });
        assert.throws(() => parsePlanArgs([]), (e: unknown) => e instanceof PlanError && /missing --stack/.test(e.message));
        assert.throws(() => parsePlanArgs(["--stak", "dev"]), (e: unknown) => e instanceof PlanError && /unknown argument '--stak'/.test(e.message));
    });

    describe("CLI", () => {

        it("CLI: the plan command the README shows prints only JSON on stdout (pipes into jq), exit 0", async () => {
            assert.ok(shown, "README shows `npm run ... plan -- --stack <s> | jq ...`");
            const r = await readmeRun!;
            assert.strictEqual(r.status, 0, r.stderr);
            const plan = JSON.parse(r.stdout);
            assert.strictEqual(plan.stack, "pr-9");
            assert.strictEqual(plan.outputs.namespace, "harbor-pr-9");
        });

        it("CLI: bad stack exits 1 with the validation error and no stack trace", async () => {
            const r = await badStackRun;
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stdout, "");
            assert.match(r.stderr, /stack = "staging": the stack name must be dev, prod or pr-<n>/);
            assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace expected:\n${r.stderr}`);
        });
    });
});
