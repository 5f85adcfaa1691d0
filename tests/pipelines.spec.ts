import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

// Static checks of the pipeline files: the structure a user relies on (job graph, where each secret is visible,
// fork guards, action versions). Parsing only: no runner, no CLI.
const root = path.join(__dirname, "..");
const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
// GitLab (and our anchors) use YAML merge keys (`<<: *mr`).
const load = (rel: string) => YAML.parse(read(rel), { merge: true });
const pkg = JSON.parse(read("package.json"));

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
    if?: string; needs?: string | string[]; environment?: string | { name: string }; steps: Step[];
    env?: Record<string, string>; permissions?: Record<string, string>;
};
type Workflow = { on: any; concurrency?: any; env?: Record<string, string>; permissions?: Record<string, string>; jobs: Record<string, Job> };
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const needs = (job: Job) => (job.needs === undefined ? [] : ([] as string[]).concat(job.needs));
/** Every `secrets.X` a piece of workflow mentions (env, with:, run:, if:). */
const secretsIn = (x: unknown) => [...new Set([...JSON.stringify(x ?? {}).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]))];
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

const PROD_PASSPHRASE = "PROD_PULUMI_CONFIG_PASSPHRASE";
const DEV_PASSPHRASE = "DEV_PULUMI_CONFIG_PASSPHRASE";

// The majors the pipelines are pinned to: the node24 generation (latest major of each action when chosen).
const ACTION_MAJORS: Record<string, string> = {
    "actions/checkout": "v7",
    "actions/setup-node": "v7",
    "actions/github-script": "v8",
    "actions/upload-artifact": "v7",
    "actions/download-artifact": "v7",
    "pulumi/actions": "v7",
    "aws-actions/configure-aws-credentials": "v6",
    "actions/setup-go": "v7",
    "actions/cache": "v5",
};

