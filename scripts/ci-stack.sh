#!/usr/bin/env bash
# One Pulumi step of the pipelines (.github/workflows/*.yml and .gitlab-ci.yml) on a long-lived stack (dev, prod):
#   scripts/ci-stack.sh up <stack>        # initialise the stack if the backend has none, then `pulumi up`
#   scripts/ci-stack.sh preview <stack>   # `pulumi preview`; a stack that does not exist yet is skipped (exit 0)
#   scripts/ci-stack.sh exists <stack>    # prints yes or no (fails when the backend cannot be listed)
# Both run the policy pack. Backend and secrets come from the job's environment: PULUMI_BACKEND_URL (or Pulumi Cloud
# with PULUMI_ACCESS_TOKEN), PULUMI_CONFIG_PASSPHRASE of THIS stack (or a KMS key the job's role can use), and
# PULUMI_SECRETS_PROVIDER for a stack this creates (empty = passphrase). Extra arguments go to pulumi.
#
# The same logic as scripts/up.sh: dev's file replicates to prod through a StackReference
# (replication.outbound.prodStack). When this job cannot read prod's replication outputs -- prod is not deployed
# yet, or its secrets do not decrypt with this job's credentials (prod has its own passphrase) -- the stack is run
# from a copy of its stack file with outbound replication off (the checked-in file is untouched), with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/ci-stack.sh up|preview|exists <stack> [pulumi args...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
mode=$1 stack=$2
shift 2
case "$mode" in up | preview | exists) ;; *) usage ;; esac

warn() {
    if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::warning title=$stack::$*"; else echo "warning: $*" >&2; fi
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then echo "> **$stack**: $*" >>"$GITHUB_STEP_SUMMARY"; fi
}

# Does the backend have the stack? (fails, and so fails the job, when the backend cannot be listed)
stacks=$(pulumi stack ls --json)
exists=$(printf '%s' "$stacks" | STACK="$stack" node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const names = JSON.parse(s || "[]").map((x) => x.name);
    console.log(names.some((n) => n === process.env.STACK || n.endsWith("/" + process.env.STACK)) ? "yes" : "");
  });')

if [ "$mode" = exists ]; then
    echo "${exists:-no}"
    exit 0
elif [ -n "$exists" ]; then
    pulumi stack select "$stack"
elif [ "$mode" = up ]; then
    # First deploy on this backend: create the stack with its own secrets provider (passphrase = this job's).
    pulumi stack init "$stack" ${PULUMI_SECRETS_PROVIDER:+--secrets-provider "$PULUMI_SECRETS_PROVIDER"}
else
    warn "stack $stack does not exist on this backend yet: nothing to preview (the first deploy on main creates it; the offline plan covers this change)"
    exit 0
fi

config_args=()
prod_stack=$(npx ts-node --transpile-only scripts/lib/stackFile.ts prod-stack "Pulumi.$stack.yaml")
if [ -n "$prod_stack" ] && { ! pulumi stack output --stack "$prod_stack" replicationEndpoint >/dev/null 2>&1 \
    || ! pulumi stack output --stack "$prod_stack" --show-secrets replicationRobotSecret >/dev/null 2>&1; }; then
    tmp_config=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/Pulumi.$stack.XXXXXX")
    trap 'rm -f "$tmp_config"' EXIT
    npx ts-node --transpile-only scripts/lib/stackFile.ts without-replication "Pulumi.$stack.yaml" "$tmp_config"
    warn "$prod_stack's replication outputs are not readable with this job's credentials (not deployed yet, or its secrets use another passphrase/key): $stack runs WITHOUT outbound replication to prod. See docs/pipelines.md, 'Replication from dev to prod'."
    config_args=(--config-file "$tmp_config")
fi

args=(--stack "$stack" --policy-pack ./policy --diff --non-interactive)
[ "$mode" = up ] && args+=(--yes)
pulumi "$mode" "${args[@]}" ${config_args[@]+"${config_args[@]}"} "$@"
