// Alerts as code (issue 14 item 5): the PrometheusRule the Harbor component deploys with metrics.enabled, its rules'
// contents (thresholds from config, Harbor's real metric names, severities, annotations), its labels, and where the
// checked-in stacks have one.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, harborArgs, parseSettings, RawConfig, Settings } from "../config";
import { AlertRule, buildHarborAlertRules, Harbor, HARBOR_METRICS, HarborAlertsArgs, PROMETHEUS_RULE, ruleLabels } from "../components/harbor";
import { at, installMocks, MINIMAL_PROD_CONFIG, ofType, one, Plan, RecordedResource, settle, stackPlan } from "./helpers/pulumi";

const P = "harbor-platform";
const DEV: RawConfig = { [`${P}:hostname`]: "harbor-dev.example.com" };
const PROD: RawConfig = { ...MINIMAL_PROD_CONFIG };

/**
 * Every series Harbor 2.15.2 exposes that an alert may use, read off its source (not off components/harbor/alerts.ts):
 * src/pkg/exporter/{health,project,js,statistics,system}_collector.go (namespace "harbor"), src/lib/metric/collector.go
 * and jobservice.go with the chart's METRIC_NAMESPACE=harbor and METRIC_SUBSYSTEM=core / jobservice; and the registry's,
 * distribution 2.8 (its handlers through docker/go-metrics NewDefaultHttpMetrics, namespace "registry", subsystem "http").
 */
const HARBOR_2_15_SERIES = new Set([
    // exporter
    "harbor_health", "harbor_up", "harbor_system_info", "harbor_project_total", "harbor_project_quota_usage_byte",
    "harbor_project_quota_byte", "harbor_project_repo_total", "harbor_project_member_total", "harbor_artifact_pulled",
    "harbor_project_artifact_total", "harbor_task_queue_size", "harbor_task_queue_latency", "harbor_task_concurrency",
    "harbor_task_scheduled_total", "harbor_statistics_total_storage_consumption",
    // core (a summary: the quantile series plus _sum and _count)
    "harbor_core_http_inflight_requests", "harbor_core_http_request_total", "harbor_core_http_request_duration_seconds",
    "harbor_core_http_request_duration_seconds_sum", "harbor_core_http_request_duration_seconds_count",
    // jobservice
    "harbor_jobservice_info", "harbor_jobservice_task_total", "harbor_jobservice_task_process_time_seconds",
    // registry (histograms and counters per handler)
    "registry_http_request_duration_seconds_bucket", "registry_http_request_duration_seconds_sum",
    "registry_http_request_duration_seconds_count", "registry_http_requests_total", "registry_http_in_flight_requests",
]);

/** The series names an expression selects (identifiers followed by `{`). */
const seriesIn = (expr: string) => [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]).filter((n) => n !== "absent");
/** The label selectors of an expression, one per series. */
const selectorsIn = (expr: string) => [...expr.matchAll(/[a-z0-9_]\{([^}]*)\}/g)].map((m) => m[1]);

function settings(stack: string, raw: RawConfig, metrics: Record<string, unknown> = {}): Settings {
    return parseSettings(stack, { ...raw, [`${P}:metrics`]: metrics });
}
/** The alerts the program gives the Harbor component for these settings (config/toArgs.ts); undefined: no PrometheusRule. */
const alertsOf = (s: Settings): HarborAlertsArgs | undefined => harborArgs(s).alerts;
const rulesOf = (s: Settings, namespace = "harbor"): AlertRule[] => buildHarborAlertRules(alertsOf(s)!, namespace).groups.flatMap((g) => g.rules);
/** The PrometheusRule's labels for these settings. */
const labelsOf = (s: Settings): Record<string, string> => ruleLabels(alertsOf(s)!, harborArgs(s).metrics.serviceMonitorLabels);
const byName = (rules: AlertRule[], alert: string): AlertRule => {
    const r = rules.find((x) => x.alert === alert);
    assert.ok(r, `alert ${alert}`);
    return r;
};

