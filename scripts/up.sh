#!/usr/bin/env bash
# Deploy a stack (default: dev) from a fresh machine with the local file backend:
#   ./scripts/up.sh            # dev
#   ./scripts/up.sh prod --yes # any stack; extra arguments go to `pulumi up`
# State lives in ./.pulumi (git-ignored) unless PULUMI_BACKEND_URL says otherwise (s3://..., Pulumi Cloud, ...).
# Secrets in state are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or _FILE), or Pulumi asks.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:-dev}"
[ $# -gt 0 ] && shift

command -v pulumi >/dev/null || { echo "error: the Pulumi CLI is required (https://www.pulumi.com/docs/install/)" >&2; exit 1; }
command -v kubectl >/dev/null && kubectl config current-context >/dev/null 2>&1 \
  || echo "warning: no current kubectl context; Pulumi's Kubernetes provider uses your kubeconfig" >&2

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD}"
[ -d node_modules ] || npm ci --no-audit --no-fund

# Fails fast, before touching any backend, if the stack's config is invalid.
plan_json=$(npm run --silent plan -- --stack "$stack")

# Harbor's alerts are a Prometheus Operator PrometheusRule (metrics.enabled + metrics.alerts.enabled). The offline
# plan cannot see the cluster; without the CRD, `pulumi up` would fail late with 'no matches for kind
# "PrometheusRule"'. Look it up first when kubectl can (docs/operations.md, Monitoring).
if [ "${SKIP_CRD_CHECK:-}" != 1 ] && grep -q '"kubernetes:monitoring.coreos.com/v1:PrometheusRule"' <<<"$plan_json" \
  && command -v kubectl >/dev/null && kubectl config current-context >/dev/null 2>&1; then
  # Only a definite NotFound stops here (no RBAC to read CRDs, or an unreachable cluster, is left to Pulumi).
  crd_error=$(kubectl get crd prometheusrules.monitoring.coreos.com 2>&1 >/dev/null || true)
  if grep -q NotFound <<<"$crd_error"; then
    echo "error: $stack deploys Harbor's alerts as a PrometheusRule, but the cluster of kubectl context" \
      "'$(kubectl config current-context)' has no CRD prometheusrules.monitoring.coreos.com (the Prometheus Operator's)." >&2
    echo "       Install the Prometheus Operator (e.g. kube-prometheus-stack) first, or turn the rules off:" >&2
    echo "         pulumi config set --stack $stack --path 'metrics.alerts.enabled' false" >&2
    echo "       (SKIP_CRD_CHECK=1 skips this check when kubectl's context is not the cluster Pulumi deploys to.)" >&2
    exit 1
  fi
fi

pulumi stack select --create "$stack"

# dev replicates to prod through a StackReference (replication.outbound.prodStack). On a fresh machine prod is not
# deployed yet and the reference would fail the update, so deploy from a copy of the stack file with outbound
# replication off (the checked-in file stays as it is). Run this again once prod is up to add replication.
config_args=()
prod_stack=$(npx ts-node --transpile-only scripts/lib/stackFile.ts prod-stack "Pulumi.$stack.yaml")
if [ -n "$prod_stack" ] && ! pulumi stack output --stack "$prod_stack" replicationEndpoint >/dev/null 2>&1; then
  tmp_config=$(mktemp "${TMPDIR:-/tmp}/Pulumi.$stack.XXXXXX")
  trap 'rm -f "$tmp_config"' EXIT
  npx ts-node --transpile-only scripts/lib/stackFile.ts without-replication "Pulumi.$stack.yaml" "$tmp_config"
  echo "note: $prod_stack is not deployed (no replicationEndpoint output): deploying $stack without replication to prod." >&2
  echo "      Deploy prod (./scripts/up.sh prod), then run ./scripts/up.sh $stack again." >&2
  config_args=(--config-file "$tmp_config")
fi

pulumi up --stack "$stack" ${config_args[@]+"${config_args[@]}"} "$@"   # (bash 3.2-safe empty array)
