#!/bin/bash
# postgres.sh - the test environment's own PostgreSQL cluster, for vnflcm's shared-state backend
# (VNFLCM_STATE_URL). Not the system service: its own data directory, owned by the postgres user,
# started with pg_ctl on 127.0.0.1:$PG_PORT. Called by env.sh (install/up/down/status).
#
#   postgres.sh install   the Debian postgresql package (idempotent)
#   postgres.sh up        install and initdb if needed, start, create role+database vnflcm, write the URL
#                         into $STATE/postgres/url and (key postgres_url) $STATE/env.json
#   postgres.sh down      stop the cluster (data kept)
#   postgres.sh status    one line; exit 0 when the cluster answers
#   postgres.sh url       print the URL
#
# The role vnflcm has CREATEDB: tests make a throwaway database each and drop it.
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
STATE=${VNFLCM_TESTENV_STATE:-/srv/vnflcm-testenv}
PG_DIR=$STATE/postgres
PG_DATA=$PG_DIR/data
PG_PORT=${VNFLCM_TESTENV_PG_PORT:-55432}
PG_USER=postgres
FACTS=$STATE/env.json

log() { echo "[postgres $(date +%H:%M:%S)] $*"; }
die() { echo "[postgres] ERROR: $*" >&2; exit 1; }
pg_bin() { # the newest installed server version's bin directory
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] || die "PostgreSQL is not installed (postgres.sh install)"
  echo "$d"
}
as_pg() { runuser -u "$PG_USER" -- "$@"; }
answers() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3; }
url() { echo "postgres://vnflcm:$(cat "$PG_DIR/password")@127.0.0.1:$PG_PORT/vnflcm"; }

cmd_install() {
  if [ -n "$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -name initdb 2>/dev/null)" ]; then
    log "postgresql already installed"; return 0
  fi
  log "apt-get install postgresql"
  # The package must not start (or create) the system cluster: the test env runs its own.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/vnflcm-testenv.conf
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends postgresql || rc=$?
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || die "apt-get install postgresql failed"
}

cmd_up() {
  [ -n "$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -name initdb 2>/dev/null)" ] || cmd_install
  local bin; bin=$(pg_bin)
  mkdir -p "$PG_DIR"
  chown "$PG_USER:" "$PG_DIR"; chmod 700 "$PG_DIR"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
      || { tail -5 "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    cat >> "$PG_DATA/postgresql.conf" <<EOF
# vnflcm test environment
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  if answers; then
    log "already running on 127.0.0.1:$PG_PORT"
  else
    log "pg_ctl start (127.0.0.1:$PG_PORT, log $PG_DIR/server.log)"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null || { tail -10 "$PG_DIR/server.log" >&2; die "pg_ctl start failed"; }
  fi
  if [ ! -s "$PG_DIR/password" ]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PG_DIR/password")
  fi
  local pw; pw=$(cat "$PG_DIR/password")
  # the password on stdin (psql's variable), never on a command line
  printf '%s\n' \
    "SELECT format('CREATE ROLE vnflcm LOGIN CREATEDB PASSWORD %L', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vnflcm') \\gexec" \
    "SELECT format('ALTER ROLE vnflcm PASSWORD %L', :'pw') \\gexec" \
    "SELECT 'CREATE DATABASE vnflcm OWNER vnflcm' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'vnflcm') \\gexec" \
    | as_pg "$bin/psql" -q -X -v ON_ERROR_STOP=1 -v "pw=$pw" -h "$PG_DIR" -p "$PG_PORT" -d postgres >/dev/null \
    || die "could not create role/database vnflcm"
  url > "$PG_DIR/url"; chmod 600 "$PG_DIR/url"
  if [ -f "$FACTS" ]; then
    ENV_FACTS=$FACTS ENV_PG_URL=$(url) python3 -c '
import json, os
f = os.environ["ENV_FACTS"]
d = json.load(open(f))
d["postgres_url"] = os.environ["ENV_PG_URL"]
tmp = f + ".tmp"
with open(tmp, "w") as o:
    json.dump(d, o, indent=2)
os.replace(tmp, f)'
  fi
  log "up: $(url | sed 's#://\([^:]*\):[^@]*@#://\1:****@#')"
}

cmd_down() {
  if answers; then log "pg_ctl stop"; as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null; else log "not running"; fi
}

cmd_status() {
  if answers; then echo "postgres   up    127.0.0.1:$PG_PORT ($PG_DATA)"; return 0; fi
  echo "postgres   DOWN  nothing answers on 127.0.0.1:$PG_PORT"; return 1
}

case "${1:-}" in
  install) cmd_install;;
  up) cmd_up;;
  down) cmd_down;;
  status) cmd_status;;
  url) url;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2;;
esac
