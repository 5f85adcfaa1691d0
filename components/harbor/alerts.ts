/**
 * Alerts as code: the PrometheusRule the Harbor component deploys with `metrics.enabled` and `metrics.alerts.enabled`,
 * as a PURE function of its args (tests/alerts.spec.ts checks every rule).
 *
 * Metric names are the ones Harbor 2.15 exposes (v2.15.2 source):
 * - exporter (src/pkg/exporter, namespace "harbor"): `harbor_up{component}` and `harbor_health` (health_collector.go,
 *   1 healthy / 0 not, from core's /api/v2.0/health), `harbor_project_quota_usage_byte{project_name}` and
 *   `harbor_project_quota_byte{project_name}` (project_collector.go; -1 = unlimited), `harbor_task_queue_latency{type}`
 *   (js_collector.go, seconds since the oldest queued job was enqueued);
 * - core (src/lib/metric/collector.go with METRIC_NAMESPACE=harbor, METRIC_SUBSYSTEM=core; middleware
 *   src/server/middleware/metric): `harbor_core_http_request_duration_seconds{method,operation,quantile}`, a SUMMARY
 *   with quantiles 0.5/0.9/0.99 per pod (so p99 is read per pod and the worst one taken; quantiles cannot be summed);
 *   core proxies the registry API, so `/v2` calls are in it too (operations v2_manifest, v2_blob, ...);
 * - jobservice (src/lib/metric/jobservice.go, subsystem jobservice; src/jobservice/runner/redis.go):
 *   `harbor_jobservice_task_total{type,status}`, status one of success, fail, stop;
 * - the registry (distribution 2.8, which Harbor's registry is: `debug.prometheus` on in its config; handlers
 *   instrumented through docker/go-metrics in namespace "registry", subsystem "http", one `handler` per route:
 *   base, manifest, tags, catalog, blob, blob_upload, blob_upload_chunk): the HISTOGRAM
 *   `registry_http_request_duration_seconds_bucket{handler,method,le}`.
 *
 * Every expression selects its series by `namespace="<Harbor's namespace>"`, the label the Prometheus Operator puts
 * on what it scrapes through the ServiceMonitor, so several Harbors in one Prometheus each get their own alerts.
 */
/** Harbor's metric names the rules use (exporter, core, jobservice). */
export const HARBOR_METRICS = {
    componentUp: "harbor_up",
    health: "harbor_health",
    projectQuotaUsage: "harbor_project_quota_usage_byte",
    projectQuota: "harbor_project_quota_byte",
    coreRequestDuration: "harbor_core_http_request_duration_seconds",
    jobTotal: "harbor_jobservice_task_total",
    taskQueueLatency: "harbor_task_queue_latency",
    taskQueueSize: "harbor_task_queue_size",
    registryRequestDuration: "registry_http_request_duration_seconds_bucket",
} as const;

/** The Prometheus Operator's kind; its CRD is `prometheusrules.monitoring.coreos.com` (scripts/up.sh checks it). */
export const PROMETHEUS_RULE = {
    apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", crd: "prometheusrules.monitoring.coreos.com",
    /** The resource type in a Pulumi plan. */
    type: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
} as const;

/** The labels a rule gets when neither `metrics.alerts.ruleLabels` nor `metrics.serviceMonitorLabels` sets any. */
export const DEFAULT_RULE_LABELS: Readonly<Record<string, string>> = { release: "prometheus" };

/**
 * Core operations that transfer blobs: their duration is the size of the layer over the client's bandwidth, not
 * Harbor's responsiveness, so they stay out of the latency alert.
 */
export const BLOB_TRANSFER_OPERATIONS = ["v2_blob", "v2_blob_upload"] as const;

/** The registry's handlers that move blob bytes (distribution's route names), left out of its latency alert. */
export const REGISTRY_BLOB_HANDLERS = "blob.*";

/** A queued job waiting longer than this (seconds) means jobservice is not taking work. */
export const QUEUE_STUCK_SECONDS = 3600;
/** More jobs of one type queued than this for 30 minutes: jobservice does not keep up (more replicas or workers). */
export const QUEUE_BACKLOG_JOBS = 100;

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

export interface PrometheusRuleSpec {
    groups: { name: string; rules: AlertRule[] }[];
}

/** Harbor's alerts: the PrometheusRule's thresholds and labels. */
export interface HarborAlertsArgs {
    /** Labels the Prometheus Operator's ruleSelector matches; empty: the ServiceMonitor's labels, else release: prometheus. */
    ruleLabels: Record<string, string>;
    /** A project's storage use, in percent of its quota (projects with a quota). */
    storageUsagePercent: number;
    /** The p99 request latency of core and of the registry (blob transfers excluded), in seconds. */
    p99LatencySeconds: number;
    /** Failed jobservice jobs of one type in the last hour: more than this alerts (0: any failure). */
    failedJobsPerHour: number;
    /** How long a component stays unhealthy (or Harbor's health unknown) before it alerts. */
    unhealthyForMinutes: number;
}

/**
 * Labels on the PrometheusRule: `metrics.alerts.ruleLabels`; when empty, the ServiceMonitor's labels (the same
 * Prometheus selects both: kube-prometheus-stack's ruleSelector and serviceMonitorSelector are both
 * `release: <its release name>`); when those are empty too, `release: prometheus`.
 */
