#!/usr/bin/env bash
# Sets up (idempotently) and starts the sandbox portal: a sandbox AWS with two accounts, the
# Backstage backend on :7007 and the frontend on :3000. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/env.sh"
ensure_dependencies
ensure_moto
cd "$REPO_ROOT/packages/sandbox"
exec node --require @backstage/cli/config/nodeTransform.cjs src/cli/start.ts
