// The documentation a user relies on stays in step with the code: Pulumi.yaml declares every top-level setting,
// the README's settings reference names every setting config.ts accepts (and none it does not), stack files hold
// no plaintext secret, and the README links the other documents.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT, SECRET_KEYS, SECTION_KEYS, settingPaths } from "../config";

const root = path.resolve(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/** `a.{b,c.{d,e}}` → a.b, a.c.d, a.c.e (alternatives may nest). */
export function expandBraces(s: string): string[] {
    const open = s.indexOf("{");
    if (open < 0) return [s];
    let depth = 0;
    let close = -1;
    const cuts: number[] = [];
    for (let i = open; i < s.length; i++) {
        if (s[i] === "{") depth++;
        else if (s[i] === "}" && --depth === 0) { close = i; break; }
        else if (s[i] === "," && depth === 1) cuts.push(i);
    }
    if (close < 0) throw new Error(`unbalanced braces in ${s}`);
    const bounds = [open, ...cuts, close];
    const alternatives = bounds.slice(0, -1).map((b, k) => s.slice(b + 1, bounds[k + 1]));
    return alternatives.flatMap((alt) => expandBraces(s.slice(0, open) + alt + s.slice(close + 1)));
}

/** The settings named in the first column of the README's settings reference, expanded. */
function readmeSettings(readme: string): string[] {
    const section = readme.split(/^## Settings reference$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, "README has a '## Settings reference' section");
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    return rows.flatMap((row) => {
        const first = row.split(/(?<!\\)\|/)[1];
        return [...first.matchAll(/`([^`]+)`/g)].flatMap((m) => expandBraces(m[1].replace(/\?/g, "").replace(/\s+/g, "")));
    });
}

// Leaf lists (`aws.subnetIds[]`) are documented without the trailing [].
const norm = (p: string) => p.replace(/\[\]$/, "");
const matches = (pattern: string, setting: string) =>
    new RegExp(`^${norm(pattern).replace(/[.[\]]/g, "\\$&").replace(/<[^>]+>/g, "[^.]+")}$`).test(norm(setting));

describe("docs: settings reference and Pulumi.yaml against config.ts", () => {
    const paths = settingPaths();
    const readme = read("README.md");
    const documented = readmeSettings(readme);

    it("expands the README's brace notation", () => {
        assert.deepStrictEqual(expandBraces("a.{b,c.{d,e}}"), ["a.b", "a.c.d", "a.c.e"]);
        assert.deepStrictEqual(expandBraces("x[].{y,z[].{p,q}}"), ["x[].y", "x[].z[].p", "x[].z[].q"]);
        assert.ok(matches("resources.<part>.requests.cpu", "resources.core.requests.cpu"));
        assert.ok(!matches("resources.<part>.requests.cpu", "resources.core.limits.cpu"));
    });

    it("config.ts exposes every nested setting (sanity: the walk reaches leaves of every section)", () => {
        for (const key of SECTION_KEYS) assert.ok(paths.some((p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[]`)), key);
        for (const p of ["replicas.core", "system.auth.oidc.clientId", "projects[].robots[].permissions[].effect", "images[].scanGate"]) {
            assert.ok(paths.includes(p), p);
        }
    });

    it("the README reference documents every setting a user can set", () => {
        const missing = paths.filter((p) => !documented.some((d) => matches(d, p)));
        assert.deepStrictEqual(missing, [], `settings missing from README "Settings reference": ${missing.join(", ")}`);
    });

    it("the README reference documents no setting that config.ts does not accept", () => {
        const stale = documented.filter((d) => !paths.some((p) => matches(d, p)));
        assert.deepStrictEqual(stale, [], `README documents unknown settings: ${stale.join(", ")}`);
    });

    it("Pulumi.yaml declares exactly the top-level settings, each with a description, and no secret default", () => {
        const project = YAML.parse(read("Pulumi.yaml")) as { name: string; runtime: string; description?: string; config: Record<string, { description?: string; default?: unknown; type?: string }> };
        assert.strictEqual(project.name, PROJECT);
        assert.strictEqual(project.runtime, "nodejs");
        assert.ok(project.description);
        assert.deepStrictEqual(Object.keys(project.config).sort(), [...SECTION_KEYS].sort());
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(decl.description && decl.description.length > 10, `${key} has a description`);
        }
        for (const key of SECRET_KEYS) {
            assert.strictEqual(project.config[key].default, "", `${key} has no default value`);
            assert.match(project.config[key].description!, new RegExp(`--secret ${key}`), `${key} says how to set it as a secret`);
        }
    });
});

