#!/usr/bin/env bash
# Browser tests: starts the sandbox portal and drives Debian's Chromium with playwright-core.
set -euo pipefail
source "$(dirname "$0")/env.sh"
ensure_moto
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "Installing Debian's chromium for the browser tests"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    log "Chromium is missing: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH"
    exit 1
  fi
fi
mkdir -p "$REPO_ROOT/test-results"
cd "$REPO_ROOT/packages/sandbox"
exec node --require @backstage/cli/config/nodeTransform.cjs src/e2e/browser.ts
