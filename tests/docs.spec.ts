// The documentation a user relies on stays in step with the code: Pulumi.yaml declares every top-level setting,
// the README's settings reference names every setting config.ts accepts (and none it does not) with the defaults it
// applies and the preview profile's forced values in bold, stack files hold
// no plaintext secret, and the README links the other documents.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { environmentDefaults, HARBOR_CHART, PROJECT, previewProfile, SECRET_KEYS, SECTION_KEYS, settingPaths } from "../config";
import { one, stackPlan } from "./helpers/pulumi";

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

/** A row of the README's settings reference: the settings it names (expanded) and its cells. */
interface SettingsRow { paths: string[]; dev: string; prod: string; pr: string }

function readmeRows(readme: string): SettingsRow[] {
    const section = readme.split(/^## Settings reference$/m)[1]?.split(/^## /m)[0];
    assert.ok(section, "README has a '## Settings reference' section");
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    return rows.map((row) => {
        const cells = row.split(/(?<!\\)\|/).map((c) => c.trim());
        const paths = [...cells[1].matchAll(/`([^`]+)`/g)].flatMap((m) => expandBraces(m[1].replace(/\?/g, "").replace(/\s+/g, "")));
        return { paths, dev: cells[2], prod: cells[3], pr: cells[4] };
    });
}

/** The settings named in the first column of the README's settings reference, expanded. */
function readmeSettings(readme: string): string[] {
    return readmeRows(readme).flatMap((r) => r.paths);
}

/**
 * The default values a cell states: the text before any "(" remark, split at ", ". A token is a literal when it is
 * `backticked` (without placeholders like <namespace>) or a bare number/true/false; anything else (required, small,
 * same, empty, 1 each, ...) is prose and returns undefined for that position.
 */
function cellLiterals(cell: string): (string | undefined)[] {
    const head = cell.split(" (")[0].trim();
    return head.split(", ").map((t) => {
        const m = /^`([^`]*)`$/.exec(t.trim()) ?? /^(-?\d+|true|false)$/.exec(t.trim());
        return m && !m[1].includes("<") ? m[1] : undefined;
    });
}

/** A default as the README writes it: "" and {} / [] literally, everything else as text. */
function rendered(v: unknown): string {
    if (v === "") return '""';
    if (typeof v === "object" && v !== null) return JSON.stringify(v);
    return String(v);
}

function valueAt(obj: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Dotted paths of every leaf a (partial) settings object sets. */
function leafPaths(obj: unknown, prefix = ""): string[] {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return [prefix];
    return Object.entries(obj).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
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

    it("every default the README states for dev and prod is the one config.ts applies", () => {
        const wrong: string[] = [];
        let compared = 0;
        for (const row of readmeRows(readme)) {
            for (const env of ["dev", "prod"] as const) {
                const cell = env === "prod" && row.prod.startsWith("same") ? row.dev : row[env];
                const literals = cellLiterals(cell);
                // One literal for several settings means "each"; otherwise the literals pair up with the settings.
                if (literals.length !== row.paths.length && literals.length !== 1) continue;
                row.paths.forEach((p, i) => {
                    const doc = literals.length === 1 ? literals[0] : literals[i];
                    if (doc === undefined || p.includes("[]")) return;
                    const actual = valueAt(environmentDefaults[env], p);
                    compared++;
                    if (rendered(actual) !== doc) wrong.push(`${p} (${env}): README says ${doc}, config.ts has ${rendered(actual)}`);
                });
            }
        }
        assert.deepStrictEqual(wrong, []);
        assert.ok(compared > 100, `compared ${compared} documented defaults (the table format changed?)`);
    });

    it("the README marks in bold exactly the settings the preview profile forces on pr-<n>", () => {
        const forced = leafPaths(previewProfile(1, { hostname: "harbor-dev.example.com" }));
        const covers = (row: SettingsRow, p: string) => row.paths.some((d) => matches(d, p));
        const rows = readmeRows(readme);
        const bold = rows.filter((r) => r.pr.includes("**"));
        const unmarked = forced.filter((p) => !bold.some((r) => covers(r, p)));
        assert.deepStrictEqual(unmarked, [], "forced by previewProfile but not in bold in the README's pr-<n> column");
        const notForced = bold.filter((r) => !forced.some((p) => covers(r, p))).map((r) => r.paths.join(","));
        assert.deepStrictEqual(notForced, [], "in bold in the README's pr-<n> column but not forced by previewProfile");
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

    it("the constant it tells you to bump (HARBOR_CHART in config.ts) is the chart the Harbor release installs", async () => {
        const release = one((await stackPlan("prod")).plan, "kubernetes:helm.sh/v3:Release", "harbor-release");
        assert.deepStrictEqual(
            { name: release.inputs.chart, version: release.inputs.version, repo: (release.inputs.repositoryOpts as { repo?: string }).repo },
            { name: HARBOR_CHART.name, version: HARBOR_CHART.version, repo: HARBOR_CHART.repo },
        );
    });
});