export function ruleLabels(alerts: Pick<HarborAlertsArgs, "ruleLabels">, serviceMonitorLabels: Record<string, string>): Record<string, string> {
    if (Object.keys(alerts.ruleLabels).length > 0) return { ...alerts.ruleLabels };
    if (Object.keys(serviceMonitorLabels).length > 0) return { ...serviceMonitorLabels };
    return { ...DEFAULT_RULE_LABELS };
}

/** The PrometheusRule's spec: one group of alerts on the Harbor in `namespace`, thresholds from `metrics.alerts`. */
export function buildHarborAlertRules(a: HarborAlertsArgs, namespace: string): PrometheusRuleSpec {
    const M = HARBOR_METRICS;
    const ns = `namespace="${namespace}"`;
    const unhealthyFor = `${a.unhealthyForMinutes}m`;
    const see = "See docs/operations.md (Monitoring).";
    const rules: AlertRule[] = [
        {
            alert: "HarborComponentUnhealthy",
            expr: `${M.componentUp}{${ns}} == 0`,
            for: unhealthyFor,
            labels: { severity: "critical" },
            annotations: {
                summary: `Harbor component {{ $labels.component }} in ${namespace} is unhealthy`,
                description: `Harbor's health check (exporter metric ${M.componentUp}) has reported {{ $labels.component }} unhealthy ` +
                    `for ${unhealthyFor}. Check its pods and logs (kubectl -n ${namespace} get pods). ${see}`,
            },
        },
        {
            alert: "HarborHealthUnknown",
            expr: `absent(${M.health}{${ns}})`,
            for: unhealthyFor,
            labels: { severity: "critical" },
            annotations: {
                summary: `Harbor in ${namespace} reports no health`,
                description: `No ${M.health} series for ${unhealthyFor}: the exporter is down, is not scraped, or cannot reach ` +
                    `Harbor core's /api/v2.0/health (core down). ${see}`,
            },
        },
        {
            alert: "HarborProjectQuotaNearlyFull",
            // Projects without a quota report -1: `> 0` drops them before the division.
            expr: `100 * ${M.projectQuotaUsage}{${ns}} / (${M.projectQuota}{${ns}} > 0) > ${a.storageUsagePercent}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Project {{ $labels.project_name }} uses {{ $value | humanize }}% of its storage quota`,
                description: `Project {{ $labels.project_name }} in the Harbor in ${namespace} uses over ${a.storageUsagePercent}% of its ` +
                    `storage quota; pushes fail once it is full. Raise projects[].storageQuotaGiB or clean up (retention, GC). ${see}`,
            },
        },
        {
            alert: "HarborApiLatencyHigh",
            expr: `max by (operation) (${M.coreRequestDuration}{${ns},quantile="0.99",operation!~"${BLOB_TRANSFER_OPERATIONS.join("|")}"}) > ${a.p99LatencySeconds}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Harbor API {{ $labels.operation }} p99 latency is {{ $value | humanizeDuration }}`,
                description: `The 99th percentile of Harbor core's {{ $labels.operation }} requests in ${namespace} is over ` +
                    `${a.p99LatencySeconds}s (blob transfers excluded). Check core's CPU, the database and Redis. ${see}`,
            },
        },
        {
            alert: "HarborRegistryLatencyHigh",
            expr: `histogram_quantile(0.99, sum by (le, handler) (rate(${M.registryRequestDuration}{${ns},handler!~"${REGISTRY_BLOB_HANDLERS}"}[5m]))) > ${a.p99LatencySeconds}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Harbor registry {{ $labels.handler }} p99 latency is {{ $value | humanizeDuration }}`,
                description: `The 99th percentile of the registry's {{ $labels.handler }} requests in ${namespace} is over ` +
                    `${a.p99LatencySeconds}s (blob transfers excluded). Check the registry's CPU and its storage backend. ${see}`,
            },
        },
        {
            alert: "HarborJobsFailing",
            expr: `sum by (type) (increase(${M.jobTotal}{${ns},status="fail"}[1h])) > ${a.failedJobsPerHour}`,
            for: "5m",
            labels: { severity: "warning" },
            annotations: {
                summary: `{{ $value | humanize }} Harbor {{ $labels.type }} jobs failed in the last hour`,
                description: `More than ${a.failedJobsPerHour} {{ $labels.type }} jobs failed in the last hour in the Harbor in ` +
                    `${namespace}. Job logs: Harbor's UI (job service dashboard) or jobservice's stdout. ${see}`,
            },
        },
        {
            alert: "HarborJobQueueBacklog",
            expr: `sum by (type) (${M.taskQueueSize}{${ns}}) > ${QUEUE_BACKLOG_JOBS}`,
            for: "30m",
            labels: { severity: "warning" },
            annotations: {
                summary: `{{ $value }} Harbor {{ $labels.type }} jobs have been queued for 30m`,
                description: `More than ${QUEUE_BACKLOG_JOBS} {{ $labels.type }} jobs wait in ${namespace}: jobservice does not keep ` +
                    `up. Raise replicas.jobservice (or its workers), or spread scans and replications over time. ${see}`,
            },
        },
        {
            alert: "HarborJobQueueStuck",
            expr: `max by (type) (${M.taskQueueLatency}{${ns}}) > ${QUEUE_STUCK_SECONDS}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: `The oldest queued Harbor {{ $labels.type }} job has waited over an hour`,
                description: `Queued {{ $labels.type }} jobs in ${namespace} are not taken: is jobservice running, with workers ` +
                    `free? ${see}`,
            },
        },
    ];
    return { groups: [{ name: `harbor-${namespace}`, rules }] };
}
