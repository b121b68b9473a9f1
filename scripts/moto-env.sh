# shellcheck shell=bash
# The sandbox AWS's moto, pinned in packages/sandbox/moto/requirements.txt (sandbox_moto.py
# patches moto internals, so only that version is accepted). Sourced by scripts/env.sh; run it
# directly (`bash scripts/moto-env.sh`) to set it up alone, e.g. before running jest by hand.
#
# ensure_moto exports MOTO_PYTHON, the Python packages/sandbox/src/moto.ts starts moto with:
# - MOTO_PYTHON when the caller set it (their choice, not checked here);
# - else the project venv .tools/moto-venv when it was built from the current requirements;
# - else the machine's python3 when its moto is the pinned version;
# - else it builds .tools/moto-venv (python3 -m venv, pip install -r requirements.txt), and
#   stops with the commands to run when pip cannot reach its index.

if [ -z "${REPO_ROOT:-}" ]; then
  REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  TOOLS_DIR="$REPO_ROOT/.tools"
fi
if ! declare -F log >/dev/null; then
  log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
fi

MOTO_REQUIREMENTS="$REPO_ROOT/packages/sandbox/moto/requirements.txt"
MOTO_VENV="$TOOLS_DIR/moto-venv"

moto_pin() { sed -n 's/^moto\[server\]==\([0-9A-Za-z.]*\).*/\1/p' "$MOTO_REQUIREMENTS"; }

# Prints the moto version a Python can run the server of, or nothing.
moto_version_of() {
  "$1" -c 'import moto, moto.server; print(moto.__version__)' 2>/dev/null || true
}

moto_requirements_digest() {
  { cat "$MOTO_REQUIREMENTS"; } | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1
}

ensure_moto() {
  if [ -n "${MOTO_PYTHON:-}" ]; then
    export MOTO_PYTHON
    return 0
  fi
  local pin digest
  pin="$(moto_pin)"
  digest="$(moto_requirements_digest)"
  if [ "$(cat "$MOTO_VENV/.requirements-sha256" 2>/dev/null)" = "$digest" ] &&
    "$MOTO_VENV/bin/python" -c '' 2>/dev/null; then
    export MOTO_PYTHON="$MOTO_VENV/bin/python"
    return 0
  fi
  local system_python
  system_python="$(command -v python3 || true)"
  if [ -n "$system_python" ] && [ "$(moto_version_of "$system_python")" = "$pin" ]; then
    export MOTO_PYTHON="$system_python"
    return 0
  fi
  build_moto_venv "$pin" "$digest"
  export MOTO_PYTHON="$MOTO_VENV/bin/python"
}

build_moto_venv() { # pin digest
  local pin="$1" digest="$2" found
  if ! command -v python3 >/dev/null; then
    log "The sandbox AWS needs Python 3.10+ for moto $pin and python3 is missing: install it" \
      "(Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python)."
    exit 1
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    log "moto $pin needs Python 3.10 or newer; python3 is $(python3 -V 2>&1). Put a newer" \
      "python3 first on PATH, or set MOTO_PYTHON to a Python that has moto[server]==$pin."
    exit 1
  fi
  mkdir -p "$TOOLS_DIR"
  # start.sh and test.sh may run at the same time: one builds, the other waits for it.
  local lock_fd
  if command -v flock >/dev/null; then
    exec {lock_fd}>"$TOOLS_DIR/moto-venv.lock"
    flock "$lock_fd"
    if [ "$(cat "$MOTO_VENV/.requirements-sha256" 2>/dev/null)" = "$digest" ]; then
      exec {lock_fd}>&-
      return 0
    fi
  fi
  found="$(moto_version_of python3)"
  log "The sandbox needs moto $pin and python3 has ${found:+moto }${found:-none}: installing it" \
    "into .tools/moto-venv from packages/sandbox/moto/requirements.txt"
  rm -rf "$MOTO_VENV"
  if ! python3 -m venv "$MOTO_VENV" >&2; then
    rm -rf "$MOTO_VENV"
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "Installing python3-venv (python3 -m venv failed without it)"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
      python3 -m venv "$MOTO_VENV" >&2
    else
      log "python3 -m venv failed. On Debian/Ubuntu run: sudo apt-get install python3-venv;" \
        "then run this command again."
      exit 1
    fi
  fi
  if ! "$MOTO_VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
    -r "$MOTO_REQUIREMENTS" >&2; then
    rm -rf "$MOTO_VENV"
    log "pip could not install packages/sandbox/moto/requirements.txt (moto $pin) into .tools/moto-venv."
    log "If it could not reach its package index, either give it access (HTTPS_PROXY=..., or a" \
      "mirror with PIP_INDEX_URL=...) and run this command again; or, on a machine where" \
      "python3 has moto $pin, run: python3 scripts/wheels-from-installed.py /tmp/wheelhouse," \
      "copy /tmp/wheelhouse here and run: PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/wheelhouse $0;" \
      "or install it for the machine's python3 yourself:" \
      "python3 -m pip install -r packages/sandbox/moto/requirements.txt"
    exit 1
  fi
  found="$(moto_version_of "$MOTO_VENV/bin/python")"
  if [ "$found" != "$pin" ]; then
    log "pip installed moto '${found}' into .tools/moto-venv, not $pin (the requirements pin)"
    exit 1
  fi
  echo "$digest" >"$MOTO_VENV/.requirements-sha256"
  log "moto $pin ready in .tools/moto-venv"
  if [ -n "${lock_fd:-}" ]; then exec {lock_fd}>&-; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  ensure_moto
  printf '%s\n' "$MOTO_PYTHON"
fi
