#!/usr/bin/env bash
# Builds the cosign CLI from the Go module proxy into a git-ignored folder, cached between runs, for the end-to-end
# check that `cosign verify --key` accepts the signatures the program pushes (tests/e2e/cosign.e2e.ts). Prints the
# binary's path. Nothing is downloaded but Go modules through the configured module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
version="v2.6.5"
dir="$PWD/.tools/cosign-$version"
if [[ "${1:-}" == "--print-path" ]]; then
    echo "$dir/cosign"
    exit 0
fi
if [[ ! -x "$dir/cosign" ]]; then
    command -v go >/dev/null || { echo "setup-cosign: Go is required, none on PATH" >&2; exit 1; }
    echo "setup-cosign: building github.com/sigstore/cosign/v2/cmd/cosign@$version (a few minutes the first time)" >&2
    mkdir -p "$dir"
    GOBIN="$dir" go install "github.com/sigstore/cosign/v2/cmd/cosign@$version"
fi
echo "$dir/cosign"
