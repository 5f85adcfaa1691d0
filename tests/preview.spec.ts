import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePreviewArgs, prNumberOfStack, UsageError } from "../scripts/lib/previewArgs";
import { planGc } from "../scripts/lib/previewCommands";
import { ConfigMap, OutputValue, PreviewOps, StackSummary } from "../scripts/lib/previewOps";
import { findExecutable, main, previewBackendUrl, repoRoot, runPreview } from "../scripts/preview";

/** A PreviewOps that records every call, with scripted stacks, config and outputs. */
class FakeOps implements PreviewOps {
    calls: [string, ...unknown[]][] = [];
    stacks: StackSummary[] = [{ name: "dev", lastUpdate: "2026-01-01T00:00:00.000Z" }, { name: "prod", lastUpdate: "2025-01-01T00:00:00.000Z" }];
    config: ConfigMap = {
        "harbor-platform:domain": { value: "harbor.example.com", secret: false },
        "harbor-platform:oidcClientSecret": { value: "oidc-s3cret-value", secret: true },
    };
    outputs: Record<string, OutputValue> = {
        externalUrl: { value: "https://pr-42.harbor.example.com", secret: false },
        adminUsername: { value: "admin", secret: false },
        adminPassword: { value: "Adm1n-Passw0rd-Value", secret: true },
    };
    failDestroy = new Set<string>();

    async listStacks() { this.calls.push(["listStacks"]); return this.stacks; }
    async getAllConfig(stack: string) { this.calls.push(["getAllConfig", stack]); return this.config; }
    async createOrSelectStack(stack: string) { this.calls.push(["createOrSelectStack", stack]); }
    async setAllConfig(stack: string, config: ConfigMap) { this.calls.push(["setAllConfig", stack, config]); }
    async up(stack: string) { this.calls.push(["up", stack]); return this.outputs; }
    async destroy(stack: string) {
        this.calls.push(["destroy", stack]);
        if (this.failDestroy.has(stack)) {
            throw new Error(`destroy of ${stack} failed: resource busy\nstack trace...`);
        }
    }
    async removeStack(stack: string) { this.calls.push(["removeStack", stack]); }
}

function io(now = "2026-03-10T12:00:00.000Z") {
    const lines: string[] = [];
    return { lines, log: (l: string) => lines.push(l), now: () => new Date(now) };
}

