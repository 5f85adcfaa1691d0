#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy at the version of the installed @pulumi/pulumi, into a git-ignored
# folder, cached between runs; prints the folder to put on PATH (with tools/pulumi/bin, the project's own plugins).
#
#   bash scripts/setup-pulumi.sh            # build once (about 10 minutes on 2 cores, ~150 MB), then a no-op
#   export PATH="$(bash scripts/setup-pulumi.sh --print-path):$PATH"
#
# Nothing is downloaded but Go modules through the configured module proxy (GOPROXY). The Node language host
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is tried from the proxy too; the proxy refuses
# it (403 "This module version is not available"; the reason is kept in .tools/pulumi-<version>/), and then the
# project's own language host, tools/pulumi/bin/pulumi-language-nodejs, is what runs Node programs. The other two
# executables the CLI distribution ships for Node (pulumi-resource-pulumi-nodejs, pulumi-analyzer-policy) are the
# project's too, in tools/pulumi/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

version="v$(node -p 'require("@pulumi/pulumi/package.json").version')"
dir="$root/.tools/pulumi-$version"
bin="$dir/bin"
path_line="$bin:$root/tools/pulumi/bin"

if [[ "${1:-}" == "--print-path" ]]; then
    echo "$path_line"
    exit 0
fi

log() { echo "setup-pulumi: $*" >&2; }

if [[ -x "$bin/pulumi" && "$("$bin/pulumi" version 2>/dev/null)" == "$version" ]]; then
    log "pulumi $version is built ($bin/pulumi)"
else
    command -v go >/dev/null || { log "Go is required (https://go.dev/doc/install), none on PATH"; exit 1; }
    mkdir -p "$dir/src" "$bin"
    cd "$dir/src"
    # A wrapper module: the CLI's main package lives in pkg/v3, whose go.mod replaces atotto/clipboard with a fork;
    # replace directives of a dependency are not applied, so the wrapper repeats it (and `go install pkg@version`,
    # which refuses modules with replace directives, cannot be used).
    cat >go.mod <<EOF
module local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $version
	github.com/pulumi/pulumi/sdk/v3 $version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
    cat >tools.go <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
    log "resolving modules for pulumi $version (first run downloads ~1 GB of modules through $(go env GOPROXY))"
    go mod tidy
    log "building the CLI (about 10 minutes on 2 cores the first time; Go's build cache makes later builds fast)"
    go build -o "$bin/pulumi.tmp" \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    mv "$bin/pulumi.tmp" "$bin/pulumi"
    log "built $bin/pulumi ($("$bin/pulumi" version))"
    cd "$root"
fi

# The project's plugins go beside the CLI, where it looks for bundled plugins first (found on PATH instead, each
# command would warn "using pulumi-language-nodejs from $PATH").
for plugin in "$root"/tools/pulumi/bin/pulumi-*; do
    [[ -e "$bin/$(basename "$plugin")" && ! -L "$bin/$(basename "$plugin")" ]] || ln -sfn "$plugin" "$bin/$(basename "$plugin")"
done

# The Node language host: built from the proxy when it serves the module, else the project's own (see above).
if [[ ! -x "$bin/pulumi-language-nodejs" && ! -f "$dir/language-host.unavailable" ]]; then
    mod="github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$version"
    if out="$(cd "$dir/src" && GOFLAGS=-mod=mod go mod download -json "$mod" 2>&1)"; then
        (cd "$dir/src" && go build -o "$bin/pulumi-language-nodejs" "${mod%@*}") \
            && log "built the Node language host from $mod"
    else
        printf '%s\n' "$out" >"$dir/language-host.unavailable"
        log "the module proxy does not serve $mod; using tools/pulumi/bin/pulumi-language-nodejs (reason in $dir/language-host.unavailable)"
    fi
fi
echo "$path_line"
