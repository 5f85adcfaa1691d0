/**
 * `npm run bench`: measures, on this machine, and writes BENCHMARKS.md (every number is measured in this run).
 *
 *  1. Program evaluation under the mock runtime (the offline plan machinery) for 10, 100 and 500 generated projects
 *     (scripts/lib/benchConfig.ts), each size in a fresh child process, side by side with a floor that registers
 *     the same number of bare resources through the same SDK, mocks, plan path and registration conditions.
 *     Targets: at 500 projects the program within 2x of the floor's time and memory, linear from 100 to 500.
 *  2. State: bytes per Harbor project in a checkpoint built the way the engine writes it, against the same
 *     resources without `__provider` (target: 1.3x), and the bytes a first deploy writes on a file backend.
 *     And the real state file: `pulumi up` with the CLI built by scripts/setup-pulumi.sh, bytes per project.
 *  3. The Harbor provider against the emulator: requests per operation per resource type, and the time to create
 *     500 robot accounts with bounded concurrency (8).
 *  4. `npm test` wall time (target: under 60 s), as a child process.
 *
 * Flags: `--sizes 10,100` (default 10,100,500), `--no-test` (skip 3). Exit code 1 when a target is missed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const MiB = 1024 * 1024;

interface EvalResult {
    wallMs: number;
    resources: number;
    /** Peak RSS during the run minus RSS before it (MiB). */
    peakRssDeltaMiB: number;
    /** Heap used after minus before (MiB), after a GC on both sides when --expose-gc is on. */
    heapDeltaMiB: number;
    /** Average number of input properties per resource (as the plan shows them). */
    inputsPerResource: number;
    /**
     * Average number of properties each registration hands the SDK (the props bag: inputs, declared outputs and,
     * for dynamic resources, `__provider`). The SDK's cost per resource grows with it: one Output and four tracked
     * promises per property.
     */
    sdkPropsPerResource: number;
}

type Kind = "program" | "baseline" | "baseline-props";

// ---------------------------------------------------------------------------------------------------------------
// Child: one evaluation in a fresh process.

/** `n`: projects (program) or resources (baselines); `k`: input properties per bare resource (baseline-props). */
async function child(kind: Kind, n: number, k = 0): Promise<void> {
    // Load everything both variants share BEFORE measuring, so the numbers are the evaluation alone.
    const pulumi = await import("@pulumi/pulumi");
    const { planStack } = await import("./plan");
    const { benchConfig, benchProgram } = await import("./lib/benchConfig");
    const { stackTraceWindow } = await import("../harbor/resource");
    const sdkProps = countRegisteredProps();
    const gc = (global as { gc?: () => void }).gc;
    gc?.();
    const rss0 = process.memoryUsage().rss;
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const plan = kind === "program"
        ? await planStack("dev", { configOverride: benchConfig(n), program: benchProgram })
        : await planStack("dev", {
              configOverride: benchConfig(0),
              program: () => {
                  const props = Object.fromEntries(Array.from({ length: kind === "baseline-props" ? k : 0 }, (_, j) => [`p${j}`, `value-${j}`]));
                  class Bare extends pulumi.CustomResource {}
                  // Registered under the same conditions as the program's Harbor resources (the SDK's promise stacks
                  // not formatted: harbor/resource.ts stackTraceWindow), so the floor is not inflated by a cost the
                  // program does not pay.
                  for (let i = 0; i < n; i++) {
                      const stacks = stackTraceWindow();
                      try {
                          new Bare("bench:index:Bare", `bare-${i}`, { ...props });
                      } finally {
                          stacks.close();
                      }
                  }
                  return {};
              },
          });
    const wallMs = performance.now() - t0;
    gc?.();
    const result: EvalResult = {
        wallMs,
        resources: plan.resources.length,
        peakRssDeltaMiB: (process.resourceUsage().maxRSS * 1024 - rss0) / MiB,
        heapDeltaMiB: (process.memoryUsage().heapUsed - heap0) / MiB,
        inputsPerResource: plan.resources.reduce((a, r) => a + Object.keys(r.inputs).length, 0) / Math.max(1, plan.resources.length),
        sdkPropsPerResource: sdkProps.total / Math.max(1, sdkProps.registrations),
    };
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Counts the properties of every registration through the SDK's own entry point (same for program and baselines). */
function countRegisteredProps(): { total: number; registrations: number } {
    const counts = { total: 0, registrations: 0 };
    const runtime = require("@pulumi/pulumi/runtime/resource") as { registerResource: (...args: unknown[]) => unknown };
    const register = runtime.registerResource;
    runtime.registerResource = (...args: unknown[]) => {
        const props = args[7];
        counts.registrations++;
        counts.total += props && typeof props === "object" ? Object.keys(props).length : 0;
        return register(...args);
    };
    return counts;
}

/** Runs per measurement: wall time on a shared 2-core machine varies by ±15% from run to run. */
const RUNS = 3;

/** The median run (by wall time) of RUNS fresh children, alternating with the other variants' runs by the caller. */
function medianOf(results: EvalResult[]): EvalResult {
    return [...results].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(results.length / 2)];
}