function usageError(argv: string[]): string {
    try {
        parsePreviewArgs(argv);
    } catch (e) {
        assert.ok(e instanceof UsageError, `expected a UsageError, got ${e}`);
        return e.message;
    }
    assert.fail(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe("preview: argument parsing", () => {
    it("parses up, down and gc with defaults", () => {
        assert.deepEqual(parsePreviewArgs(["up", "--pr", "42"]), { kind: "up", pr: 42, sourceStack: "dev", secretsProvider: undefined, summaryFile: undefined });
        assert.deepEqual(parsePreviewArgs(["down", "--pr=7"]), { kind: "down", pr: 7, summaryFile: undefined });
        assert.deepEqual(parsePreviewArgs(["gc", "--max-age", "72", "--open", "3,5, 8"]), { kind: "gc", maxAgeHours: 72, open: [3, 5, 8], dryRun: false, summaryFile: undefined });
        assert.deepEqual(parsePreviewArgs(["gc", "--max-age=0.5", "--dry-run"]), { kind: "gc", maxAgeHours: 0.5, open: undefined, dryRun: true, summaryFile: undefined });
        assert.deepEqual(parsePreviewArgs(["up", "--pr", "1", "--source-stack", "staging", "--secrets-provider", "awskms://alias/harbor"]).kind, "up");
        assert.deepEqual(parsePreviewArgs(["--help"]), { kind: "help" });
    });

    it('treats --open "" as "no pull request is open"', () => {
        assert.deepEqual((parsePreviewArgs(["gc", "--max-age", "1", "--open", ""]) as { open: number[] }).open, []);
    });

    const cases: [string[], RegExp][] = [
        [[], /missing command: expected one of up, down, gc/],
        [["deploy"], /unknown command "deploy": expected one of up, down, gc/],
        [["up"], /up needs --pr <n> \(the pull request number\)/],
        [["down"], /down needs --pr <n>/],
        [["up", "--pr"], /option --pr needs a value/],
        [["up", "--pr", "--source-stack", "dev"], /option --pr needs a value/],
        [["up", "--pr", "abc"], /--pr "abc" is not a pull request number: expected a positive integer such as 42/],
        [["up", "--pr", "0"], /--pr "0" is not a pull request number/],
        [["up", "--pr", "-3"], /--pr "-3" is not a pull request number/],
        [["up", "--pr", "1.5"], /--pr "1.5" is not a pull request number/],
        [["up", "--pr", "1", "--pr", "2"], /option --pr given twice/],
        [["up", "--pr", "1", "extra"], /unexpected argument "extra" for up/],
        [["up", "--pr", "1", "--max-age", "3"], /unknown option --max-age for up: expected --pr, --source-stack, --secrets-provider, --summary/],
        [["down", "--pr", "1", "--open", "1"], /unknown option --open for down/],
        [["up", "--pr", "1", "--source-stack", "dev; rm -rf /"], /--source-stack "dev; rm -rf \/" is not a stack name/],
        [["gc"], /gc needs --max-age <hours>/],
        [["gc", "--max-age", "soon"], /--max-age "soon" is not a number of hours: expected a positive number such as 72/],
        [["gc", "--max-age", "-1"], /--max-age "-1" is not a number of hours/],
        [["gc", "--max-age", "1", "--open", "12,x"], /--open "12,x" is not a list of pull request numbers: expected e.g. 12,15,31/],
        [["gc", "--max-age", "1", "--dry-run=yes"], /option --dry-run is a flag and takes no value/],
    ];
    for (const [argv, message] of cases) {
        it(`rejects ${JSON.stringify(argv)} with a clear message`, () => {
            assert.match(usageError(argv), message);
        });
    }

    it("reads PR numbers from plain and fully-qualified stack names only for pr-<n>", () => {
        assert.equal(prNumberOfStack("pr-12"), 12);
        assert.equal(prNumberOfStack("organization/harbor-platform/pr-12"), 12);
        for (const n of ["dev", "prod", "pr-", "pr-0", "pr-12a", "xpr-12"]) {
            assert.equal(prNumberOfStack(n), undefined, n);
        }
    });
});

describe("preview: up", () => {
    it("copies dev's config (secrets flagged) into pr-<n>, deploys it, in that order", async () => {
        const ops = new FakeOps();
        // A copy taken before the run: comparing with ops.config itself would pass even if the command altered it in place.
        const devConfig = structuredClone(ops.config);
        const code = await runPreview(parsePreviewArgs(["up", "--pr", "42"]) as never, ops, io());
        assert.equal(code, 0);
        assert.deepEqual(ops.calls, [
            ["getAllConfig", "dev"],
            ["createOrSelectStack", "pr-42"],
            ["setAllConfig", "pr-42", devConfig],
            ["up", "pr-42"],
        ]);
        const copied = ops.calls[2][2] as ConfigMap;
        assert.deepEqual(copied["harbor-platform:oidcClientSecret"], { value: "oidc-s3cret-value", secret: true }, "a secret must be re-set as a secret, value intact");
    });

    it("uses --source-stack as the config source", async () => {
        const ops = new FakeOps();
        await runPreview(parsePreviewArgs(["up", "--pr", "5", "--source-stack", "staging"]) as never, ops, io());
        assert.deepEqual(ops.calls[0], ["getAllConfig", "staging"]);
    });

    it("prints the URL and the command for the admin password, never a secret", async () => {
        const ops = new FakeOps();
        const out = io();
        await runPreview(parsePreviewArgs(["up", "--pr", "42"]) as never, ops, out);
        const text = out.lines.join("\n");
        assert.match(text, /URL: +https:\/\/pr-42\.harbor\.example\.com/);
        assert.match(text, /Admin user: +admin/);
        assert.match(text, /pulumi stack output --stack pr-42 --show-secrets adminPassword/);
        assert.ok(!text.includes("Adm1n-Passw0rd-Value"), "admin password printed");
        assert.ok(!text.includes("oidc-s3cret-value"), "config secret printed");
    });

    it("does not print a URL output that is marked secret", async () => {
        const ops = new FakeOps();
        ops.outputs = { externalUrl: { value: "https://hidden.example.com", secret: true } };
        const out = io();
        await runPreview(parsePreviewArgs(["up", "--pr", "1"]) as never, ops, out);
        assert.ok(!out.lines.join("\n").includes("hidden.example.com"));
    });

    it("appends a markdown summary for the PR comment when --summary is given", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "preview-")), "summary.md");
        await runPreview(parsePreviewArgs(["up", "--pr", "42", "--summary", file]) as never, new FakeOps(), io());
        const md = fs.readFileSync(file, "utf8");
        assert.match(md, /### Harbor preview `pr-42`/);
        assert.match(md, /- URL: https:\/\/pr-42\.harbor\.example\.com/);
        assert.ok(!md.includes("Adm1n-Passw0rd-Value"));
    });
});

