#!/bin/bash
# smoke.sh [OUTDIR] - end-to-end check of the OpenStack all-in-one test
# environment with the real openstack CLI. OUTDIR is the directory start.sh
# wrote its credentials to (default ./.aio). Set AIO_SMOKE_USER=admin to run
# as admin instead of the demo user. Exits non-zero on the first failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OUT="${1:-./.aio}"
# shellcheck source=/dev/null  # written by start.sh
case "${AIO_SMOKE_USER:-demo}" in
  admin) . "$OUT/openrc" ;;
  *)     . "$OUT/openrc.demo" ;;
esac
OSC=/usr/bin/openstack
PY=/usr/bin/python3
STACK="aio-smoke-$(date +%s)"
FIXED_IP=10.20.30.10
T0=$(date +%s)
step() { echo; echo "=== [+$(( $(date +%s) - T0 ))s] $*"; }
fail() {
  echo "SMOKE FAILED: $*" >&2
  $OSC stack event list --nested-depth 2 "$STACK" 2>/dev/null | tail -25 >&2 || true
  $OSC stack resource list --nested-depth 2 --filter status=FAILED "$STACK" 2>/dev/null >&2 || true
  exit 1
}
cleanup() {
  if [ "${DELETED:-0}" != 1 ] && $OSC stack show "$STACK" >/dev/null 2>&1; then
    echo "cleanup: deleting $STACK"; $OSC stack delete --yes --wait "$STACK" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

stack_status() { $OSC stack show "$STACK" -f value -c stack_status; }
# rid RESOURCE [STACK]: physical id of a resource
rid() { $OSC stack resource show "${2:-$STACK}" "$1" -f value -c physical_resource_id; }
# members: "member_stack_id server_id" for each AutoScalingGroup member
members() {
  local gid
  gid=$(rid group)
  $OSC stack resource list "$gid" -f value -c resource_name | while read -r m; do
    local sid; sid=$(rid "$m" "$gid"); echo "$sid $(rid server "$sid")"
  done
}
server_has_ip() {  # server_has_ip SERVER_ID IP : GET /servers/{id} lists IP in addresses
  local token
  token=$($OSC token issue -f value -c id)
  curl -sf -H "X-Auth-Token: $token" "http://127.0.0.1:8774/v2.1/servers/$1" | "$PY" -c '
import json, sys
srv = json.load(sys.stdin)["server"]
ips = [a["addr"] for net in srv["addresses"].values() for a in net]
print("  GET /servers/%s: status=%s addresses=%s" % (srv["id"], srv["status"], json.dumps(srv["addresses"])))
sys.exit(0 if sys.argv[1] in ips and srv["status"] == "ACTIVE" else 1)' "$2"
}

step "catalog as $OS_USERNAME"
$OSC catalog list -f value -c Name -c Type | sort
for t in identity orchestration compute network image placement; do
  $OSC catalog show "$t" >/dev/null || fail "no $t endpoint in catalog"
done

step "stack create $STACK (net, subnet, port with fixed IP, server, AutoScalingGroup of nested template)"
$OSC stack create --wait -t "$HERE/smoke/main.yaml" "$STACK" >/dev/null || fail "stack create"
[ "$(stack_status)" = CREATE_COMPLETE ] || fail "stack status $(stack_status)"
echo "stack $STACK: $(stack_status)"

step "resource list --nested-depth 2"
$OSC stack resource list --nested-depth 2 "$STACK"
n=$($OSC stack resource list --nested-depth 2 -f value -c resource_type "$STACK" | grep -c '^OS::Nova::Server$' || true)
[ "$n" -ge 2 ] || fail "expected >= 2 OS::Nova::Server resources at nested depth 2, got $n"

step "GET /servers/{id} shows the port's fixed IP $FIXED_IP"
SERVER=$(rid server)
server_has_ip "$SERVER" "$FIXED_IP" || fail "server $SERVER does not list $FIXED_IP"
$OSC server show "$SERVER" -f value -c addresses

step "mark-unhealthy (top-level server and the group member's server) + stack update --existing"
read -r MSTACK MSERVER < <(members | head -1)
echo "top-level server: $SERVER; group member stack $MSTACK server $MSERVER"
$OSC stack resource mark unhealthy "$STACK" server "smoke test" || fail "mark unhealthy server"
$OSC stack resource mark unhealthy "$MSTACK" server "smoke test" || fail "mark unhealthy member server"
$OSC stack resource show "$STACK" server -f value -c resource_status
$OSC stack update --existing --wait "$STACK" >/dev/null || fail "stack update --existing after mark-unhealthy"
[ "$(stack_status)" = UPDATE_COMPLETE ] || fail "stack status $(stack_status)"
SERVER2=$(rid server)
MSERVER2=$(rid server "$MSTACK")
echo "top-level server: $SERVER -> $SERVER2"
echo "member server:    $MSERVER -> $MSERVER2"
[ -n "$SERVER2" ] && [ "$SERVER2" != "$SERVER" ] || fail "top-level server was not replaced"
[ -n "$MSERVER2" ] && [ "$MSERVER2" != "$MSERVER" ] || fail "member server was not replaced"
server_has_ip "$SERVER2" "$FIXED_IP" || fail "replacement server $SERVER2 does not list $FIXED_IP"

step "PATCH update (stack update --existing --parameter capacity=3) scales the group out"
$OSC stack update --existing --parameter capacity=3 --wait "$STACK" >/dev/null || fail "stack update capacity=3"
[ "$(stack_status)" = UPDATE_COMPLETE ] || fail "stack status $(stack_status)"
size=$($OSC stack output show "$STACK" group_size -f value -c output_value)
echo "group current_size: $size"
[ "$size" = 3 ] || fail "group size $size, expected 3"
members | while read -r ms sv; do
  st=$($OSC server show "$sv" -f value -c status); echo "  member $ms server $sv $st"
  [ "$st" = ACTIVE ] || exit 1
done || fail "not all group servers ACTIVE"
$OSC stack resource list --nested-depth 2 "$STACK"

step "stack delete"
ALL_SERVERS="$(rid server) $(members | awk '{print $2}')"
$OSC stack delete --yes --wait "$STACK" || fail "stack delete"
DELETED=1
if $OSC stack show "$STACK" >/dev/null 2>&1; then fail "stack still present after delete"; fi
for s in $ALL_SERVERS; do
  if $OSC server show "$s" >/dev/null 2>&1; then fail "server $s still exists after stack delete"; fi
done
echo "stack and its servers are gone"

echo; echo "SMOKE PASSED in $(( $(date +%s) - T0 ))s"
