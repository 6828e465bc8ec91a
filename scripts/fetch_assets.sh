#!/usr/bin/env bash
# Fetch the browser libraries pinned in package-lock.json and copy the files the web UI serves into
# src/duban/web/static/vendor/ (git-ignored: nothing third-party is committed).
# With --test, also keep the test-only devDependencies (axe-core, which the browser tests inject into pages;
# it stays in node_modules/ and is never served by the app).
# Idempotent: when the vendor folder already matches the lock file it returns at once, without npm.
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$root/src/duban/web/static/vendor"
stamp="$vendor/.fetched-from"
modules="$root/node_modules"

# source in node_modules -> name in vendor/. echarts.min.js bundles zrender and tslib, so their
# licences travel with it, as do ECharts' NOTICE and the d3 licence it cites.
files=(
  "echarts/dist/echarts.min.js:echarts.min.js"
  "echarts/LICENSE:echarts.LICENSE"
  "echarts/NOTICE:echarts.NOTICE"
  "echarts/licenses/LICENSE-d3:echarts.LICENSE-d3"
  "zrender/LICENSE:zrender.LICENSE"
  "tslib/LICENSE.txt:tslib.LICENSE"
)

lock_digest() {
  if [[ -f "$root/package-lock.json" ]]; then
    sha256sum "$root/package-lock.json" "$root/package.json" | sha256sum | cut -d' ' -f1
  else
    echo "no-lock"
  fi
}

all_present() {
  local entry
  for entry in "${files[@]}"; do
    [[ -s "$vendor/${entry#*:}" ]] || return 1
  done
  [[ $want_test == 0 || -s "$modules/axe-core/axe.min.js" ]]
}

digest="$(lock_digest)"
if [[ "$digest" != "no-lock" && -f "$stamp" && "$(cat "$stamp")" == "$digest" ]] && all_present; then
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch_assets.sh: npm is not installed; install Node.js with npm (e.g. apt-get install npm) and rerun." >&2
  exit 1
fi

cd "$root"
npm_flags=(--no-audit --no-fund --ignore-scripts --loglevel=error)
[[ $want_test == 1 ]] || npm_flags+=(--omit=dev)
if [[ -f package-lock.json ]]; then
  npm ci "${npm_flags[@]}" >/dev/null || { echo "fetch_assets.sh: 'npm ci' failed (see above)." >&2; exit 1; }
else
  npm install "${npm_flags[@]}" >/dev/null || { echo "fetch_assets.sh: 'npm install' failed (see above)." >&2; exit 1; }
fi

mkdir -p "$vendor"
for entry in "${files[@]}"; do
  source_file="$modules/${entry%%:*}"
  [[ -f "$source_file" ]] || { echo "fetch_assets.sh: $source_file is missing after npm." >&2; exit 1; }
  install -m 0644 "$source_file" "$vendor/${entry#*:}"
done
lock_digest >"$stamp"
echo "fetch_assets.sh: copied ECharts $(node -p "require('$modules/echarts/package.json').version" 2>/dev/null || echo '?') into ${vendor#"$root"/}"