describe("pipelines: GitHub Actions", () => {
    const pr: Workflow = load(".github/workflows/pull-request.yml");
    const main: Workflow = load(".github/workflows/main.yml");
    const gc: Workflow = load(".github/workflows/preview-gc.yml");
    const workflows: Record<string, Workflow> = { "pull-request": pr, main, "preview-gc": gc };
    const allJobs = Object.entries(workflows).flatMap(([wf, w]) => Object.entries(w.jobs).map(([name, job]) => ({ id: `${wf}.${name}`, wf, name, job })));
    const ciStack = read("scripts/ci-stack.sh");

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

    it("previews only dev through the policy pack from a pull request (prod: offline plan only)", () => {
        assert.equal(envName(pr.jobs.policy), "plan-dev");
        assert.match(runs(pr.jobs.policy), /scripts\/ci-stack\.sh preview dev\b/);
        assert.match(ciStack, /--policy-pack \.\/policy/);
        for (const { id, job } of allJobs.filter((j) => j.wf === "pull-request")) {
            assert.doesNotMatch(runs(job), /ci-stack\.sh (up|preview) prod|--stack "?prod/, `${id} touches the real prod stack`);
        }
    });

    it("deploys pr-<n> after plan and policy, and destroys it on close", () => {
        assert.deepEqual(pr.jobs.preview.needs, ["plan", "policy"]);
        assert.match(runs(pr.jobs.preview), /npm run -s preview -- up --pr "\$PR"/);
        assert.match(pr.jobs.cleanup.if!, /github\.event\.action == 'closed'/);
        assert.match(runs(pr.jobs.cleanup), /npm run -s preview -- down --pr "\$PR"/);
    });

    it("main: test, then prod behind the production environment, then dev (dev's StackReference reads prod)", () => {
        assert.deepEqual(main.on.push.branches, ["main"]);
        assert.deepEqual(needs(main.jobs["deploy-prod"]), ["test"]);
        assert.deepEqual(needs(main.jobs["deploy-dev"]), ["deploy-prod"]);
        assert.equal(envName(main.jobs["deploy-prod"]), "production");
        assert.equal(envName(main.jobs["deploy-dev"]), "dev");
        assert.match(runs(main.jobs["deploy-prod"]), /scripts\/ci-stack\.sh up prod$/m);
        assert.match(runs(main.jobs["deploy-dev"]), /scripts\/ci-stack\.sh up dev$/m);
        // Every job that deploys or previews a stack runs after the tests.
        for (const { id, wf, job } of allJobs.filter((j) => /ci-stack\.sh (up|preview)|preview -- up/.test(runs(j.job)))) {
            const w = workflows[wf];
            const upstream = new Set<string>();
            const walk = (n: string) => needs(w.jobs[n]).forEach((d) => { upstream.add(d); walk(d); });
            walk(id.split(".")[1]);
            assert.ok(upstream.has("test"), `${id} runs after test`);
        }
    });

    it("a first deploy on an empty backend succeeds: stacks are created explicitly, dev without replication until prod is readable", () => {
        assert.match(ciStack, /pulumi stack ls --json/);
        assert.match(ciStack, /pulumi stack init "\$stack" \$\{PULUMI_SECRETS_PROVIDER:\+--secrets-provider "\$PULUMI_SECRETS_PROVIDER"\}/);
        // The same helper as scripts/up.sh, not a re-implementation.
        assert.match(ciStack, /scripts\/lib\/stackFile\.ts prod-stack "Pulumi\.\$stack\.yaml"/);
        assert.match(ciStack, /scripts\/lib\/stackFile\.ts without-replication "Pulumi\.\$stack\.yaml" "\$tmp_config"/);
        assert.match(ciStack, /pulumi stack output --stack "\$prod_stack" replicationEndpoint/);
        assert.match(ciStack, /config_args=\(--config-file "\$tmp_config"\)/);
        assert.ok(fs.statSync(path.join(root, "scripts/ci-stack.sh")).mode & 0o111, "scripts/ci-stack.sh is executable");
        // A preview of a stack that does not exist yet is skipped, and the preview job waits for dev to exist.
        assert.match(ciStack, /nothing to preview/);
        assert.match(runs(pr.jobs.preview), /scripts\/ci-stack\.sh exists dev/);
    });

    it("has no secret at workflow level and grants write permissions per job", () => {
        for (const [name, w] of Object.entries(workflows)) {
            assert.deepEqual(secretsIn(w.env), [], `${name}: workflow-level env holds no secret`);
            assert.equal(w.env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}", `${name}: the backend is a variable`);
        }
        for (const w of [pr, main]) assert.deepEqual(w.permissions, { contents: "read" });
    });

    it("jobs that only test or plan get no secret, no environment and no OIDC token", () => {
        for (const job of [pr.jobs.test, pr.jobs.plan, main.jobs.test]) {
            assert.deepEqual(secretsIn(job), []);
            assert.equal(job.environment, undefined);
            assert.notEqual(job.permissions?.["id-token"], "write");
        }
    });

    it("every secret is an environment secret: a job that references one declares an environment", () => {
        for (const { id, job } of allJobs) {
            if (secretsIn(job).length > 0) assert.ok(envName(job), `${id} references ${secretsIn(job)} without an environment`);
        }
    });

    it("prod's passphrase is only in jobs of the production environment; previews, plans and dev use dev's", () => {
        const withProd = allJobs.filter(({ job }) => secretsIn(job).includes(PROD_PASSPHRASE)).map((j) => j.id);
        assert.deepEqual(withProd, ["main.deploy-prod"]);
        for (const { id, job } of allJobs) {
            if (envName(job) === "production") {
                assert.equal(job.env?.PULUMI_CONFIG_PASSPHRASE, `\${{ secrets.${PROD_PASSPHRASE} }}`, id);
            } else if (secretsIn(job).length > 0) {
                assert.ok(!secretsIn(job).includes(PROD_PASSPHRASE), `${id} sees prod's passphrase`);
                assert.equal(job.env?.PULUMI_CONFIG_PASSPHRASE, `\${{ secrets.${DEV_PASSPHRASE} }}`, `${id} uses dev's passphrase`);
            }
        }
        // Pull requests never reach the production environment.
        assert.ok(!Object.values(pr.jobs).some((j) => envName(j) === "production"));
        for (const job of [pr.jobs.preview, pr.jobs.cleanup, gc.jobs.gc]) assert.equal(envName(job), "preview");
    });

    it("fork pull requests get a green test + plan: every secret or write step checks the head repository", () => {
        assert.equal(pr.jobs.test.if, "github.event.action != 'closed'");
        assert.equal(pr.jobs.plan.if, "github.event.action != 'closed'");
        const comment = pr.jobs.plan.steps.find((s) => s.uses === "./.github/actions/comment")!;
        assert.equal(comment.if, FORK_GUARD);
        for (const { id, job } of allJobs.filter((j) => j.wf === "pull-request")) {
            if (secretsIn(job).length > 0 || envName(job)) assert.ok(job.if?.includes(FORK_GUARD), `${id} has the fork guard`);
        }
    });

    it("uses the chosen major of every action (node24 generation)", () => {
        const actionFiles = fs.readdirSync(path.join(root, ".github/actions")).map((d) => `.github/actions/${d}/action.yml`);
        const steps: Array<{ where: string; uses: string }> = [
            ...allJobs.flatMap(({ id, job }) => job.steps.filter((s) => s.uses).map((s) => ({ where: id, uses: s.uses! }))),
            ...actionFiles.flatMap((f) => (load(f).runs.steps as Step[]).filter((s) => s.uses).map((s) => ({ where: f, uses: s.uses! }))),
        ];
        assert.ok(steps.length > 10);
        for (const { where, uses } of steps) {
            if (uses.startsWith("./")) continue;
            const [name, ref] = uses.split("@");
            assert.ok(ACTION_MAJORS[name], `${where}: ${name} has no chosen major in this test`);
            assert.equal(ref, ACTION_MAJORS[name], `${where}: ${uses}`);
        }
    });

    it("collects stale previews on a schedule", () => {
        assert.ok(gc.on.schedule[0].cron);
        assert.match(runs(gc.jobs.gc), /npm run -s preview -- gc --max-age "\$MAX_AGE" --open "\$open"/);
    });

    it("only refers to local actions, npm scripts and scripts that exist", () => {
        for (const { job } of allJobs) {
            for (const s of job.steps) {
                if (s.uses?.startsWith("./")) {
                    assert.ok(fs.existsSync(path.join(root, s.uses, "action.yml")), s.uses);
                }
                for (const m of (s.run ?? "").matchAll(/npm run -s (\w+)/g)) {
                    assert.ok(pkg.scripts[m[1]], `npm script ${m[1]}`);
                }
                for (const m of (s.run ?? "").matchAll(/(scripts\/[\w./-]+\.(?:sh|ts))/g)) {
                    assert.ok(fs.existsSync(path.join(root, m[1])), m[1]);
                }
            }
        }
    });
});

describe("pipelines: GitLab CI", () => {
    const ci = load(".gitlab-ci.yml");
    const script = (job: string) => (ci[job].script as unknown[]).flat(3).join("\n");
    const jobs = Object.keys(ci).filter((k) => !k.startsWith(".") && typeof ci[k] === "object" && ci[k].script);
    const rulesOf = (job: string) => JSON.stringify(ci[job].rules ?? []);
    const FORK_RULE = "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID";

    it("has the same jobs: test, plan diff, policy preview of dev, review app with stop, manual prod then dev, gc", () => {
        assert.match(script("plan-diff"), /scripts\/plan-diff\.ts/);
        assert.match(script("policy-preview"), /scripts\/ci-stack\.sh preview dev/);
        assert.equal(ci.preview.environment.on_stop, "preview-stop");
        assert.equal(ci["preview-stop"].environment.action, "stop");
        assert.match(script("preview-stop"), /preview -- down --pr "\$PR"/);
        assert.match(script("preview-gc"), /preview -- gc --max-age/);
    });

    it("main: prod (manual, protected environment) before dev, both after test", () => {
        assert.deepEqual(ci["deploy-prod"].needs, ["test"]);
        assert.deepEqual(ci["deploy-dev"].needs, ["deploy-prod"]);
        assert.equal(ci["deploy-prod"].rules[0].when, "manual");
        assert.equal(ci["deploy-prod"].allow_failure, false);
        assert.equal(ci["deploy-prod"].environment.name, "production");
        assert.equal(ci["deploy-dev"].environment.name, "dev");
        assert.match(script("deploy-prod"), /scripts\/ci-stack\.sh up prod/);
        assert.match(script("deploy-dev"), /scripts\/ci-stack\.sh up dev/);
    });

    it("merge requests from forks run test and plan-diff only: every job with an environment has the fork guard", () => {
        for (const job of ["test", "plan-diff"]) {
            assert.equal(ci[job].environment, undefined, job);
            assert.doesNotMatch(script(job), /GITLAB_API_TOKEN|post_note|PULUMI_CONFIG_PASSPHRASE|AWS_ROLE_ARN/, job);
        }
        for (const job of jobs.filter((j) => /merge_request_event/.test(rulesOf(j)) && ci[j].environment)) {
            assert.ok(rulesOf(job).includes(FORK_RULE), `${job} is guarded against forks`);
        }
        for (const job of ["plan-note", "policy-preview", "preview", "preview-stop"]) assert.ok(rulesOf(job).includes(FORK_RULE), job);
    });

    it("serialises updates: resource_group per merge request for previews, per stack for dev and prod", () => {
        assert.equal(ci.preview.resource_group, "review/pr-$CI_MERGE_REQUEST_IID");
        assert.equal(ci["preview-stop"].resource_group, "review/pr-$CI_MERGE_REQUEST_IID");
        assert.equal(ci["deploy-dev"].resource_group, "dev");
        assert.equal(ci["deploy-prod"].resource_group, "prod");
    });

    it("declares id_tokens wherever AWS is used, and wires them to AWS_WEB_IDENTITY_TOKEN_FILE before `pulumi login`", () => {
        for (const job of jobs.filter((j) => ci[j].environment && j !== "plan-note")) {
            assert.deepEqual(ci[job].id_tokens, { AWS_ID_TOKEN: { aud: "sts.amazonaws.com" } }, job);
            const s = script(job);
            assert.match(s, /printf '%s' "\$AWS_ID_TOKEN" > "\$AWS_WEB_IDENTITY_TOKEN_FILE"/, job);
            assert.ok(s.indexOf("AWS_WEB_IDENTITY_TOKEN_FILE") < s.indexOf("pulumi login"), `${job}: credentials before login`);
        }
    });

    it("secrets are environment-scoped: no variable block names one, and prod's stack is only touched in production", () => {
        const globals = JSON.stringify(ci.variables);
        assert.doesNotMatch(globals, /PASSPHRASE|TOKEN|AWS_/);
        for (const job of jobs) {
            assert.doesNotMatch(JSON.stringify(ci[job].variables ?? {}), /PASSPHRASE|TOKEN/, job);
            if (/ci-stack\.sh (up|preview) prod/.test(script(job))) assert.equal(ci[job].environment?.name, "production", job);
            if (/post_note|GITLAB_API_TOKEN/.test(script(job))) assert.ok(ci[job].environment, `${job} reads GITLAB_API_TOKEN from an environment`);
        }
    });
});

describe("pipelines: docs/pipelines.md matches the files", () => {
    const doc = read("docs/pipelines.md");
    const files = [".github/workflows/pull-request.yml", ".github/workflows/main.yml", ".github/workflows/preview-gc.yml"];

    it("names every secret and variable the workflows read, and every environment", () => {
        const text = files.map(read).join("\n");
        const names = new Set([...text.matchAll(/\b(?:secrets|vars)\.([A-Za-z0-9_]+)/g)].map((m) => m[1]).filter((n) => n !== "GITHUB_TOKEN"));
        for (const n of names) assert.ok(doc.includes(`\`${n}\``), `docs/pipelines.md names ${n}`);
        for (const f of files) {
            for (const job of Object.values(load(f).jobs) as Job[]) if (envName(job)) assert.ok(doc.includes(`\`${envName(job)}\``), `${envName(job)}`);
        }
    });

    it("describes the first deploy order, the fork rules and the GitLab jobs", () => {
        for (const s of ["## First deploy on an empty backend", "### Pull requests from forks", "scripts/ci-stack.sh", "resource_group", "id_tokens"]) {
            assert.ok(doc.includes(s), s);
        }
        const ci = load(".gitlab-ci.yml");
        for (const job of Object.keys(ci).filter((k) => !k.startsWith(".") && ci[k]?.script)) assert.ok(doc.includes(`\`${job}\``), `GitLab job ${job}`);
    });
});