describe("alerts as code: the PrometheusRule's contents (components/harbor/alerts.ts)", () => {
    const custom = settings("prod", PROD, {
        alerts: { storageUsagePercent: 77, p99LatencySeconds: 13, failedJobsPerHour: 42, unhealthyForMinutes: 9 },
    });
    const rules = rulesOf(custom, "registry-ns");

    it("has the documented alerts: unhealthy components, storage against quota, p99 latency, failed jobs", () => {
        assert.deepStrictEqual(rules.map((r) => r.alert), [
            "HarborComponentUnhealthy", "HarborHealthUnknown", "HarborProjectQuotaNearlyFull", "HarborApiLatencyHigh",
            "HarborRegistryLatencyHigh", "HarborJobsFailing", "HarborJobQueueBacklog", "HarborJobQueueStuck",
        ]);
    });

    it("each threshold is the configured one", () => {
        assert.match(byName(rules, "HarborProjectQuotaNearlyFull").expr,
            /^100 \* harbor_project_quota_usage_byte\{[^}]*\} \/ \(harbor_project_quota_byte\{[^}]*\} > 0\) > 77$/);
        assert.match(byName(rules, "HarborApiLatencyHigh").expr,
            /^max by \(operation\) \(harbor_core_http_request_duration_seconds\{[^}]*quantile="0\.99"[^}]*\}\) > 13$/);
        assert.match(byName(rules, "HarborRegistryLatencyHigh").expr,
            /^histogram_quantile\(0\.99, sum by \(le, handler\) \(rate\(registry_http_request_duration_seconds_bucket\{[^}]*handler!~"blob\.\*"[^}]*\}\[5m\]\)\)\) > 13$/);
        assert.match(byName(rules, "HarborJobsFailing").expr,
            /^sum by \(type\) \(increase\(harbor_jobservice_task_total\{[^}]*status="fail"[^}]*\}\[1h\]\)\) > 42$/);
        assert.match(byName(rules, "HarborComponentUnhealthy").expr, /^harbor_up\{[^}]*\} == 0$/);
        assert.strictEqual(byName(rules, "HarborComponentUnhealthy").for, "9m");
        assert.strictEqual(byName(rules, "HarborHealthUnknown").for, "9m");
        // and the thresholds reach the descriptions people read
        assert.match(byName(rules, "HarborProjectQuotaNearlyFull").annotations.description, /77%/);
        assert.match(byName(rules, "HarborApiLatencyHigh").annotations.description, /13s/);
        assert.match(byName(rules, "HarborJobsFailing").annotations.description, /More than 42 /);
    });

    it("changing a threshold changes only its own alerts", () => {
        const base = { storageUsagePercent: 77, p99LatencySeconds: 13, failedJobsPerHour: 42, unhealthyForMinutes: 9 };
        const changedBy = (over: Record<string, number>) => {
            const other = rulesOf(settings("prod", PROD, { alerts: { ...base, ...over } }), "registry-ns");
            return rules.filter((r, i) => JSON.stringify(r) !== JSON.stringify(other[i])).map((r) => r.alert);
        };
        assert.deepStrictEqual(changedBy({ storageUsagePercent: 60 }), ["HarborProjectQuotaNearlyFull"]);
        assert.deepStrictEqual(changedBy({ p99LatencySeconds: 2 }), ["HarborApiLatencyHigh", "HarborRegistryLatencyHigh"]);
        assert.deepStrictEqual(changedBy({ failedJobsPerHour: 0 }), ["HarborJobsFailing"]);
        assert.deepStrictEqual(changedBy({ unhealthyForMinutes: 30 }), ["HarborComponentUnhealthy", "HarborHealthUnknown"]);
    });

    it("names only series Harbor 2.15 really exposes (exporter, core, jobservice, registry)", () => {
        const used = rules.flatMap((r) => seriesIn(r.expr));
        assert.ok(used.length >= rules.length, "every alert selects a series");
        assert.deepStrictEqual(used.filter((n) => !HARBOR_2_15_SERIES.has(n)), []);
        for (const name of Object.values(HARBOR_METRICS)) assert.ok(HARBOR_2_15_SERIES.has(name), name);
    });

    it("uses the label values Harbor's code writes (jobservice status fail, core summary quantile 0.99, blob operations)", () => {
        // src/jobservice/runner/redis.go: WithLabelValues(j.Name, "fail" | "stop" | "success"); never "Error".
        assert.ok(!rules.some((r) => /status="Error"/.test(r.expr)));
        // src/server/middleware/metric/metric.go: BlobsOperationID v2_blob, BlobsUploadOperationID v2_blob_upload.
        assert.match(byName(rules, "HarborApiLatencyHigh").expr, /operation!~"v2_blob\|v2_blob_upload"/);
    });

    it("selects only the series of this Harbor's namespace", () => {
        for (const r of rules) {
            const selectors = selectorsIn(r.expr);
            assert.ok(selectors.length > 0, r.alert);
            for (const sel of selectors) assert.ok(sel.split(",").includes(`namespace="registry-ns"`), `${r.alert}: {${sel}}`);
        }
    });

    it("every alert has a severity label and summary/description annotations", () => {
        for (const r of rules) {
            assert.ok(["warning", "critical"].includes(r.labels.severity), `${r.alert} severity`);
            assert.ok(r.annotations.summary.length > 10, `${r.alert} summary`);
            assert.ok(r.annotations.description.length > 30, `${r.alert} description`);
            assert.match(r.for, /^\d+[mh]$/, `${r.alert} for`);
        }
        assert.strictEqual(byName(rules, "HarborComponentUnhealthy").labels.severity, "critical");
        assert.strictEqual(byName(rules, "HarborProjectQuotaNearlyFull").labels.severity, "warning");
    });

    it("per-environment defaults: prod pages sooner and at lower thresholds than dev", () => {
        const prod = settings("prod", PROD, { enabled: true }).metrics.alerts;
        const dev = settings("dev", DEV, { enabled: true }).metrics.alerts;
        assert.deepStrictEqual(prod, {
            enabled: true, ruleLabels: {}, storageUsagePercent: 85, p99LatencySeconds: 5, failedJobsPerHour: 5, unhealthyForMinutes: 5,
        });
        assert.deepStrictEqual(dev, {
            enabled: true, ruleLabels: {}, storageUsagePercent: 90, p99LatencySeconds: 10, failedJobsPerHour: 10, unhealthyForMinutes: 10,
        });
        assert.match(byName(rulesOf(settings("prod", PROD)), "HarborApiLatencyHigh").expr, / > 5$/);
    });

    it("rule labels: metrics.alerts.ruleLabels, else the ServiceMonitor's labels, else release: prometheus", () => {
        assert.deepStrictEqual(labelsOf(settings("prod", PROD, { alerts: { ruleLabels: { prometheus: "platform" } }, serviceMonitorLabels: { release: "kps" } })),
            { prometheus: "platform" });
        assert.deepStrictEqual(labelsOf(settings("prod", PROD, { serviceMonitorLabels: { release: "kps" } })), { release: "kps" });
        assert.deepStrictEqual(labelsOf(settings("prod", PROD)), { release: "prometheus" });
    });

    it("deployed only with metrics.enabled and metrics.alerts.enabled", () => {
        const deployed = (s: Settings) => alertsOf(s) !== undefined;
        assert.strictEqual(deployed(settings("prod", PROD)), true);
        assert.strictEqual(deployed(settings("prod", PROD, { alerts: { enabled: false } })), false);
        assert.strictEqual(deployed(settings("dev", DEV)), false, "dev: metrics off by default");
        assert.strictEqual(deployed(settings("dev", DEV, { enabled: true })), true);
        assert.strictEqual(deployed(settings("pr-3", DEV, { enabled: true })), false, "previews force metrics off");
    });

    it("bad thresholds are refused at their key, with what is allowed", () => {
        const issues = (alerts: Record<string, unknown>) => {
            try {
                settings("prod", PROD, { alerts });
            } catch (e) {
                assert.ok(e instanceof ConfigError);
                return e.issues.map((i) => `${i.key}: ${i.message}`);
            }
            return [];
        };
        assert.ok(issues({ storageUsagePercent: 101 }).some((m) => m.startsWith(`${P}:metrics.alerts.storageUsagePercent`) && /from 1 to 100/.test(m)));
        assert.ok(issues({ p99LatencySeconds: "fast" }).some((m) => m.startsWith(`${P}:metrics.alerts.p99LatencySeconds`)));
        assert.ok(issues({ failedJobsPerHour: -1 }).some((m) => m.startsWith(`${P}:metrics.alerts.failedJobsPerHour`)));
        assert.ok(issues({ ruleLabels: { release: 1 } }).some((m) => m.startsWith(`${P}:metrics.alerts.ruleLabels`)));
        assert.ok(issues({ treshold: 3 }).some((m) => m.includes("treshold")), "a typo is not ignored");
        // Strings from `pulumi config set --path` are numbers.
        assert.strictEqual(settings("prod", PROD, { alerts: { storageUsagePercent: "70" } }).metrics.alerts.storageUsagePercent, 70);
    });
});

