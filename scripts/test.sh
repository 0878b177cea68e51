#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs every test (README "Quick start"; .ci/run calls it).
# Installs the Debian packages the tests need when missing, installs npm dependencies, then builds, lints,
# type-checks and tests every package. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Debian packages: the real registry (distribution 2.8.2), skopeo and umoci for interop, Chromium for browser tests,
# htpasswd for Basic-auth registries, openssl for TLS certificates.
declare -A need=([docker-registry]=docker-registry [skopeo]=skopeo [umoci]=umoci [chromium]=chromium
  [htpasswd]=apache2-utils [openssl]=openssl [curl]=curl)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
results="$root/test-results"
rm -rf "$results" && mkdir -p "$results"
export TOCI_TEST_RESULTS="$results"

echo "== lint (biome)"
npx biome check .
# Every pending changeset must be one `changeset version` can apply: one naming a private package beside published
# ones ("mixed") makes it refuse them all, which only a release would otherwise find.
echo "== changesets"
npx changeset status >/dev/null 2>&1 || npx changeset status
echo "== build, typecheck, lint (publint, attw), test"
status=0
npx turbo run build typecheck lint test --concurrency=2 --continue --output-logs=errors-only || status=$?

# One summary line over every package's vitest JSON report.
node -e '
const fs = require("fs"), path = require("path");
let passed = 0, failed = 0, skipped = 0, files = 0;
for (const f of fs.readdirSync(process.argv[1])) {
  const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0); files++;
}
console.log(`== ${files} test reports`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
' "$results" || status=1
exit $status
