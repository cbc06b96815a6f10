#!/bin/bash
# Fault checks for nova-sync: the sync talks to Keystone, Nova and Neutron through
# bench/faultproxy.py (127.0.0.1:15000/18774/19696), which can refuse, 503, hang or 401; the
# servers themselves are made with the openstack CLI as usual. Checks that stand-ins survive API
# outages, that changes made during an outage are applied afterwards, that a killed sync adopts
# its stand-ins, that a foreign VM at a server's IP is never touched, that a stand-in removed
# behind the sync's back comes back, and that `server rebuild` gives a new stand-in.
#   bench/nova-faults.sh     (as root; the OpenStack test environment must be running)
# Environment: as bench/nova-e2e.sh (OS_CLIENT_CONFIG_FILE, NOVA_E2E_ADMIN_CLOUD, NOVA_E2E_CLOUD).
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"
# shellcheck source=../lib/common.sh
source "$TB/lib/common.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export OS_CLIENT_CONFIG_FILE=${OS_CLIENT_CONFIG_FILE:-${VNFLCM_TESTENV_STATE:-/srv/vnflcm-testenv}/openstack/clouds.yaml}
ADMIN=${NOVA_E2E_ADMIN_CLOUD:-aio}
USER_CLOUD=${NOVA_E2E_CLOUD:-aio-demo}
OSC=(openstack --os-cloud "$USER_CLOUD")
KS=15000 NOVA=18774 NEUTRON=19696
work=$(mktemp -d); M=$work/modes; mkdir -p "$M"
export TESTBED_NOVA_SYNC_DIR=$work/sync
LOG=$TESTBED_NOVA_SYNC_DIR/nova-sync.log
T0=$(now) proxy="" made_net=0 fixture="" port_id=""
servers=()
declare -a RESULTS=()
step() { printf '\n=== [+%ss] %s\n' "$(elapsed "$T0" "$(now)")" "$*"; }
ok() { RESULTS+=("PASS  $*"); echo "  PASS: $*"; }
fail() { echo "NOVA-FAULTS FAILED: $*" >&2; "$TB/nova-sync.sh" status >&2 || true; tail -15 "$LOG" >&2 || true; exit 1; }
cleanup() {
  set +e
  [ ${#servers[@]} -gt 0 ] && "${OSC[@]}" server delete --wait "${servers[@]}" >/dev/null 2>&1
  [ -n "$port_id" ] && "${OSC[@]}" port delete "$port_id" >/dev/null 2>&1
  [ -n "$fixture" ] && "$TB/vm.sh" down "$fixture" >/dev/null 2>&1
  "$TB/nova-sync.sh" stop >/dev/null
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null
  [ "$made_net" = 1 ] && "$TB/network.sh" delete --os-cloud "$USER_CLOUD" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fault() { echo "$2" > "$M/$1"; }     # fault PORT MODE
rows() { "$TB/nova-sync.sh" status | awk 'NR > 2 && $1 != "-"'; }
ip_of() { rows | awk -v s="$1" '$5 == s && $3 == "up" {print $2}'; }     # server id -> stand-in IP
name_of() { rows | awk -v s="$1" '$5 == s {print $1}'; }
fp() { ssh-keyscan -T 2 -t ed25519 "$1" 2>/dev/null | ssh-keygen -lf - 2>/dev/null | awk '{print $2}'; }
wait_for() { local end=$(( $(date +%s) + $1 )); shift; until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done; }
has_standin() { [ -n "$(ip_of "$1")" ]; }
no_standin() { [ -z "$(name_of "$1")" ]; }
log_has() { tail -n +"$1" "$LOG" | grep -- "$2" >/dev/null; }   # not grep -q: pipefail + SIGPIPE
logpos() { echo $(( $(wc -l < "$LOG") + 1 )); }
new_server() { # NAME [openstack server create options...] -> id; waits for ACTIVE
  local n=$1; shift
  "${OSC[@]}" server create --image ubuntu-20.04-server-cloudimg-amd64 --flavor m1.tiny "$@" --wait "$n" \
    -f value -c id | grep -Eo '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}' | tail -1   # --wait adds progress text
}

step "setup: network, fault proxy, sync through the proxy, servers fa and fb"
"$TB/network.sh" show --os-cloud "$USER_CLOUD" >/dev/null 2>&1 || made_net=1
"$TB/network.sh" --os-cloud "$USER_CLOUD" >/dev/null
for p in $KS $NOVA $NEUTRON; do
  ! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null || fail "port $p is in use"
done
setsid /usr/bin/python3 "$TB/bench/faultproxy.py" "$M" $KS:5000 $NOVA:8774 $NEUTRON:9696 \
  > "$work/proxy.log" 2>&1 < /dev/null &
proxy=$!
/usr/bin/python3 - "$ADMIN" "$work/clouds.yaml" <<EOF
import os, sys, yaml
c = yaml.safe_load(open(os.environ['OS_CLIENT_CONFIG_FILE']))['clouds'][sys.argv[1]]
c['auth']['auth_url'] = 'http://127.0.0.1:$KS/v3'
c['compute_endpoint_override'] = 'http://127.0.0.1:$NOVA/v2.1'
c['network_endpoint_override'] = 'http://127.0.0.1:$NEUTRON'
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o600)
os.write(fd, yaml.safe_dump({'clouds': {'faulty': c}}).encode())
EOF
sleep 0.5
sync_start() { OS_CLIENT_CONFIG_FILE=$work/clouds.yaml "$TB/nova-sync.sh" start --os-cloud faulty --all-projects --timeout 3; }
sync_start
FA=$(new_server fa --network vnf-net); servers+=("$FA")
FB=$(new_server fb --network vnf-net); servers+=("$FB")
wait_for 30 has_standin "$FA" && wait_for 30 has_standin "$FB" || fail "fa/fb stand-ins"
IPB=$(ip_of "$FB"); FPB=$(fp "$IPB")
echo "  fa $FA at $(ip_of "$FA"); fb $FB at $IPB ($FPB)"

step "Nova refuses connections for 8 s; fa is deleted meanwhile"
p=$(logpos); fault $NOVA down; s=$(now)
"${OSC[@]}" server delete --wait "$FA"; servers=("${servers[@]:1}")
sleep "$(awk -v e="$(elapsed "$s" "$(now)")" 'BEGIN { d = 8 - e; print (d > 0 ? d : 0) }')"
[ -n "$(name_of "$FA")" ] || fail "fa's stand-in went away while Nova was unreachable"
log_has "$p" 'poll failed' || fail "no poll error logged"
fault $NOVA pass; r=$(now)
wait_for 20 no_standin "$FA" || fail "fa's stand-in not removed after Nova came back"
[ "$(fp "$IPB")" = "$FPB" ] || fail "fb's stand-in changed"
ok "Nova down 8 s: stand-ins kept; fa's deletion applied $(elapsed "$r" "$(now)")s after Nova came back; fb untouched"

step "Nova answers HTTP 503 for 5 s, then hangs for 6 s (client timeout 3 s)"
p=$(logpos); fault $NOVA http503; sleep 5; fault $NOVA hang; sleep 6; fault $NOVA pass
wait_for 15 log_has "$p" 'reachable again' || fail "no recovery logged"
log_has "$p" 'HTTP 503' && log_has "$p" 'timed out' || fail "503/timeout not logged"
[ "$(fp "$IPB")" = "$FPB" ] && [ "$(ip_of "$FB")" = "$IPB" ] || fail "fb's stand-in changed"
ok "Nova 503 and hang: logged, recovered, fb untouched"

step "Keystone refuses connections while Nova answers 401 once (forces a re-authentication)"
p=$(logpos); fault $KS down; fault $NOVA 401once; sleep 5
log_has "$p" 'poll failed' || fail "no error while Keystone was down"
fault $KS pass
wait_for 15 log_has "$p" 'reachable again' || fail "no recovery after Keystone came back"
[ "$(fp "$IPB")" = "$FPB" ] || fail "fb's stand-in changed"
ok "re-authentication failure while Keystone was down: recovered, fb untouched"

step "Neutron refuses connections while server fc becomes ACTIVE"
p=$(logpos); fault $NEUTRON down
FC=$(new_server fc --network vnf-net); servers+=("$FC")
sleep 5
no_standin "$FC" || fail "fc got a stand-in without Neutron"
log_has "$p" 'neutron: ' || fail "Neutron error not logged"
fault $NEUTRON pass; r=$(now)
wait_for 20 has_standin "$FC" || fail "fc's stand-in did not come up after Neutron came back"
ok "Neutron down: fc waited, stand-in up $(elapsed "$r" "$(now)")s after Neutron came back"

step "the sync is killed (SIGKILL) and started again"
kill -KILL "$(cat "$TESTBED_NOVA_SYNC_DIR/nova-sync.pid")"
p=$(logpos); sync_start
log_has "$p" "adopted stand-in $(name_of "$FB")" || fail "fb's stand-in not adopted"
sleep 3
[ "$(fp "$IPB")" = "$FPB" ] || fail "fb's stand-in changed"
ok "restart after SIGKILL: stand-ins adopted from the state file, not re-created"

step "a foreign VM (fixture) holds the IP of a new server's port"
for last in $(seq 250 -1 240); do
  X=10.250.0.$last
  port_id=$("${OSC[@]}" port create --network vnf-net --fixed-ip ip-address="$X" "fault-port" -f value -c id 2>/dev/null) && break
done
[ -n "$port_id" ] || fail "no free address for the port"
fixture=fault-fixture
TESTBED_QUIET=1 "$TB/vm.sh" up "$fixture" "$X"; FPX=$(fp "$X")
FD=$(new_server fd --port "$port_id"); servers+=("$FD")
sleep 6
[ "$(fp "$X")" = "$FPX" ] && [ "$("$TB/vm.sh" info "$fixture" | sed -n 's/^state=//p')" = running ] \
  || fail "the fixture was touched"
no_standin "$FD" || fail "fd has a stand-in although $X is taken"
TESTBED_QUIET=1 "$TB/vm.sh" down "$fixture"; fixture=""; r=$(now)
wait_for 40 has_standin "$FD" || fail "fd's stand-in did not come after the fixture left"
ok "foreign VM at $X never touched (vm.sh up refused, retried with back-off); stand-in $(elapsed "$r" "$(now)")s after it left"

step "fb's stand-in is removed behind the sync's back (vm.sh down)"
TESTBED_QUIET=1 "$TB/vm.sh" down "$(name_of "$FB")"; r=$(now)
wait_for 15 has_standin "$FB" || fail "fb's stand-in not re-created"
f=$(fp "$IPB"); [ -n "$f" ] && [ "$f" != "$FPB" ] || fail "no new host key at $IPB"
ok "vanished stand-in re-created after $(elapsed "$r" "$(now)")s (new host key)"

step "server rebuild of fc"
IPC=$(ip_of "$FC"); FPC=$(fp "$IPC"); r=$(now)
"${OSC[@]}" server rebuild --image ubuntu-20.04-server-cloudimg-amd64 --wait "$FC" >/dev/null
chg() { local f; f=$(fp "$IPC"); [ -n "$f" ] && [ "$f" != "$FPC" ]; }
wait_for 20 chg || fail "no new stand-in after the rebuild"
ok "rebuild: new stand-in (new host key) at $IPC, $(elapsed "$r" "$(now)")s after the rebuild request"

step "sync log"
cut -c12- "$LOG" | grep -v '^ *$'
printf '\n=== results\n'; printf '%s\n' "${RESULTS[@]}"
echo; echo "NOVA-FAULTS PASSED in $(elapsed "$T0" "$(now)")s"