describe("alerts as code: the PrometheusRule resource", () => {
    const RULE = PROMETHEUS_RULE.type;
    const plans: Record<string, { plan: Plan; recorded: readonly RecordedResource[] }> = {};
    before(async () => {
        for (const stack of ["dev", "prod", "pr-42"]) plans[stack] = await stackPlan(stack);
    });

    it("prod: one PrometheusRule in Harbor's namespace, a child of the Harbor component, selected by kube-prometheus-stack", () => {
        const { plan } = plans.prod;
        const rule = one(plan, RULE, "harbor-alerts");
        assert.strictEqual(rule.parent, "harbor");
        assert.strictEqual(rule.inputs.apiVersion, "monitoring.coreos.com/v1");
        assert.strictEqual(rule.inputs.kind, "PrometheusRule");
        assert.strictEqual(at(rule.inputs, "metadata.namespace"), plan.outputs.namespace);
        // Pulumi.prod.yaml's serviceMonitorLabels: the same Prometheus selects the ServiceMonitor and the rule.
        assert.strictEqual(at(rule.inputs, "metadata.labels.release"), "kube-prometheus-stack");
        const rules = (at(rule.inputs, "spec.groups") as { rules: AlertRule[] }[]).flatMap((g) => g.rules);
        // Every documented alert, on this Harbor's series, with prod's thresholds (it pages sooner than dev).
        assert.deepStrictEqual(rules.map((r) => r.alert), [
            "HarborComponentUnhealthy", "HarborHealthUnknown", "HarborProjectQuotaNearlyFull", "HarborApiLatencyHigh",
            "HarborRegistryLatencyHigh", "HarborJobsFailing", "HarborJobQueueBacklog", "HarborJobQueueStuck",
        ]);
        for (const r of rules) {
            for (const sel of selectorsIn(r.expr)) assert.ok(sel.split(",").includes(`namespace="${plan.outputs.namespace}"`), `${r.alert}: {${sel}}`);
        }
        assert.match(byName(rules, "HarborProjectQuotaNearlyFull").expr, / > 85$/);
        assert.match(byName(rules, "HarborApiLatencyHigh").expr, / > 5$/);
        assert.match(byName(rules, "HarborRegistryLatencyHigh").expr, / > 5$/);
        assert.match(byName(rules, "HarborJobsFailing").expr, / > 5$/);
        assert.strictEqual(byName(rules, "HarborComponentUnhealthy").for, "5m");
    });

    it("prod: the rule waits for the Helm release", () => {
        const { recorded } = plans.prod;
        const rule = recorded.filter((r) => r.type === RULE);
        const release = recorded.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "harbor-release");
        assert.strictEqual(rule.length, 1);
        assert.strictEqual(release.length, 1);
        assert.ok(rule[0].dependencies.some((u) => u.endsWith("::harbor-release")), `dependencies: ${rule[0].dependencies.join(", ")}`);
    });

    it("dev and pr-<n> (metrics off): no PrometheusRule", () => {
        assert.deepStrictEqual(ofType(plans.dev.plan, RULE), []);
        assert.deepStrictEqual(ofType(plans["pr-42"].plan, RULE), []);
    });

    describe("the Harbor component alone, under mocks", () => {
        async function record(s: Settings): Promise<RecordedResource[]> {
            const { recorded } = installMocks(s.stack);
            const ref = pulumi.output("x");
            new Harbor("harbor", {
                ...harborArgs(s), protect: false,
                storage: {
                    bucket: pulumi.output("harbor"), region: "us-east-1", disableRedirect: true, encrypt: false,
                    credentials: { accessKeyId: ref, secretAccessKey: pulumi.secret("y") },
                },
            });
            await settle();
            return recorded;
        }

        it("metrics.alerts.enabled false: no PrometheusRule; metrics off: none; both on: one", async () => {
            assert.strictEqual((await record(settings("dev", DEV, { enabled: true, alerts: { enabled: false } }))).filter((r) => r.type === PROMETHEUS_RULE.type).length, 0);
            assert.strictEqual((await record(settings("dev", DEV, { enabled: false }))).filter((r) => r.type === PROMETHEUS_RULE.type).length, 0);
            const on = (await record(settings("dev", DEV, { enabled: true, alerts: { ruleLabels: { team: "platform" } } }))).filter((r) => r.type === PROMETHEUS_RULE.type);
            assert.strictEqual(on.length, 1);
            assert.strictEqual(at(on[0].inputs, "metadata.labels.team"), "platform");
            assert.strictEqual(at(on[0].inputs, "metadata.labels.release"), undefined, "explicit ruleLabels replace the default");
        });
    });
});

