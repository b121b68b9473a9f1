# shellcheck shell=bash
# Sourced by scripts/start.sh and scripts/test.sh: provides Node 22+ and the committed Yarn
# without touching the machine's own Node, then installs dependencies when they are stale.
#
# - Uses the machine's Node when it is 22 or newer.
# - Otherwise installs the npm package `node@22` (official binaries and headers) into
#   .tools/node, puts its bin first on PATH and points npm_config_nodedir at it so native
#   addons (better-sqlite3) compile against matching headers without downloading them.
# - Yarn is the release committed under .yarn/releases (yarnPath in .yarnrc.yml); a tiny
#   `yarn` shim on PATH runs it with the chosen Node, so no corepack download is needed.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
export REPO_ROOT TOOLS_DIR

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

find_private_node() {
  local candidate
  for candidate in "$TOOLS_DIR"/node/node_modules/node/node_modules/node-*/bin/node \
    "$TOOLS_DIR"/node/node_modules/node/bin/node; do
    if [ -x "$candidate" ] && [ "$(node_major "$candidate")" -ge 22 ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_node() {
  local system_node major private_node
  system_node="$(command -v node || true)"
  major=0
  [ -n "$system_node" ] && major="$(node_major "$system_node")"
  if [ "$major" -eq 22 ] || [ "$major" -eq 24 ]; then
    return 0
  fi
  if ! private_node="$(find_private_node)"; then
    if ! command -v npm >/dev/null; then
      log "Node 22 or 24 is required and npm is missing to provision it: install Node 22 (https://nodejs.org)."
      exit 1
    fi
    log "Node ${major:-none} found; provisioning Node 22 from the npm package node@22 into .tools/node"
    mkdir -p "$TOOLS_DIR/node"
    (cd "$TOOLS_DIR/node" && [ -f package.json ] || echo '{"private":true}' >"$TOOLS_DIR/node/package.json")
    npm install --prefix "$TOOLS_DIR/node" --no-audit --no-fund --loglevel=error node@22 >&2
    private_node="$(find_private_node)" || {
      log "node@22 installed but no binary was found under .tools/node"
      exit 1
    }
  fi
  local node_home
  node_home="$(cd "$(dirname "$private_node")/.." && pwd)"
  export PATH="$node_home/bin:$PATH"
  # Headers live in <home>/include/node; node-gyp wants the folder above include/.
  export npm_config_nodedir="$node_home"
}

ensure_yarn_shim() {
  local release
  release="$(sed -n 's/^yarnPath: *//p' "$REPO_ROOT/.yarnrc.yml")"
  mkdir -p "$TOOLS_DIR/bin"
  cat >"$TOOLS_DIR/bin/yarn" <<SHIM
#!/bin/sh
exec node "$REPO_ROOT/$release" "\$@"
SHIM
  chmod +x "$TOOLS_DIR/bin/yarn"
  export PATH="$TOOLS_DIR/bin:$PATH"
}

ensure_dependencies() {
  local stamp="$REPO_ROOT/node_modules/.install-stamp"
  local digest
  digest="$(cat "$REPO_ROOT/yarn.lock" "$REPO_ROOT"/package.json "$REPO_ROOT"/packages/*/package.json "$REPO_ROOT"/plugins/*/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)-$(node -v)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return 0
  fi
  log "Installing dependencies (yarn install)"
  if [ -n "${CI:-}" ]; then
    # CI must install exactly what yarn.lock says.
    (cd "$REPO_ROOT" && yarn install --immutable >&2)
  else
    (cd "$REPO_ROOT" && yarn install >&2)
  fi
  echo "$digest" >"$stamp"
}

# ensure_moto: the pinned moto for the sandbox AWS (a project venv when python3 has no match).
# shellcheck source=scripts/moto-env.sh
source "$REPO_ROOT/scripts/moto-env.sh"

ensure_node
ensure_yarn_shim
export YARN_ENABLE_TELEMETRY=0
