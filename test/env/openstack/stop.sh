#!/bin/bash
# stop.sh - stop the services started by start.sh, using the PIDs it recorded
# in $AIO_RUN_DIR (each service, its descendants and its setsid group are signalled).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. "$HERE/aio.env"; . "$HERE/procs.sh"
log() { echo "[stop $(date +%H:%M:%S)] $*"; }

# stop_group TIMEOUT NAME... : SIGTERM the named services together, wait up
# to TIMEOUT seconds, then SIGKILL what is left
stop_group() {
  local timeout=$1; shift
  local name f all="" names="" pids
  for name in "$@"; do
    f="$AIO_RUN_DIR/$name.pid"
    [ -f "$f" ] || continue
    pids=$(members "$(cat "$f")")
    if [ -n "$pids" ]; then all="$all $pids"; names="$names $name"; fi
  done
  if [ -n "$all" ]; then
    # shellcheck disable=SC2086
    kill -TERM $all 2>/dev/null
    for _ in $(seq 1 $((timeout * 2))); do
      all=$(for p in $all; do [ -d "/proc/$p" ] && echo "$p"; done)
      [ -z "$all" ] && break
      sleep 0.5
    done
    # shellcheck disable=SC2086,SC2116  # $(echo $all): one line for the log
    if [ -n "$all" ]; then log "SIGKILL $(echo $all)"; kill -KILL $all 2>/dev/null; fi
    log "stopped$names"
  fi
  for name in "$@"; do rm -f "$AIO_RUN_DIR/$name.pid" "$AIO_RUN_DIR/$name.started"; done
}

OPENSTACK="heat-api heat-engine nova-compute nova-api nova-scheduler nova-conductor
neutron-linuxbridge-agent neutron-server glance-api placement keystone"
# shellcheck disable=SC2086
stop_group 20 $OPENSTACK
# anything else start.sh recorded, except the message bus and database
others=""
for f in "$AIO_RUN_DIR"/*.pid; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .pid)
  case $n in rabbitmq|mariadb) ;; *) others="$others $n" ;; esac
done
# shellcheck disable=SC2086
[ -n "$others" ] && stop_group 20 $others

if [ -f "$AIO_RUN_DIR/rabbitmq.pid" ] && [ -n "$(members "$(cat "$AIO_RUN_DIR/rabbitmq.pid")")" ]; then
  rabbitmqctl -q stop >/dev/null 2>&1 || true
fi
stop_group 30 rabbitmq
if [ -f "$AIO_RUN_DIR/mariadb.pid" ] && [ -n "$(members "$(cat "$AIO_RUN_DIR/mariadb.pid")")" ]; then
  mariadb-admin shutdown >/dev/null 2>&1 || true
fi
stop_group 30 mariadb

# epmd was started by rabbitmq as a daemon; stop it when no Erlang node is
# registered any more
if command -v epmd >/dev/null && epmd -names >/dev/null 2>&1 \
   && ! epmd -names 2>/dev/null | grep -q '^name '; then
  epmd -kill >/dev/null 2>&1 || true
fi
exit 0