describe("alerts as code: documentation and deploy check", () => {
    const read = (f: string) => fs.readFileSync(path.join(__dirname, "..", f), "utf8");

    it("docs/operations.md points at the code instead of carrying alert YAML", () => {
        const monitoring = read("docs/operations.md").split(/^## Monitoring$/m)[1]?.split(/^## /m)[0] ?? "";
        assert.ok(monitoring, "docs/operations.md has a Monitoring section");
        assert.ok(!/^\s*- alert: /m.test(monitoring), "no alert YAML in the docs");
        assert.ok(monitoring.includes("components/harbor/alerts.ts"));
        assert.ok(monitoring.includes("metrics.alerts.enabled"));
        assert.match(monitoring, /no matches for kind "PrometheusRule"/);
        for (const r of rulesOf(settings("prod", PROD))) assert.ok(monitoring.includes(r.alert), `docs name ${r.alert}`);
    });

    describe("scripts/up.sh: the CRD check before `pulumi up` (its block, run with a stand-in kubectl)", () => {
        const up = read("scripts/up.sh");
        const block = /^# Harbor's alerts are a Prometheus Operator PrometheusRule[\s\S]*?^fi$/m.exec(up)?.[0] ?? "";
        let bin: string;
        before(() => {
            bin = fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-"));
            // A cluster without the CRD: kubectl answers NotFound, like the real one.
            fs.writeFileSync(path.join(bin, "kubectl"), [
                "#!/usr/bin/env bash",
                'case "$*" in',
                '  "config current-context") echo test-cluster ;;',
                `  "get crd ${PROMETHEUS_RULE.crd}") [ -n "$HAS_CRD" ] && exit 0;` +
                    ` echo 'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${PROMETHEUS_RULE.crd}" not found' >&2; exit 1 ;;`,
                "  *) exit 2 ;;",
                "esac",
            ].join("\n"), { mode: 0o755 });
        });
        after(() => fs.rmSync(bin, { recursive: true, force: true }));

        const run = (planJson: string, env: Record<string, string> = {}) => spawnSync("bash", ["-c", `set -euo pipefail\n${block}\necho checked`], {
            encoding: "utf8",
            env: { PATH: `${bin}:${process.env.PATH}`, stack: "prod", plan_json: planJson, ...env },
        });
        const withRule = JSON.stringify({ resources: [{ type: PROMETHEUS_RULE.type, name: "harbor-alerts" }] }, null, 2);

        it("stops with the explanation and the setting when the plan has a rule and the cluster lacks the CRD", () => {
            assert.ok(block, "up.sh has the check block");
            const r = run(withRule);
            assert.strictEqual(r.status, 1, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`no CRD ${PROMETHEUS_RULE.crd.replace(/\./g, "\\.")}`));
            assert.match(r.stderr, /pulumi config set --stack prod --path 'metrics\.alerts\.enabled' false/);
        });

        it("goes on when the CRD exists, when the plan has no rule, or with SKIP_CRD_CHECK=1", () => {
            for (const [plan, env] of [[withRule, { HAS_CRD: "1" }], ["{}", {}], [withRule, { SKIP_CRD_CHECK: "1" }]] as const) {
                const r = run(plan, env);
                assert.strictEqual(r.status, 0, r.stderr);
                assert.strictEqual(r.stdout.trim(), "checked");
            }
        });
    });
});
