#!/bin/bash
# End-to-end proof of "Nova-backed VMs" with the real openstack CLI, timing each phase:
#   network.sh -> nova-sync.sh start -> Heat stack (server on its own port + AutoScalingGroup of 2
#   port+server members, bench/nova/*.yaml) -> every IP answers SSH, hostnames and host keys
#   differ -> mark-unhealthy + stack update: same IP, new stand-in (new host key, empty home)
#   -> capacity=3 (PATCH): a third stand-in -> stack delete: all stand-ins gone.
#   bench/nova-e2e.sh        (as root; the OpenStack test environment must be running)
# Each Heat call runs in the background while the stand-ins are watched (nova-sync.sh status,
# every ~0.15 s), so "stand-ins ready" is timed apart from the CLI's own --wait polling.
# Environment: OS_CLIENT_CONFIG_FILE (default $VNFLCM_TESTENV_STATE/openstack/clouds.yaml, written by
# test/env/env.sh up), NOVA_E2E_ADMIN_CLOUD (aio: runs the sync), NOVA_E2E_CLOUD (aio-demo: owns network+stack).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"
# shellcheck source=../lib/common.sh
source "$TB/lib/common.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export OS_CLIENT_CONFIG_FILE=${OS_CLIENT_CONFIG_FILE:-${VNFLCM_TESTENV_STATE:-/srv/vnflcm-testenv}/openstack/clouds.yaml}
ADMIN=${NOVA_E2E_ADMIN_CLOUD:-aio}
USER_CLOUD=${NOVA_E2E_CLOUD:-aio-demo}
OSC=(openstack --os-cloud "$USER_CLOUD")
STACK=nova-e2e-$(date +%s)
SYNC_LOG=${TESTBED_NOVA_SYNC_DIR:-$TB_STATE/nova-sync}/nova-sync.log
T0=$(now)
work=$(mktemp -d)
declare -a TIMES=()
started_sync=0 made_net=0 stack_made=0
step() { printf '\n=== [+%ss] %s\n' "$(elapsed "$T0" "$(now)")" "$*"; }
mark() { TIMES+=("$(printf '%-64s %8ss' "$1" "$2")"); printf '  -> %s: %ss\n' "$1" "$2"; }
fail() { echo "NOVA-E2E FAILED: $*" >&2; "$TB/nova-sync.sh" status >&2 || true; "$TB/nova-sync.sh" log 15 >&2 || true; exit 1; }
cleanup() {
  set +e
  [ "$stack_made" = 1 ] && "${OSC[@]}" stack delete --yes --wait "$STACK" >/dev/null 2>&1
  [ "$started_sync" = 1 ] && "$TB/nova-sync.sh" stop >/dev/null
  [ "$made_net" = 1 ] && "$TB/network.sh" delete --os-cloud "$USER_CLOUD" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

ssh_vm() { local ip=$1; shift; askpass_env ssh "${SSH_OPTS[@]}" -o ConnectTimeout=2 "ubuntu@$ip" "$@"; }
fp() { ssh-keyscan -T 2 -t ed25519 "$1" 2>/dev/null | ssh-keygen -lf - 2>/dev/null | awk '{print $2}'; }
rows() { "$TB/nova-sync.sh" status | awk 'NR > 2 && $1 != "-"'; }      # NAME IPS PHASE HOST SERVER ..
n_up() { rows | awk '$3 == "up" {n++} END {print n + 0}'; }
n_all() { rows | wc -l; }
server_at() { rows | awk -v ip="$1" '$3 == "up" && $2 == ip {print $5}'; }
wait_for() { # SECONDS CMD...: poll CMD until it succeeds
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
is() { [ "$("$1")" = "$2" ]; }
refresh() { # stack outputs as "key value" lines (lists joined with commas), one CLI call
  OUTS=$("${OSC[@]}" stack show "$STACK" -f json -c outputs | /usr/bin/python3 -c '
import json, sys
for o in json.load(sys.stdin)["outputs"]:
    v = o["output_value"]
    print(o["output_key"], ",".join(map(str, v)) if isinstance(v, list) else v)')
}
out() { awk -v k="$1" '$1 == k {print $2}' <<< "$OUTS"; }
bg() { # LOG CMD...: run CMD in the background; CLI_END is read from LOG.end when it is done
  local f=$1; shift
  { "$@" > "$work/$f" 2>&1; rc=$?; now > "$work/$f.end"; exit $rc; } & CLI=$!
}
cli_done() { wait "$CLI" || fail "$1: $(tail -3 "$work/$2")"; CLI_END=$(cat "$work/$2.end"); }

step "network.sh --os-cloud $USER_CLOUD (Neutron network matching the test bed)"
"$TB/network.sh" show --os-cloud "$USER_CLOUD" >/dev/null 2>&1 || made_net=1
s=$(now); NET=$("$TB/network.sh" --os-cloud "$USER_CLOUD")
mark "network.sh ($([ $made_net = 1 ] && echo creates || echo finds) vnf-net + subnet)" "$(elapsed "$s" "$(now)")"
s=$(now); NET2=$("$TB/network.sh" --os-cloud "$USER_CLOUD" 2>/dev/null)
mark "network.sh again (idempotent)" "$(elapsed "$s" "$(now)")"
[ "$NET" = "$NET2" ] || fail "network id changed: $NET vs $NET2"
echo "  network vnf-net = $NET"

step "nova-sync.sh start --os-cloud $ADMIN --all-projects"
if ! "$TB/nova-sync.sh" status >/dev/null 2>&1; then
  s=$(now); "$TB/nova-sync.sh" start --os-cloud "$ADMIN" --all-projects; started_sync=1
  mark "nova-sync.sh start (returns after the first good poll)" "$(elapsed "$s" "$(now)")"
else echo "  (already running)"; fi
base=$(n_all)
log_from=$(( $(wc -l < "$SYNC_LOG") + 1 ))

step "stack create $STACK: server on its own port + AutoScalingGroup of 2 port+server members"
s=$(now); stack_made=1
bg create.log "${OSC[@]}" stack create --wait -t "$TB/bench/nova/vnf.yaml" "$STACK"
wait_for 180 is n_up $((base + 3)) || fail "3 stand-ins did not come up"
mark "stack create -> 3 stand-ins up (sshd accepting)" "$(elapsed "$s" "$(now)")"
cli_done "stack create" create.log
mark "stack create --wait returned (CREATE_COMPLETE)" "$(elapsed "$s" "$CLI_END")"
refresh; SERVER_IP=$(out server_ip); SERVER_ID=$(out server_id); IFS=, read -r -a MEMBERS <<< "$(out member_ips)"
ALL=("$SERVER_IP" "${MEMBERS[@]}")
echo "  top server $SERVER_ID at $SERVER_IP; members at ${MEMBERS[*]}"
[ "${#MEMBERS[@]}" = 2 ] || fail "expected 2 members, got ${MEMBERS[*]}"
[ "$(server_at "$SERVER_IP")" = "$SERVER_ID" ] || fail "stand-in at $SERVER_IP is not server $SERVER_ID"
declare -A FP HOST
for ip in "${ALL[@]}"; do
  HOST[$ip]=$(ssh_vm "$ip" hostname) || fail "ssh ubuntu@$ip"; FP[$ip]=$(fp "$ip")
  printf '  ssh ubuntu@%-13s hostname %-52s %s\n' "$ip" "${HOST[$ip]}" "${FP[$ip]}"
done
[ "$(printf '%s\n' "${HOST[@]}" | sort -u | wc -l)" = 3 ] || fail "hostnames not distinct"
[ "$(printf '%s\n' "${FP[@]}" | sort -u | wc -l)" = 3 ] || fail "host keys not distinct"
ssh_vm "$SERVER_IP" 'echo before-heal > ~/marker' || fail "write ~/marker"

step "mark unhealthy (top server) + stack update --existing: same IP, new stand-in"
s=$(now); gone=""
bg heal.log sh -c "$(printf '%q ' "${OSC[@]}") stack resource mark unhealthy $STACK server nova-sync-e2e &&
  $(printf '%q ' "${OSC[@]}") stack update --existing --wait $STACK"
end=$(( $(date +%s) + 180 ))
while :; do
  sv=$(server_at "$SERVER_IP")
  [ -z "$sv" ] && [ -z "$gone" ] && gone=$(now)
  [ -n "$sv" ] && [ "$sv" != "$SERVER_ID" ] && break
  [ "$(date +%s)" -lt "$end" ] || fail "no new stand-in at $SERVER_IP"
  sleep 0.1
done
mark "mark unhealthy -> new stand-in up at the same IP" "$(elapsed "$s" "$(now)")"
mark "  of which $SERVER_IP had no stand-in (old down -> new up)" "$(elapsed "${gone:-$(now)}" "$(now)")"
cli_done "mark unhealthy + stack update" heal.log
mark "mark unhealthy + stack update --existing --wait returned" "$(elapsed "$s" "$CLI_END")"
refresh; NEW_ID=$(out server_id); NEW_IP=$(out server_ip)
echo "  server $SERVER_ID -> $NEW_ID, IP $SERVER_IP -> $NEW_IP"
[ "$NEW_ID" != "$SERVER_ID" ] || fail "server was not replaced"
[ "$NEW_IP" = "$SERVER_IP" ] || fail "IP changed"
[ "$(server_at "$SERVER_IP")" = "$NEW_ID" ] || fail "stand-in at $SERVER_IP is not server $NEW_ID"
f=$(fp "$SERVER_IP"); h=$(ssh_vm "$SERVER_IP" hostname)
echo "  $SERVER_IP: hostname ${HOST[$SERVER_IP]} -> $h"
echo "  $SERVER_IP: host key ${FP[$SERVER_IP]} -> $f"
[ -n "$f" ] && [ "$f" != "${FP[$SERVER_IP]}" ] || fail "host key did not change"
ssh_vm "$SERVER_IP" 'test ! -e ~/marker' && echo "  ~/marker is gone (fresh filesystem)" || fail "marker survived"
for ip in "${MEMBERS[@]}"; do [ "$(fp "$ip")" = "${FP[$ip]}" ] || fail "member $ip changed its host key"; done
echo "  members untouched (same host keys)"

step "stack update --existing --parameter capacity=3 (PATCH): a third stand-in"
s=$(now)
bg scale.log "${OSC[@]}" stack update --existing --parameter capacity=3 --wait "$STACK"
wait_for 180 is n_up $((base + 4)) || fail "no fourth stand-in"
mark "capacity=3 -> third member's stand-in up" "$(elapsed "$s" "$(now)")"
cli_done "stack update capacity=3" scale.log
mark "stack update capacity=3 --wait returned" "$(elapsed "$s" "$CLI_END")"
refresh; IFS=, read -r -a MEMBERS3 <<< "$(out member_ips)"
[ "${#MEMBERS3[@]}" = 3 ] || fail "expected 3 members, got ${MEMBERS3[*]}"
NEW=$(printf '%s\n' "${MEMBERS3[@]}" | grep -vxF -e "${MEMBERS[0]}" -e "${MEMBERS[1]}")
echo "  members ${MEMBERS3[*]} (new: $NEW)"
printf '  ssh ubuntu@%-13s hostname %-52s %s\n' "$NEW" "$(ssh_vm "$NEW" hostname)" "$(fp "$NEW")"
ALL=("$SERVER_IP" "${MEMBERS3[@]}")

step "stack delete --wait: every stand-in goes away"
s=$(now)
bg delete.log "${OSC[@]}" stack delete --yes --wait "$STACK"
wait_for 180 is n_all "$base" || fail "stand-ins left"
mark "stack delete -> all 4 stand-ins gone" "$(elapsed "$s" "$(now)")"
cli_done "stack delete" delete.log; stack_made=0
mark "stack delete --wait returned" "$(elapsed "$s" "$CLI_END")"
for ip in "${ALL[@]}"; do
  timeout 1 bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null && fail "$ip still answers"
done
echo "  ${ALL[*]}: nothing answers on port 22"

step "nova-sync log for this run"
tail -n +"$log_from" "$SYNC_LOG" | cut -c12-
lat=$(tail -n +"$log_from" "$SYNC_LOG" | sed -n 's/.* up nv-.*ACTIVE+\([0-9.]*\)s)$/\1/p' | sort -n | tr '\n' ' ')

printf '\n=== timings (%s CPUs, boot delay 2 s, poll interval 1 s)\n' "$(nproc)"
printf '%s\n' "${TIMES[@]}"
echo "server ACTIVE (Nova launched_at) -> its stand-in's sshd accepts, per stand-in: $lat(s)"
echo; echo "NOVA-E2E PASSED in $(elapsed "$T0" "$(now)")s"
