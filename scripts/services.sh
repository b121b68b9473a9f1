# shellcheck shell=bash
# PostgreSQL and Redis for the tests (Backstage's TestDatabases / TestCaches without Docker).
# Sourced by scripts/test.sh; `bash scripts/services.sh` runs it alone.
#
# ensure_test_services, for each of the two connection strings:
# - reachable: nothing to do (one TCP connect each);
# - on this machine (127.0.0.1/localhost) and installed but stopped: starts it (Debian's
#   pg_ctlcluster for the cluster on that port, or pg_ctl with $PGDATA; redis-server);
# - missing: installs it with apt-get when running as root (PostgreSQL's loopback access for
#   user postgres is then set to trust, as the tests connect without a password), otherwise
#   prints the commands to run and stops.

if [ -z "${REPO_ROOT:-}" ]; then
  REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  TOOLS_DIR="$REPO_ROOT/.tools"
fi
if ! declare -F log >/dev/null; then
  log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
fi

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    port_open "$1" "$2" && return 0
    sleep 0.2
  done
  return 1
}

can_apt_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

apt_install() {
  log "Installing $* with apt-get"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

is_local_host() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ]; }

# Splits scheme://[user[:password]@]host[:port][/...] into "host port".
host_and_port() { # url default_port
  local rest="${1#*://}"
  rest="${rest##*@}"
  rest="${rest%%/*}"
  local host="${rest%%:*}" port="${rest##*:}"
  [ "$port" = "$rest" ] && port="$2"
  echo "$host $port"
}

# --- PostgreSQL ---------------------------------------------------------------------------

# The Debian cluster (version name) configured for a port, e.g. "15 main".
debian_cluster_on_port() {
  command -v pg_lsclusters >/dev/null || return 1
  pg_lsclusters -h 2>/dev/null | awk -v port="$1" '$3 == port { print $1, $2; exit }' | grep .
}

postgres_trust_loopback() { # version cluster
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  grep -q '^host all postgres 127.0.0.1/32 trust' "$hba" && return 0
  log "Letting user postgres connect over loopback without a password ($hba)"
  sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
}

postgres_hint() { # port
  local cluster
  if command -v apt-get >/dev/null; then
    if cluster="$(debian_cluster_on_port "$1")"; then
      log "Run as root (sudo), then run this command again:"
      log "  pg_ctlcluster --skip-systemctl-redirect $cluster start"
    elif [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
      log "PostgreSQL clusters exist (pg_lsclusters) but none on port $1: make one (as root:" \
        "pg_createcluster <version> tests -p $1 --start, with trust for user postgres on" \
        "127.0.0.1 in its pg_hba.conf) or point BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING at yours."
    else
      log "Run as root (sudo), then run this command again:"
      log "  apt-get install -y postgresql"
      log "  sed -i '1i host all postgres 127.0.0.1/32 trust\\nhost all postgres ::1/128 trust' /etc/postgresql/*/main/pg_hba.conf"
      log "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main restart"
    fi
  else
    log "Install PostgreSQL 15 and start it on 127.0.0.1:$1 with trust auth for user postgres" \
      "(macOS: brew install postgresql@15 && brew services start postgresql@15 &&" \
      "createuser -s postgres), or set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING."
  fi
}

ensure_postgres() { # url
  local host port cluster
  read -r host port < <(host_and_port "$1" 5432)
  port_open "$host" "$port" && return 0
  if ! is_local_host "$host"; then
    log "PostgreSQL is not reachable at $host:$port (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING)."
    exit 1
  fi
  if ! debian_cluster_on_port "$port" >/dev/null && ! { command -v pg_ctl >/dev/null && [ -n "${PGDATA:-}" ]; }; then
    if [ -n "$(ls /etc/postgresql 2>/dev/null)" ] || ! can_apt_install; then
      log "PostgreSQL is not running on $host:$port and there is no cluster for that port to start."
      postgres_hint "$port"
      exit 1
    fi
    apt_install postgresql
    cluster="$(debian_cluster_on_port "$port")" || {
      log "apt-get installed PostgreSQL but made no cluster on port $port."
      exit 1
    }
    postgres_trust_loopback $cluster
    # The package may have started it with the old pg_hba.conf: restart.
    pg_ctlcluster --skip-systemctl-redirect $cluster stop >/dev/null 2>&1 || true
  fi
  if cluster="$(debian_cluster_on_port "$port")"; then
    log "Starting PostgreSQL cluster $cluster (port $port)"
    if ! pg_ctlcluster --skip-systemctl-redirect $cluster start >&2; then
      postgres_hint "$port"
      exit 1
    fi
  else
    log "Starting PostgreSQL in $PGDATA with pg_ctl (port $port)"
    pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -o "-p $port" -w start >&2 || {
      log "pg_ctl could not start it; see $PGDATA/server.log"
      exit 1
    }
  fi
  wait_for_port "$host" "$port" 30 || {
    log "PostgreSQL was started but does not answer on $host:$port."
    exit 1
  }
}

# --- Redis --------------------------------------------------------------------------------

ensure_redis() { # url
  local host port dir
  read -r host port < <(host_and_port "$1" 6379)
  port_open "$host" "$port" && return 0
  if ! is_local_host "$host"; then
    log "Redis is not reachable at $host:$port (BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING)."
    exit 1
  fi
  if ! command -v redis-server >/dev/null; then
    if ! can_apt_install; then
      log "Redis is not running on $host:$port and redis-server is missing. Install it" \
        "(Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis)," \
        "then run this command again: it starts it."
      exit 1
    fi
    apt_install redis-server
    # Debian's package may start its own service on 6379.
    wait_for_port "$host" "$port" 3 && return 0
  fi
  # Nothing is persisted (--save "", no AOF); the working directory only holds its log.
  if [ "$(id -u)" = 0 ] && [ -d /var/lib/redis ] && [ -d /var/log/redis ]; then
    dir=/var/lib/redis
    set -- --logfile /var/log/redis/ci.log
  else
    dir="$TOOLS_DIR/redis"
    mkdir -p "$dir"
    set -- --logfile "$dir/redis.log"
  fi
  log "Starting redis-server on 127.0.0.1:$port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$dir" "$@" >&2
  wait_for_port "$host" "$port" 15 || {
    log "redis-server was started but does not answer on $host:$port (log: ${2})."
    exit 1
  }
}

ensure_test_services() {
  ensure_postgres "$BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING"
  ensure_redis "$BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  : "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:=postgresql://postgres@127.0.0.1:5432}"
  : "${BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING:=redis://127.0.0.1:6379}"
  ensure_test_services
  log "PostgreSQL and Redis are reachable"
fi