function runChild(kind: Kind, n: number, k = 0): EvalResult {
    const r = spawnSync(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", __filename, "--child", kind, String(n), String(k)], {
        cwd: ROOT, encoding: "utf8", maxBuffer: 64 * MiB, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    });
    const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("BENCH_RESULT "));
    if (r.status !== 0 || !line) throw new Error(`bench child ${kind} ${n} failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
    return JSON.parse(line.slice("BENCH_RESULT ".length)) as EvalResult;
}

// ---------------------------------------------------------------------------------------------------------------
// State: bytes per Harbor project, and what a first deploy writes on a file backend.

interface StateBench {
    /** Harbor resources per generated project. */
    resourcesPerProject: number;
    /** Bytes of state per project: without `__provider` (the limit), with the loader, with the old by-value code. */
    perProject: { limit: number; loader: number; byValue: number };
    /** Largest `__provider` text per variant (bytes). */
    largestText: { loader: number; byValue: number };
    /** Projected bytes written by a first `pulumi up` on a file backend, per project count and variant. */
    firstDeploy: { projects: number; resources: number; loader: number; byValue: number; loaderFinal: number; byValueFinal: number }[];
}

/** Bytes one stored `__provider` adds to a resource entry (a line four levels deep in the indented document). */
const providerLineBytes = (text: string) => 16 + '"__provider": '.length + JSON.stringify(text).length + 2;

/**
 * Bytes written by a first deploy of `sizes` (resource entries in creation order): per step the engine persists the
 * snapshot when the step starts and when it ends, and the file backend copies the previous file to `.bak` before
 * each write: ~ 3 x S(before) + S(after) per step. With PULUMI_SKIP_CHECKPOINTS only the final write (and its backup).
 */
function firstDeployBytes(sizes: number[], envelope: number): { total: number; final: number } {
    let snapshot = envelope;
    let total = 0;
    for (const s of sizes) {
        total += 3 * snapshot + (snapshot + s);
        snapshot += s;
    }
    return { total, final: 2 * snapshot };
}

async function stateBench(sizes: number[]): Promise<StateBench> {
    const { planStack } = await import("./plan");
    const { benchConfig, benchProgram } = await import("./lib/benchConfig");
    const { byValueProviderText, checkpointOf, storedBytes } = await import("./lib/checkpoint");
    const { HARBOR_TYPE_PREFIX } = await import("./lib/migrateState");
    const { providerText } = await import("../harbor/loader");
    const { HARBOR_PROVIDERS } = await import("../harbor/hosted");
    type T = keyof typeof HARBOR_PROVIDERS;
    const loader = new Map<string, string>();
    const byValue = new Map<string, string>();
    for (const t of Object.keys(HARBOR_PROVIDERS) as T[]) {
        loader.set(t, providerText(t));
        byValue.set(t, await byValueProviderText());
    }
    const typeOf = (type: string) => type.slice(HARBOR_TYPE_PREFIX.length);
    const measure = async (n: number) => {
        let recorded: Parameters<typeof checkpointOf>[1] = [];
        await planStack("dev", { configOverride: benchConfig(n), program: benchProgram, onRegistrations: (r) => (recorded = r) });
        const doc = await checkpointOf("dev", recorded, () => undefined);
        const entries = doc.deployment.resources!.map((r) => {
            const base = storedBytes(r);
            const harbor = r.type.startsWith(HARBOR_TYPE_PREFIX);
            const stored = (texts: Map<string, string>) => (harbor ? 2 * providerLineBytes(texts.get(typeOf(r.type))!) : 0);
            return { harbor, base, loader: base + stored(loader), byValue: base + stored(byValue) };
        });
        const envelope = Buffer.byteLength(JSON.stringify({ ...doc, deployment: { ...doc.deployment, resources: [] } }, null, 4));
        return { n, entries, envelope };
    };
    const lo = await measure(Math.min(...sizes));
    const hi = await measure(Math.max(...sizes));
    const harborSum = (m: typeof lo, k: "base" | "loader" | "byValue") => m.entries.filter((e) => e.harbor).reduce((a, e) => a + e[k], 0);
    const perProject = (k: "base" | "loader" | "byValue") => (harborSum(hi, k) - harborSum(lo, k)) / (hi.n - lo.n);
    const firstDeploy = [lo, hi].map((m) => {
        const l = firstDeployBytes(m.entries.map((e) => e.loader), m.envelope);
        const b = firstDeployBytes(m.entries.map((e) => e.byValue), m.envelope);
        return { projects: m.n, resources: m.entries.length, loader: l.total, byValue: b.total, loaderFinal: l.final, byValueFinal: b.final };
    });
    const harborPerProject = (hi.entries.filter((e) => e.harbor).length - lo.entries.filter((e) => e.harbor).length) / (hi.n - lo.n);
    return {
        resourcesPerProject: harborPerProject,
        perProject: { limit: perProject("base"), loader: perProject("loader"), byValue: perProject("byValue") },
        largestText: { loader: Math.max(...[...loader.values()].map((t) => Buffer.byteLength(t))), byValue: Math.max(...[...byValue.values()].map((t) => Buffer.byteLength(t))) },
        firstDeploy,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Provider against the emulator.

interface ProviderBench {
    perType: { type: string; create: number; noopDiff: number; read: number; update: number; delete: number; createOps: string }[];
    robots: { count: number; concurrency: number; wallMs: number; requests: number; perRobotMs: number };
}

async function providerBench(): Promise<ProviderBench> {
    const { FIXTURES, operationRequests } = await import("../tests/helpers/fixtures");
    const { HarborEmulator, projectsArea } = await import("../tests/emulator");
    const { RobotAccountProvider } = await import("../harbor/robotAccount");
    const client = { timeoutMs: 10_000, retries: 0 };
    const perType: ProviderBench["perType"] = [];
    for (const f of FIXTURES) {
        const r = await operationRequests(f, client);
        perType.push({ type: f.type, create: r.create.length, noopDiff: r.noopDiff.length, read: r.read.length, update: r.update.length, delete: r.delete.length, createOps: r.create.join(", ") });
    }

    const emu = await new HarborEmulator().start();
    try {
        emu.area(projectsArea).seed("web");
        const p = new RobotAccountProvider({ client });
        const connection = { url: emu.url, username: emu.username, password: emu.password };
        const count = 500;
        const concurrency = 8;
        const inputs = await Promise.all(Array.from({ length: count }, async (_, i) => {
            const c = await p.check({} as never, { connection, name: `bot-${i}`, project: "web", permissions: [{ kind: "project", access: [{ resource: "repository", action: "pull" }] }] } as never);
            if (c.failures?.length) throw new Error(JSON.stringify(c.failures));
            return c.inputs!;
        }));
        emu.resetLog();
        let next = 0;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: concurrency }, async () => {
            while (next < count) await p.create(inputs[next++]);
        }));
        const wallMs = performance.now() - t0;
        return { perType, robots: { count, concurrency, wallMs, requests: emu.log.length, perRobotMs: wallMs / count } };
    } finally {
        await emu.stop();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Main.

interface Target { name: string; measured: string; limit: string; pass: boolean }

function table(head: string[], rows: (string | number)[][]): string {
    const all = [head, ...rows.map((r) => r.map(String))];
    const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
    return [line(head), `| ${w.map((x) => "-".repeat(x)).join(" | ")} |`, ...rows.map((r) => line(r.map(String)))].join("\n");
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    const sizesArg = args.includes("--sizes") ? args[args.indexOf("--sizes") + 1] : "10,100,500";
    const sizes = sizesArg.split(",").map(Number);
    const runTests = !args.includes("--no-test");
    const started = new Date();
    // npm test first: after minutes of 500-project evaluations the same suite runs measurably slower on this machine.
    let testRun: { wall: number; status: number | null; passing: string; failing: string; pending: string } | undefined;
    if (runTests) {
        process.stderr.write("running npm test...\n");
        const t0 = performance.now();
        const r = spawnSync("npm", ["test", "--silent"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * MiB });
        testRun = {
            wall: (performance.now() - t0) / 1000,
            status: r.status,
            passing: /(\d+) passing/.exec(r.stdout ?? "")?.[1] ?? "?",
            failing: /(\d+) failing/.exec(r.stdout ?? "")?.[1] ?? "0",
            pending: /(\d+) pending/.exec(r.stdout ?? "")?.[1] ?? "0",
        };
    }
    const out: string[] = [];
    const say = (s = "") => {
        process.stdout.write(s + "\n");
        out.push(s);
    };

    const cpu = os.cpus();
    say("# Benchmarks");
    say();
    say(`Measured by \`npm run bench\` on ${started.toISOString()} (never edited by hand).`);
    say();
    say(`Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${f1(os.totalmem() / 1024 ** 3)} GiB memory, Node ${process.version}, ${os.platform()} ${os.arch()}.`);
    say();

    // 1. Program evaluation.
    say("## Program evaluation under the mock runtime");
    say();
    say(`Each size in fresh child processes, ${RUNS} runs of each variant interleaved, the median run shown. Program = the real program for the dev stack with N generated projects (3 members, 2 robots, a retention policy, an immutable rule and a replication policy each) plus the platform. Memory = peak RSS growth during the evaluation.`);
    say();
    say("Baselines register the same number of bare resources (a plain `CustomResource`, no program logic, no component tree, no config) through the same SDK, mocks and plan path:");
    say();
    say("- **floor** (the target's baseline): each bare resource hands the SDK as many properties as the program's registrations do on average (`SDK props/res`: inputs, declared outputs, `__provider`), and is registered under the same conditions as the program's Harbor resources (no SDK promise stacks formatted while it registers, harbor/resource.ts `stackTraceWindow`). This is the cost the SDK itself charges per resource.");
    say("- **empty** (a diagnostic): bare resources with no property at all, the SDK's fixed cost per registration only.");
    say();
    const rows: (string | number)[][] = [];
    const results: Record<number, { program: EvalResult; floor: EvalResult; empty: EvalResult; k: number }> = {};
    for (const n of sizes) {
        process.stderr.write(`evaluating ${n} projects...\n`);
        // Interleaved, so a slow spell of the machine does not fall on one variant only; the median of each.
        const runs: Record<"program" | "floor" | "empty", EvalResult[]> = { program: [], floor: [], empty: [] };
        for (let i = 0; i < RUNS; i++) {
            const p = runChild("program", n);
            runs.program.push(p);
            runs.floor.push(runChild("baseline-props", p.resources, Math.round(p.sdkPropsPerResource)));
            runs.empty.push(runChild("baseline", p.resources));
        }
        const program = medianOf(runs.program);
        const k = Math.round(program.sdkPropsPerResource);
        const floor = medianOf(runs.floor);
        const empty = medianOf(runs.empty);
        results[n] = { program, floor, empty, k };
        const perRes = (r: EvalResult) => f2(r.wallMs / r.resources);
        const mibPerRes = (r: EvalResult) => f2(r.peakRssDeltaMiB / r.resources);
        rows.push([n, program.resources, k, f1(program.wallMs), f1(floor.wallMs), f1(empty.wallMs), perRes(program), perRes(floor), perRes(empty),
            f1(program.peakRssDeltaMiB), f1(floor.peakRssDeltaMiB), f1(empty.peakRssDeltaMiB), mibPerRes(program), mibPerRes(floor)]);
    }
    say(table(["projects", "resources", "SDK props/res", "program ms", "floor ms", "empty ms", "program ms/res", "floor ms/res", "empty ms/res",
        "program peak RSS Δ MiB", "floor peak RSS Δ MiB", "empty peak RSS Δ MiB", "program MiB/res", "floor MiB/res"], rows));
    say();

    const targets: Target[] = [];
    const big = sizes.includes(500) ? 500 : Math.max(...sizes);
    if (results[big]) {
        const { program, floor, empty } = results[big];
        targets.push({ name: `time at ${big} projects vs the floor baseline`, measured: `${f2(program.wallMs / floor.wallMs)}x`, limit: "≤ 2x", pass: program.wallMs <= 2 * floor.wallMs });
        targets.push({ name: `memory at ${big} projects vs the floor baseline`, measured: `${f2(program.peakRssDeltaMiB / floor.peakRssDeltaMiB)}x`, limit: "≤ 2x", pass: program.peakRssDeltaMiB <= 2 * floor.peakRssDeltaMiB });
        say(`For reference, against the empty baseline at ${big} projects: time ${f2(program.wallMs / empty.wallMs)}x, memory ${f2(program.peakRssDeltaMiB / Math.max(0.1, empty.peakRssDeltaMiB))}x (the SDK's per-property cost, which the program cannot avoid without dropping inputs or declared outputs).`);
        say();
    }
    if (results[500] && results[100]) {
        // Linear growth is 5x (five times the projects); 6x leaves room for noise, anything worse is super-linear.
        const time = results[500].program.wallMs / results[100].program.wallMs;
        const memory = results[500].program.peakRssDeltaMiB / results[100].program.peakRssDeltaMiB;
        targets.push({ name: "500-project run vs 100-project run (time; linear = 5x)", measured: `${f2(time)}x`, limit: "≤ 6x", pass: time <= 6 });
        targets.push({ name: "500-project run vs 100-project run (memory; linear = 5x)", measured: `${f2(memory)}x`, limit: "≤ 6x", pass: memory <= 6 });
    }

    // 2. State.
    process.stderr.write("state size...\n");
    const stateSizes = [100, 500].filter((n) => sizes.includes(n)).length === 2 ? [100, 500] : [Math.min(...sizes), Math.max(...sizes)];
    const st = await stateBench(stateSizes);
    const KiB = (b: number) => `${f1(b / 1024)}`;
    const human = (b: number) => (b >= 1024 ** 4 ? `${f1(b / 1024 ** 4)} TiB` : b >= 1024 ** 3 ? `${f1(b / 1024 ** 3)} GiB` : `${f1(b / MiB)} MiB`);
    say("## State per Harbor project");
    say();
    say(`A checkpoint built the way the engine writes it (scripts/lib/checkpoint.ts: each resource's URN, id, parent, provider reference, dependencies, inputs as its provider's \`check\` normalises them, outputs, secrets encrypted, indented as the file backend writes it) from the program's registrations for ${stateSizes.join(" and ")} generated projects; per project = the difference divided by the difference in projects (${f1(st.resourcesPerProject)} Harbor resources per project). Each Harbor resource stores its \`__provider\` twice (inputs and outputs).`);
    say();
    say(table(["__provider stored", "largest text (bytes)", "KiB per project", "vs the limit"], [
        ["none (the limit)", "-", KiB(st.perProject.limit), "1.00x"],
        ["constant loader (harbor/loader.ts)", st.largestText.loader, KiB(st.perProject.loader), `${f2(st.perProject.loader / st.perProject.limit)}x`],
        ["code by value (before the loader; a lower bound: the REST client alone, see below)", st.largestText.byValue, KiB(st.perProject.byValue), `${f2(st.perProject.byValue / st.perProject.limit)}x`],
    ]));
    say();
    say("Before the loader each Harbor resource stored its provider's code serialized by value. Today's providers cannot be serialized so at all (the SDK's closure serializer cannot resolve zod's package exports), so the by-value row serializes the part every old blob carried whole, the REST client: a lower bound (the old blobs were larger).");
    say();
    say("Projected bytes written by a first `pulumi up` on a file backend (every resource created in one update). Per step the engine persists the whole snapshot when the step starts and when it ends, and the backend keeps a `.bak` copy of the previous file: about 3 x S(before) + S(after) per step. With `PULUMI_SKIP_CHECKPOINTS=true` (see docs/operations.md) only the final snapshot is written.");
    say();
    say(table(["projects", "resources", "written (loader)", "written (by value)", "final snapshot (loader)", "final snapshot (by value)"],
        st.firstDeploy.map((d) => [d.projects, d.resources, human(d.loader), human(d.byValue), human(d.loaderFinal / 2), human(d.byValueFinal / 2)])));
    say();
    targets.push({ name: "state per Harbor project vs without __provider", measured: `${f2(st.perProject.loader / st.perProject.limit)}x`, limit: "≤ 1.3x", pass: st.perProject.loader <= 1.3 * st.perProject.limit });
    targets.push({ name: "largest __provider text", measured: `${st.largestText.loader} B`, limit: "≤ 1536 B", pass: st.largestText.loader <= 1536 });

    // 2b. The real state file, written by the real CLI (when it is built: npm run setup-pulumi).
    process.stderr.write("real state file (pulumi up)...\n");
    const { realStateBench } = await import("./lib/cliStateBench");
    const real = await realStateBench([5, 15]);
    say("## Real state file (Pulumi CLI)");
    say();
    if (real) {
        say(`\`pulumi up\` with the CLI built by scripts/setup-pulumi.sh on a content-only dev stack against the Harbor emulator (local file backend, passphrase secrets), ${real.sizes.join(" and ")} generated projects (a member, two robots, a retention policy and an immutable rule each; scripts/lib/cliStateBench.ts); per project = the difference over the difference in projects.`);
        say();
        say(table(["projects", "resources", "state file (KiB)", "pulumi up (s)"], real.sizes.map((n, i) => [n, real.resources[i], KiB(real.bytes[i]), f1(real.upMs[i] / 1000)])));
        say();
        say(`Per project: ${KiB(real.bytesPerProject)} KiB for ${f1(real.resourcesPerProject)} resources (${f2(real.bytesPerProject / real.resourcesPerProject / 1024)} KiB per resource; the modelled checkpoint above: ${f2(st.perProject.loader / st.resourcesPerProject / 1024)} KiB per Harbor resource).`);
        targets.push({ name: "real state file per Harbor resource", measured: `${f2(real.bytesPerProject / real.resourcesPerProject / 1024)} KiB`, limit: "≤ 8 KiB", pass: real.bytesPerProject / real.resourcesPerProject <= 8 * 1024 });
    } else {
        say("Not measured: the Pulumi CLI is not built here (`npm run setup-pulumi`).");
    }
    say();

    // 3. Provider.
    say("## Harbor provider against the emulator");
    say();
    process.stderr.write("provider requests per operation...\n");
    const pb = await providerBench();
    say("Requests per operation (fault-free, minimal inputs of tests/helpers/fixtures.ts; update = the fixture's change; `-` = the type has no such operation).");
    say();
    say(table(["resource", "create", "no-op diff", "read", "update", "delete", "create sends"], pb.perType.map((r) => [r.type, r.create, r.noopDiff, r.read, r.update, r.delete, r.createOps])));
    say();
    say(`${pb.robots.count} robot accounts created with concurrency ${pb.robots.concurrency}: ${f1(pb.robots.wallMs)} ms (${f2(pb.robots.perRobotMs)} ms per robot, ${pb.robots.requests} requests).`);
    say();

    // 4. npm test (run first, below, on a machine not yet loaded by the evaluations; reported here).
    say("## npm test");
    say();
    if (testRun) {
        const { wall, status, passing, failing, pending } = testRun;
        say(`Wall time ${f1(wall)} s (exit ${status}; ${passing} passing, ${failing} failing, ${pending} pending; run before the other measurements).`);
        targets.push({ name: "npm test wall time", measured: `${f1(wall)} s`, limit: "< 60 s", pass: wall < 60 && status === 0 });
    } else {
        say("Skipped (--no-test).");
    }
    say();

    say("## Targets");
    say();
    say(table(["target", "measured", "limit", "result"], targets.map((t) => [t.name, t.measured, t.limit, t.pass ? "PASS" : "FAIL"])));
    say();

    fs.writeFileSync(path.join(ROOT, "BENCHMARKS.md"), out.join("\n"));
    process.stderr.write("wrote BENCHMARKS.md\n");
    return targets.every((t) => t.pass) ? 0 : 1;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    if (args[0] === "--child") {
        child(args[1] as Kind, Number(args[2]), Number(args[3] ?? 0)).catch((e) => {
            process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(2);
        });
    } else {
        main().then((code) => process.exit(code), (e) => {
            process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(2);
        });
    }
}