describe("preview: down", () => {
    it("destroys, then removes the stack", async () => {
        const ops = new FakeOps();
        ops.stacks.push({ name: "pr-42", lastUpdate: "2026-03-10T10:00:00.000Z" });
        assert.equal(await runPreview(parsePreviewArgs(["down", "--pr", "42"]) as never, ops, io()), 0);
        assert.deepEqual(ops.calls, [["listStacks"], ["destroy", "pr-42"], ["removeStack", "pr-42"]]);
    });

    it("succeeds without touching anything when the preview was never created", async () => {
        const ops = new FakeOps();
        const out = io();
        assert.equal(await runPreview(parsePreviewArgs(["down", "--pr", "9"]) as never, ops, out), 0);
        assert.deepEqual(ops.calls, [["listStacks"]]);
        assert.match(out.lines.join("\n"), /pr-9 does not exist; nothing to destroy/);
    });
});

describe("preview: gc", () => {
    const now = "2026-03-10T12:00:00.000Z";
    const stacks: StackSummary[] = [
        { name: "dev", lastUpdate: "2025-01-01T00:00:00.000Z" },
        { name: "prod", lastUpdate: "2025-01-01T00:00:00.000Z" },
        { name: "pr-1", lastUpdate: "2026-03-10T10:00:00.000Z" }, // fresh, open
        { name: "pr-2", lastUpdate: "2026-03-01T12:00:00.000Z" }, // 216h old
        { name: "pr-3", lastUpdate: "2026-03-10T11:00:00.000Z" }, // fresh, PR closed
        { name: "pr-4", lastUpdate: "2026-02-01T00:00:00.000Z", updateInProgress: true },
        { name: "pr-5" }, // never deployed, PR open
    ];

    it("decides by age and by open pull requests, never touching dev/prod", () => {
        const d = planGc(stacks, { maxAgeHours: 72, open: [1, 2, 4, 5] }, new Date(now));
        assert.deepEqual(d.map((x) => [x.stack, x.reasons, x.skipped]), [
            ["pr-1", [], undefined],
            ["pr-2", ["last updated 216h ago (limit 72h)"], undefined],
            ["pr-3", ["pull request #3 is not open"], undefined],
            ["pr-4", [], "an update is in progress"],
            ["pr-5", [], "never deployed (no last update), and its pull request is not known to be closed"],
        ]);
    });

    it("destroys and removes exactly the collected previews", async () => {
        const ops = new FakeOps();
        ops.stacks = stacks;
        const code = await runPreview(parsePreviewArgs(["gc", "--max-age", "72", "--open", "1,2,4,5"]) as never, ops, io(now));
        assert.equal(code, 0);
        assert.deepEqual(ops.calls, [["listStacks"], ["destroy", "pr-2"], ["removeStack", "pr-2"], ["destroy", "pr-3"], ["removeStack", "pr-3"]]);
    });

    it("without --open only age counts", async () => {
        const ops = new FakeOps();
        ops.stacks = stacks;
        await runPreview(parsePreviewArgs(["gc", "--max-age", "72"]) as never, ops, io(now));
        assert.deepEqual(ops.calls.filter((c) => c[0] === "destroy"), [["destroy", "pr-2"]]);
    });

    it("collects a never-deployed preview once its PR is closed", async () => {
        const ops = new FakeOps();
        ops.stacks = [{ name: "pr-5" }];
        await runPreview(parsePreviewArgs(["gc", "--max-age", "72", "--open", ""]) as never, ops, io(now));
        assert.deepEqual(ops.calls.slice(1), [["destroy", "pr-5"], ["removeStack", "pr-5"]]);
    });

    it("--dry-run only reports", async () => {
        const ops = new FakeOps();
        ops.stacks = stacks;
        const out = io(now);
        await runPreview(parsePreviewArgs(["gc", "--max-age", "72", "--open", "1", "--dry-run"]) as never, ops, out);
        assert.deepEqual(ops.calls, [["listStacks"]]);
        assert.match(out.lines.join("\n"), /would collect pr-2/);
    });

    it("keeps collecting after one failure, then exits 1 without keeping the stack it could not destroy", async () => {
        const ops = new FakeOps();
        ops.stacks = stacks;
        ops.failDestroy.add("pr-2");
        const code = await runPreview(parsePreviewArgs(["gc", "--max-age", "72", "--open", "1,2,4,5"]) as never, ops, io(now));
        assert.equal(code, 1);
        assert.deepEqual(ops.calls, [["listStacks"], ["destroy", "pr-2"], ["destroy", "pr-3"], ["removeStack", "pr-3"]]);
    });
});