describe("docs: stack files", () => {
    for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
        it(`${file} holds secrets only as secure: values, and only example.com hosts`, () => {
            const text = read(file);
            const config = (YAML.parse(text) as { config: Record<string, unknown> }).config;
            for (const key of SECRET_KEYS) {
                const v = config[`${PROJECT}:${key}`];
                assert.ok(v === undefined || (typeof v === "object" && v !== null && "secure" in v), `${key} in ${file} is not plaintext`);
            }
            const hosts = [...text.matchAll(/\b([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|io|net|org))\b/g)].map((m) => m[1]);
            const foreign = hosts.filter((h) => !/(^|\.)example\.com$/.test(h));
            assert.deepStrictEqual(foreign, [], `${file} names hosts outside example.com`);
        });
    }
});

describe("docs: README links and sections", () => {
    const readme = read("README.md");

    for (const doc of ["docs/operations.md", "docs/pipelines.md", "docs/security.md", "harbor/README.md", "BENCHMARKS.md"]) {
        it(`links ${doc}, which exists`, () => {
            assert.ok(readme.includes(`](${doc})`), `README links ${doc}`);
            assert.ok(fs.existsSync(path.join(root, doc)), `${doc} exists`);
        });
    }

    it("has the sections issue 2/4/5 promise (architecture picture, prerequisites, quick start, HA design, workflow, troubleshooting, previews, policy pack)", () => {
        assert.match(readme, /```mermaid/);
        for (const heading of ["## Prerequisites", "## Quick start", "## Settings reference", "## HA design", "## Content layer workflow", "### Troubleshooting", "## Previews and pipelines", "## Policy pack"]) {
            assert.ok(readme.includes(heading), heading);
        }
        for (const trouble of ["401", "Upload timeouts, large layers", "Tag conflicts"]) assert.ok(readme.includes(trouble), trouble);
    });

    it("every relative link in the README and docs/ points at a file that exists", () => {
        for (const file of ["README.md", "docs/operations.md", "docs/pipelines.md", "docs/security.md"]) {
            const dir = path.dirname(path.join(root, file));
            for (const m of read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
                if (/^[a-z]+:/.test(m[1])) continue;
                assert.ok(fs.existsSync(path.resolve(dir, m[1])), `${file} links ${m[1]}, which does not exist`);
            }
        }
    });
});

describe("docs: operations runbook (issue 5)", () => {
    const ops = read("docs/operations.md");

    it("covers every day-2 topic", () => {
        for (const heading of ["## Upgrading Harbor", "## Rotating secrets", "## Backup and restore", "## Disaster recovery through replication", "## Scaling", "## Monitoring", "## Troubleshooting"]) {
            assert.ok(ops.includes(heading), heading);
        }
        // Upgrade: chart bump, database backup first, no rollback.
        assert.match(ops, /HARBOR_CHART` constant in `config\.ts`/);
        assert.match(ops, /create-db-snapshot/);
        assert.match(ops, /Do not run `helm rollback`/);
        // Rotation: robots, S3 keys, database password.
        for (const row of ["| Robot account secret", "| S3 access key", "| Database password"]) assert.ok(ops.includes(row), row);
        // Alerts on storage use, request latency and job queue backlog.
        for (const metric of ["harbor_project_quota_usage_byte", "registry_http_request_duration_seconds_bucket", "harbor_task_queue_size"]) assert.ok(ops.includes(metric), metric);
    });

    it("has a troubleshooting row for each common failure", () => {
        const table = ops.split("## Troubleshooting")[1];
        for (const symptom of ["401", "413", "CSRF", "not valid yet", "MinIO", "trivy DB download"]) assert.ok(table.includes(symptom), symptom);
    });

    it("names the pinned chart version's real home", () => {
        assert.match(read("config.ts"), /export const HARBOR_CHART = /);
    });
});
