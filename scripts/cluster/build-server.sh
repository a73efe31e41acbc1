#!/usr/bin/env bash
# Builds the Temporal server, its SQL tool and tdbg (the admin tools' debugger: shard owners,
# ring members) from Go modules into the git-ignored project cache,
# and copies what the native cluster lane reads from the module (PostgreSQL schemas, the config
# template) beside them, so tests read only inside the repository:
#
#   .cache/temporal-server-<version>/bin/{server,temporal-sql-tool,tdbg}
#   .cache/temporal-server-<version>/schema/postgresql/v12/{temporal,visibility}/...
#   .cache/temporal-server-<version>/config/development-postgres12.yaml
#
# Does nothing when that is already there (a stamp file is written last). Needs Go (Server 1.30.x
# builds with Go 1.26.8; 1.31 and later need Go >= 1.26.10) and the Go module proxy.
# Usage: scripts/cluster/build-server.sh [version]   (default 1.30.4; AGENTRUN_CACHE_DIR moves .cache)
set -euo pipefail

version="${1:-${TEMPORAL_SERVER_VERSION:-1.30.4}}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${AGENTRUN_CACHE_DIR:-$root/.cache}"
target="$cache/temporal-server-$version"
stamp="$target/.built"

if [ -f "$stamp" ] && [ -x "$target/bin/server" ] && [ -x "$target/bin/temporal-sql-tool" ] && [ -x "$target/bin/tdbg" ]; then
  echo "temporal server $version: cached in $target (built $(cat "$stamp"))"
  exit 0
fi
command -v go >/dev/null || { echo "build-server: no \`go\` on PATH: install Go to build the Temporal server" >&2; exit 1; }

started=$(date +%s)
mkdir -p "$target/bin"
# The module's own name for the SQL tool's main package is cmd/tools/sql; its binary is named `sql`.
for package in cmd/server cmd/tools/sql cmd/tools/tdbg; do
  step=$(date +%s)
  echo "temporal server $version: go install go.temporal.io/server/$package@v$version ..."
  GOBIN="$target/bin" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "go.temporal.io/server/$package@v$version"
  echo "  done in $(( $(date +%s) - step )) s"
done
mv "$target/bin/sql" "$target/bin/temporal-sql-tool"

module="$(go env GOMODCACHE)/go.temporal.io/server@v$version"
rm -rf "$target/schema" "$target/config"
mkdir -p "$target/schema/postgresql/v12" "$target/config"
cp -R "$module/schema/postgresql/v12/temporal" "$module/schema/postgresql/v12/visibility" "$target/schema/postgresql/v12/"
cp "$module/config/development-postgres12.yaml" "$target/config/"
# The module cache is read-only: make the copies ours.
chmod -R u+w "$target/schema" "$target/config"

"$target/bin/server" --version
date -u +%Y-%m-%dT%H:%M:%SZ > "$stamp"
echo "temporal server $version: built in $(( $(date +%s) - started )) s into $target"
