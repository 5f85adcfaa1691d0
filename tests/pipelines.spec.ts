import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const root = path.join(__dirname, "..");
const load = (rel: string) => YAML.parse(fs.readFileSync(path.join(root, rel), "utf8"));
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { if?: string; needs?: string | string[]; environment?: string | { name: string }; steps: Step[] };
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);

describe("pipelines: GitHub Actions", () => {
    const pr = load(".github/workflows/pull-request.yml");
    const main = load(".github/workflows/main.yml");
    const gc = load(".github/workflows/preview-gc.yml");

    it("runs on every pull request event including close", () => {
        assert.deepEqual(pr.on.pull_request.types, ["opened", "synchronize", "reopened", "closed"]);
        assert.equal(pr.concurrency["cancel-in-progress"], false);
    });

    it("tests, plans offline against the base branch and comments the diff", () => {
        assert.match(runs(pr.jobs.test), /npm test/);
        const plan = runs(pr.jobs.plan);
        assert.match(plan, /npm run -s plan -- --stack "\$stack" > "head-\$stack\.json"/);
        assert.match(plan, /scripts\/plan-diff\.ts --base "base-\$stack\.json" --head "head-\$stack\.json"/);
        assert.ok(pr.jobs.plan.steps.some((s: Step) => s.with?.ref === "${{ github.event.pull_request.base.sha }}"));
        assert.ok(pr.jobs.plan.steps.some((s: Step) => s.uses === "./.github/actions/comment"));
    });

    it("previews dev and prod through the policy pack", () => {
        assert.deepEqual(pr.jobs.policy.strategy.matrix.stack, ["dev", "prod"]);
        const step = pr.jobs.policy.steps.find((s: Step) => s.uses?.startsWith("pulumi/actions"));
        assert.equal(step.with.command, "preview");
        assert.equal(step.with.policyPacks, "./policy");
    });

    it("deploys pr-<n> after plan and policy, and destroys it on close", () => {
        assert.deepEqual(pr.jobs.preview.needs, ["plan", "policy"]);
        assert.match(runs(pr.jobs.preview), /npm run -s preview -- up --pr "\$PR"/);
        assert.match(pr.jobs.cleanup.if, /github\.event\.action == 'closed'/);
        assert.match(runs(pr.jobs.cleanup), /npm run -s preview -- down --pr "\$PR"/);
    });

    it("deploys dev, then prod only behind the production environment", () => {
        assert.deepEqual(main.on.push.branches, ["main"]);
        assert.equal(main.jobs["deploy-prod"].needs, "deploy-dev");
        assert.equal(envName(main.jobs["deploy-prod"]), "production");
        for (const [job, stack] of [["deploy-dev", "dev"], ["deploy-prod", "prod"]]) {
            const step = main.jobs[job].steps.find((s: Step) => s.uses?.startsWith("pulumi/actions"));
            assert.deepEqual([step.with.command, step.with["stack-name"], step.with.policyPacks], ["up", stack, "./policy"]);
        }
    });

    it("collects stale previews on a schedule", () => {
        assert.ok(gc.on.schedule[0].cron);
        assert.match(runs(gc.jobs.gc), /npm run -s preview -- gc --max-age "\$MAX_AGE" --open "\$open"/);
    });

    it("only refers to local actions and npm scripts that exist", () => {
        for (const wf of [pr, main, gc]) {
            for (const job of Object.values(wf.jobs) as Job[]) {
                for (const s of job.steps) {
                    if (s.uses?.startsWith("./")) {
                        assert.ok(fs.existsSync(path.join(root, s.uses, "action.yml")), s.uses);
                    }
                    for (const m of (s.run ?? "").matchAll(/npm run -s (\w+)/g)) {
                        assert.ok(pkg.scripts[m[1]], `npm script ${m[1]}`);
                    }
                }
            }
        }
    });

    it("keeps backend and secrets configurable (self-managed by default, Cloud optional)", () => {
        for (const wf of [pr, main, gc]) {
            assert.equal(wf.env.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}");
            assert.equal(wf.env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        }
    });
});

describe("pipelines: GitLab CI", () => {
    const ci = load(".gitlab-ci.yml");
    const script = (job: string) => (ci[job].script as unknown[]).flat(3).join("\n");

    it("has the same jobs: test, plan diff, policy preview, review app with stop, dev then manual prod, gc", () => {
        assert.match(script("plan-diff"), /scripts\/plan-diff\.ts/);
        assert.match(script("policy-preview"), /--policy-pack \.\/policy/);
        assert.equal(ci.preview.environment.on_stop, "preview-stop");
        assert.equal(ci["preview-stop"].environment.action, "stop");
        assert.match(script("preview-stop"), /preview -- down --pr "\$PR"/);
        assert.deepEqual(ci["deploy-prod"].needs, ["deploy-dev"]);
        assert.equal(ci["deploy-prod"].rules[0].when, "manual");
        assert.equal(ci["deploy-prod"].environment.name, "production");
        assert.match(script("preview-gc"), /preview -- gc --max-age/);
    });
});
