#!/usr/bin/env bash
# Sets up (idempotently) and runs every test non-interactively: type check, lint, prettier,
# unit and integration tests (sandbox AWS on moto_server, PostgreSQL and Redis on loopback),
# then the browser tests. Exits non-zero on the first failing stage.
# Set-up: Node and dependencies (env.sh), the pinned moto (moto-env.sh: a project venv when
# python3 has no match), PostgreSQL and Redis (services.sh: started, or installed as root).
set -euo pipefail
source "$(dirname "$0")/env.sh"

export CI=true
# Backstage's test conventions: TestDatabases / TestCaches use these instead of Docker.
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING="${BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING:-redis://127.0.0.1:6379}"
# Tests must never reach real AWS, whatever the developer's shell holds.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL || true

stage() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# shellcheck source=scripts/services.sh
source "$REPO_ROOT/scripts/services.sh"

started=$(date +%s)
stage "Set-up"
ensure_dependencies
ensure_moto
ensure_test_services
setup_done=$(date +%s)

cd "$REPO_ROOT"
stage "Type check (tsc)"
yarn tsc
stage "Lint"
yarn lint
stage "Prettier"
yarn prettier:check
stage "API reports and changesets of the publishable packages"
# Fails when a package's exports differ from its report.api.md (`yarn build:api-reports`
# rewrites them), or when a publishable package has neither a changeset nor a release.
yarn build:api-reports:check
yarn changeset:check
stage "Unit and integration tests"
mkdir -p test-results
rm -rf test-results/jest*.json test-results/iam
# Every moto-based test runs behind the sandbox's IAM gateway (SANDBOX_IAM=off is refused
# under CI); each gateway appends its decisions here for the report below.
export SANDBOX_IAM_REPORT_DIR="$REPO_ROOT/test-results/iam"
unset SANDBOX_IAM
# No retry: a file that fails fails the run. (A retry used to hide 'Unable to acquire a
# connection' in whichever file ran after scaffolderDatabase.test.ts in the same worker: the
# scaffolder's cancel watcher read from the pool TestDatabases had destroyed; that test now
# waits for the watcher's last read before it stops the backend.)
yarn test --json --outputFile="$REPO_ROOT/test-results/jest.json"
tests_done=$(date +%s)

node -e '
const r = require(process.argv[1]);
console.log(`\nunit and integration: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$REPO_ROOT/test-results/jest.json"

stage "IAM decisions (test-results/iam-report.md)"
node "$REPO_ROOT/scripts/iam-report.js" "$SANDBOX_IAM_REPORT_DIR" "$REPO_ROOT/test-results/iam-report.md"

stage "Crash and resume (real backend on PostgreSQL, SIGKILL after each mutating step)"
yarn workspace reliability test:crash

stage "Production backend (built, NODE_ENV=production): error bodies and task events carry no stack"
# The image's build (dist/bundle.tar.gz, ~1 min with the app), started as the image starts it
# with app-config.production.yaml; see packages/reliability/src/production.
yarn workspace backend build
yarn workspace reliability test:production

if [ -x "$REPO_ROOT/scripts/browser-test.sh" ]; then
  stage "Browser tests"
  "$REPO_ROOT/scripts/browser-test.sh"
fi

finished=$(date +%s)
printf '\nTimes: set-up %ss, checks and tests %ss, total %ss\n' \
  $((setup_done - started)) $((finished - setup_done)) $((finished - started))
