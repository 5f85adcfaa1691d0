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
npm run --silent plan -- --stack "$stack" >/dev/null

pulumi stack select --create "$stack"
pulumi up --stack "$stack" "$@"