describe("preview: main", () => {
    it("exits 2 with the usage on bad arguments, before creating any Pulumi workspace", async () => {
        let made = false;
        const errors: string[] = [];
        const orig = console.error;
        console.error = (m: string) => errors.push(m);
        try {
            const code = await main(["up", "--pr", "x"], async () => { made = true; return new FakeOps(); });
            assert.equal(code, 2);
        } finally {
            console.error = orig;
        }
        assert.equal(made, false);
        assert.match(errors.join("\n"), /--pr "x" is not a pull request number[\s\S]*Usage:/);
    });

    it("without a Pulumi CLI on PATH: one clear line (what is missing, how to install it) and exit 1", async () => {
        const errors: string[] = [];
        const orig = console.error;
        console.error = (m: string) => errors.push(m);
        try {
            assert.equal(await main(["down", "--pr", "3"], undefined, { PATH: path.join(os.tmpdir(), "no-such-dir") }), 1);
        } finally {
            console.error = orig;
        }
        assert.equal(errors.length, 1, errors.join("\n"));
        assert.match(errors[0], /^error: the Pulumi CLI \(pulumi\) is not on PATH; install it: https:\/\/www\.pulumi\.com\/docs\/install\//);
        assert.ok(!errors[0].includes("\n"));
    });

    it("finds an executable on PATH without running it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "path-"));
        try {
            const bin = path.join(dir, "pulumi");
            fs.writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
            assert.equal(findExecutable("pulumi", { PATH: ["/nonexistent", dir].join(path.delimiter) }), bin);
            assert.equal(findExecutable("pulumi", { PATH: "/nonexistent" }), undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("uses the local file backend at the repository root (as scripts/up.sh) unless PULUMI_BACKEND_URL is set", () => {
        assert.equal(previewBackendUrl({}), `file://${repoRoot}`);
        assert.equal(previewBackendUrl({ PULUMI_BACKEND_URL: "" }), `file://${repoRoot}`);
        assert.equal(previewBackendUrl({ PULUMI_BACKEND_URL: "s3://state" }), "s3://state");
        assert.match(fs.readFileSync(path.join(repoRoot, "scripts", "up.sh"), "utf8"), /PULUMI_BACKEND_URL="\$\{PULUMI_BACKEND_URL:-file:\/\/\$PWD\}"/);
    });

    it("exits 1 with the error message when Pulumi fails", async () => {
        const ops = new FakeOps();
        ops.up = async () => { throw new Error("code: 255\n stderr: error: update failed"); };
        const errors: string[] = [];
        const [origErr, origLog] = [console.error, console.log];
        console.error = (m: string) => errors.push(m);
        console.log = () => undefined;
        try {
            assert.equal(await main(["up", "--pr", "3"], async () => ops), 1);
        } finally {
            console.error = origErr;
            console.log = origLog;
        }
        assert.match(errors[0], /preview up failed: code: 255/);
    });
});
