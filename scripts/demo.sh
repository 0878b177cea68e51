#!/usr/bin/env bash
# The README's first quick-start command: toci's main job end to end on a fresh Debian machine (Node 20, no Docker).
#   1. installs what is missing: the Debian `docker-registry` (distribution 2.8.2), npm dependencies, the build;
#   2. starts a real registry on a free loopback port;
#   3. builds a sample multi-arch image (linux/amd64 + linux/arm64) offline, in an OCI layout;
#   4. `toci push`es it, `toci pull`s the linux/arm64 image back into ./toci-store with progress bars,
#      lists the layout (`toci layout ls`) and the tags (`toci tags`);
#   5. stops the registry (also on failure or Ctrl-C).
# TOCI_DEMO_REGISTRY=host:port uses a registry you already run (e.g. `docker run -d -p 127.0.0.1:5001:5000
# registry:2`) instead of starting one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
toci() { node "$root/packages/cli/dist-bin/toci.cjs" "$@"; }
show() { printf '$ toci %s\n' "$*"; toci "$@"; }

command -v node >/dev/null 2>&1 || die "Node.js 20 or newer is needed (apt-get install nodejs, or see nodejs.org)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  die "Node.js 20 or newer is needed; this is $(node --version)"

# 1. What is missing.
if [ -z "${TOCI_DEMO_REGISTRY:-}" ] && ! command -v docker-registry >/dev/null 2>&1; then
  say "installing the Debian package docker-registry (distribution 2.8.2)"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  if ! { $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq \
    --no-install-recommends docker-registry >/dev/null; } || ! command -v docker-registry >/dev/null 2>&1; then
    cat >&2 <<'EOF'
demo: could not install the Debian package `docker-registry` (it needs Debian or Ubuntu, and root or sudo).
      Any OCI registry will do instead. With Docker:
          docker run -d --name toci-demo -p 127.0.0.1:5001:5000 registry:2
          TOCI_DEMO_REGISTRY=127.0.0.1:5001 bash scripts/demo.sh
EOF
    exit 1
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
say "building toci (turbo: seconds when nothing changed)"
TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 \
  npx turbo run build --filter=@toci/cli --filter=@toci/testkit --output-logs=errors-only >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/toci-demo.XXXXXX")
registry_pid=""
cleanup() {
  if [ -n "$registry_pid" ] && kill -0 "$registry_pid" 2>/dev/null; then
    say "stopping the registry"
    kill -TERM "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
    echo "stopped"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 2. A real registry on a free loopback port.
if [ -n "${TOCI_DEMO_REGISTRY:-}" ]; then
  host=$TOCI_DEMO_REGISTRY
  say "using the registry at $host"
else
  say "starting a registry (docker-registry, distribution 2.8.2) on 127.0.0.1"
  node packages/testkit/bin/registry.mjs start >"$work/registry.json" 2>"$work/registry.err" &
  registry_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$work/registry.json" ] && break
    kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.err" >&2; die "the registry did not start"; }
    sleep 0.1
  done
  [ -s "$work/registry.json" ] || die "the registry did not start within 10 s"
  host=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).host' "$work/registry.json")
  echo "registry at http://$host (storage in a temp directory, removed at the end)"
fi
show ping "$host"

# 3. A sample multi-arch image, built offline into an OCI layout.
say "building a sample multi-arch image (linux/amd64 + linux/arm64) in an OCI layout"
node --input-type=module -e '
  import { multiArchIndex, writeLayout } from "./packages/testkit/dist/fixtures/index.js";
  const fixture = multiArchIndex({ seed: "toci-demo", layerSizes: [3_000_000, 24_000_000] });
  writeLayout(process.argv[1], fixture, "v1");
  console.log(`${process.argv[1]}: index ${fixture.root.digest}, ${fixture.blobs.length} blobs`);
' "$work/sample"

# 4. The main job.
repo="$host/demo/hello"
say "push the layout to the registry"
show push "$repo:v1" --store "$work/sample"
say "pull the linux/arm64 image back into ./toci-store"
rm -rf ./toci-store # a fresh store, so the pull downloads everything
show pull "$repo:v1" --platform linux/arm64 --progress
say "the layout"
show layout ls
say "the tags"
show tags "$repo"
# 5. The registry is stopped by the EXIT trap.
