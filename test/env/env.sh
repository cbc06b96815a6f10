#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# env.sh - the vnflcm end-to-end test environment: a real OpenStack on loopback (openstack/),
# test-bed VMs that stand in for Nova servers (testbed/ + nova-sync), and two private registry
# fixtures. One entry point for people and tests. See README.md beside this file.
#
#   env.sh install              install every package (idempotent, no prompts)
#   env.sh up                   install if needed, start everything, write $STATE/env.json
#   env.sh down                 stop nova-sync, registries, all test-bed VMs, OpenStack
#   env.sh status               one line per component; exit 0 only when everything is up
#   env.sh facts                print $STATE/env.json
#   env.sh vm ARGS...           testbed/vm.sh ARGS (up NAME IP, down NAME, list, ssh, exec, info, ...)
#   env.sh verify-pull ARGS...  testbed/verify-pull.sh ARGS (VM SERVER IMAGE [--via ..] [--as ..])
#   env.sh calls NAME           the stub call log of VM NAME (JSON lines)
#   env.sh nova-sync ARGS...    testbed/nova-sync.sh ARGS (status, log [N])
#
# STATE: $VNFLCM_TESTENV_STATE (default /srv/vnflcm-testenv). Root only.
set -euo pipefail
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive
OS_DIR=$HERE/openstack
TB_DIR=$HERE/testbed
STATE=${VNFLCM_TESTENV_STATE:-/srv/vnflcm-testenv}
export VNFLCM_TESTENV_STATE=$STATE
export TESTBED_STATE=${TESTBED_STATE:-$STATE/testbed}
OS_OUT=$STATE/openstack                       # start.sh OUTDIR: clouds.yaml, openrc, openrc.demo
export OS_CLIENT_CONFIG_FILE=$OS_OUT/clouds.yaml
FACTS=$STATE/env.json
LOGS=$STATE/logs
PY=/usr/bin/python3
# shellcheck source=openstack/aio.env
. "$OS_DIR/aio.env"

# The environment's fixed layout (README.md, "Network").
CLOUD_ADMIN=aio
CLOUD_DEMO=aio-demo
NET_NAME=vnf-net
SUBNET_CIDR=10.250.0.0/24
GATEWAY=10.250.0.1
POOL=10.250.0.100-10.250.0.254
REG_HTTP=reg-http   REG_HTTP_IP=10.250.0.20  REG_HTTP_PORT=5000  REG_HTTP_FQDN=reg-http.vnflcm.test
REG_HTTPS=reg-https REG_HTTPS_IP=10.250.0.21 REG_HTTPS_PORT=443  REG_HTTPS_FQDN=registry.vnflcm.test
REG_USER=alice
REG_PASSWORD=alice-test-pw                    # throwaway test password
REG_IMAGE=testbed/hello:latest
# One Glance image per Ubuntu release a Nova stand-in can be (nova-sync reads the release from the
# image's os_distro/os_version; the 20.04 one is openstack/'s image).
UBUNTU_IMAGES="20.04=$AIO_IMAGE_NAME 22.04=ubuntu-22.04-server-cloudimg-amd64 24.04=ubuntu-24.04-server-cloudimg-amd64"
export ENV_UBUNTU_IMAGES=$UBUNTU_IMAGES
# OpenStack APIs and the services start.sh records (status checks both)
APIS="keystone=http://127.0.0.1:5000/v3 placement=http://127.0.0.1:8778/ glance=http://127.0.0.1:9292/
neutron=http://127.0.0.1:9696/ nova=http://127.0.0.1:8774/ heat=http://127.0.0.1:8004/"
SERVICES="mariadb rabbitmq keystone placement glance-api neutron-server neutron-linuxbridge-agent
nova-api nova-conductor nova-scheduler nova-compute heat-engine heat-api"
# Debian packages beside OpenStack's (openstack/install.sh has those): the test bed's
# (testbed/lib/common.sh TB_PACKAGES) and the tools tests and CI use. containerd, docker.io and
# runc are the real runtimes test/e2e/real-runtimes.test.ts runs privately (its own sockets and
# state); their system units are masked so nothing starts them in the root namespace.
EXTRA_PACKAGES=(shellcheck containerd docker.io runc)
RUNTIME_UNITS=(containerd.service docker.service docker.socket)

usage() { sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
log() { echo "[env $(date +%H:%M:%S)] $*"; }
die() { echo "[env] ERROR: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "env.sh $1 must run as root (it installs packages, creates namespaces, starts daemons)"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# One env.sh up/down/install at a time (tests of several engineers may call up together).
# with_lock CMD: run "env.sh CMD" again under flock -o, so the lock is held by flock itself and
# never inherited by the daemons that CMD starts (OpenStack services, nova-sync, VMs).
LOCK=$STATE/.env.lock
with_lock() {
  mkdir -p "$STATE"
  if ! flock -n "$LOCK" true; then
    log "another env.sh up/down/install is running; waiting for it (at most 15 minutes)"
  fi
  local rc=0
  VNFLCM_ENV_LOCKED=1 flock -o -E 75 -w 900 "$LOCK" bash "$HERE/env.sh" "$1" || rc=$?
  [ "$rc" != 75 ] || die "timed out waiting for $LOCK"
  exit "$rc"
}

tb_packages() { ( # the test bed's package list, from its own helper
  # shellcheck source=testbed/lib/common.sh
  . "$TB_DIR/lib/common.sh"; printf '%s\n' "${TB_PACKAGES[@]}" ) }

# ------------------------------------------------------------------------------ install
missing_packages() { # PKG... -> the ones not installed
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# A stamp of what the last successful install covered; `up` reinstalls when it changes.
install_stamp() {
  { cat "$OS_DIR/install.sh" "$OS_DIR/aio.env" "$OS_DIR"/conf/*; tb_packages; echo "${EXTRA_PACKAGES[*]}"; } | md5sum | cut -c1-16
}

install_needed() {
  [ "$(cat "$STATE/.installed" 2>/dev/null)" = "$(install_stamp)" ] || return 0
  [ -z "$(missing_packages keystone nova-compute heat-engine neutron-server "${EXTRA_PACKAGES[@]}")" ] || return 0
  return 1
}

# The packaged containerd/docker units stay masked (a link to /dev/null; works without a running
# systemd): tests start private instances, and a system dockerd would rewrite the host's iptables.
mask_runtime_units() {
  local u
  for u in "${RUNTIME_UNITS[@]}"; do
    [ "$(readlink "/etc/systemd/system/$u" 2>/dev/null)" = /dev/null ] || ln -sfn /dev/null "/etc/systemd/system/$u"
  done
}

cmd_install() {
  need_root install
  local t0 extra made_policy=0
  t0=$(now)
  mkdir -p "$LOGS"
  # A fresh machine may never have run apt-get update: then apt knows none of the packages.
  if ! apt-cache show keystone shellcheck skopeo docker-registry >/dev/null 2>&1; then
    log "apt-get update (package lists are missing or lack the packages we need)"
    apt-get -o DPkg::Lock::Timeout=1200 update >"$LOGS/apt-update.log" 2>&1 \
      || { tail -5 "$LOGS/apt-update.log" >&2; die "apt-get update failed (see $LOGS/apt-update.log)"; }
  fi
  log "OpenStack packages and configuration (openstack/install.sh; about 2 minutes the first time; log $LOGS/install-openstack.log)"
  "$OS_DIR/install.sh" >"$LOGS/install-openstack.log" 2>&1 \
    || { tail -15 "$LOGS/install-openstack.log" >&2; die "openstack/install.sh failed (see $LOGS/install-openstack.log)"; }
  mapfile -t extra < <(tb_packages)
  mapfile -t extra < <(missing_packages "${extra[@]}" "${EXTRA_PACKAGES[@]}")
  if [ "${#extra[@]}" -gt 0 ]; then
    log "test-bed and tool packages: ${extra[*]} (log $LOGS/install-packages.log)"
    # No package may start a daemon (sshd, the registry) in the root namespace.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\n# temporary, vnflcm test env install\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    fi
    if ! apt-get -o DPkg::Lock::Timeout=1200 install -y --no-install-recommends "${extra[@]}" \
         >"$LOGS/install-packages.log" 2>&1; then
      [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
      tail -15 "$LOGS/install-packages.log" >&2; die "apt-get install failed (see $LOGS/install-packages.log)"
    fi
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
  mask_runtime_units
  "$HERE/postgres.sh" install >>"$LOGS/install-packages.log" 2>&1 || die "postgres.sh install failed (see $LOGS/install-packages.log)"
  install_stamp > "$STATE/.installed"
  log "install done in $(since "$t0") s"
}

# ------------------------------------------------------------------------------ checks
pid_alive() { [ -f "$AIO_RUN_DIR/$1.pid" ] && kill -0 "$(cat "$AIO_RUN_DIR/$1.pid")" 2>/dev/null; }

check_openstack() { # prints a status line; exit 0 when all services run and every API answers
  local s n=0 dead="" a name url code bad="" m=0
  for s in $SERVICES; do n=$((n + 1)); pid_alive "$s" || dead="$dead $s"; done
  for a in $APIS; do
    name=${a%%=*} url=${a#*=}; m=$((m + 1))
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || true)
    { [ -n "$code" ] && [ "$code" != 000 ] && [ "$code" -lt 500 ]; } || bad="$bad $name"
  done
  if [ -z "$dead" ] && [ -z "$bad" ] && [ -f "$OS_CLIENT_CONFIG_FILE" ]; then
    echo "openstack  up    $m APIs answer, $n services running, clouds.yaml $OS_CLIENT_CONFIG_FILE"; return 0
  fi
  echo "openstack  DOWN ${dead:+ not running:$dead;}${bad:+ not answering:$bad;}$([ -f "$OS_CLIENT_CONFIG_FILE" ] || echo " no clouds.yaml")"
  return 1
}

check_network() {
  local id
  if id=$(ENV_OS_OUT=$OS_OUT ENV_CLOUD_DEMO=$CLOUD_DEMO ENV_NET_NAME=$NET_NAME \
            "$PY" "$HERE/lib/facts.py" check-network 2>/dev/null); then
    echo "network    up    $NET_NAME $id ($SUBNET_CIDR, project demo)"; return 0
  fi
  echo "network    DOWN  no Neutron network $NET_NAME in project demo"; return 1
}

check_images() {
  local rels
  if rels=$(ENV_OS_OUT=$OS_OUT ENV_CLOUD_ADMIN=$CLOUD_ADMIN "$PY" "$HERE/lib/facts.py" check-images 2>/dev/null); then
    echo "images     up    Ubuntu $rels (Glance, public)"; return 0
  fi
  echo "images     DOWN  not every Ubuntu image is in Glance ($UBUNTU_IMAGES)"; return 1
}

check_sync() {
  local out
  if out=$("$TB_DIR/nova-sync.sh" status 2>/dev/null); then
    echo "nova-sync  up    $(head -1 <<< "$out" | sed 's/^nova-sync: //'); $(( $(wc -l <<< "$out") - 2 )) stand-in(s)"
    return 0
  fi
  echo "nova-sync  DOWN  $(head -1 <<< "$out" | sed 's/^nova-sync: //')"; return 1
}

# reg_check NAME: the registry answers /v2/ (with its credentials and CA); prints the status line
reg_check() {
  local name=$1 info code url
  info="$TESTBED_STATE/registries/$name/info"
  if [ ! -f "$info" ]; then echo "$(printf '%-10s' "$name") DOWN  not created"; return 1; fi
  local ip port fqdn tls ca user pass
  ip=$(sed -n 's/^ip=//p' "$info"); port=$(sed -n 's/^port=//p' "$info"); fqdn=$(sed -n 's/^fqdn=//p' "$info")
  tls=$(sed -n 's/^tls=//p' "$info"); ca=$(sed -n 's/^ca=//p' "$info")
  user=$(sed -n 's/^user=//p' "$info"); pass=$(sed -n 's/^password=//p' "$info")
  local args=(-s -o /dev/null -m 5 -w '%{http_code}')
  if [ "$tls" = 1 ]; then
    url="https://$fqdn:$port/v2/"; args+=(--cacert "$ca" --resolve "$fqdn:$port:$ip")
  else
    url="http://$ip:$port/v2/"
  fi
  # credentials through a config on stdin, never on the command line
  if [ -n "$user" ]; then
    code=$(printf 'user = "%s:%s"\n' "$user" "$pass" | curl -K - "${args[@]}" "$url" 2>/dev/null || true)
  else
    code=$(curl "${args[@]}" "$url" 2>/dev/null || true)
  fi
  if [ "$code" = 200 ]; then
    echo "$(printf '%-10s' "$name") up    $url answers 200${user:+ (user $user)}"; return 0
  fi
  echo "$(printf '%-10s' "$name") DOWN  $url answers ${code:-nothing}"; return 1
}

cmd_status() {
  local rc=0
  check_openstack || rc=1
  if [ $rc = 0 ]; then check_network || rc=1; else echo "network    ?     (OpenStack is down)"; fi
  if [ $rc = 0 ]; then check_images || rc=1; else echo "images     ?     (OpenStack is down)"; fi
  check_sync || rc=1
  reg_check "$REG_HTTP" || rc=1
  reg_check "$REG_HTTPS" || rc=1
  "$HERE/postgres.sh" status || rc=1
  if [ -f "$FACTS" ]; then echo "facts      up    $FACTS"; else echo "facts      DOWN  no $FACTS"; rc=1; fi
  return $rc
}

# ------------------------------------------------------------------------------ up
# ensure_registry NAME IP ARGS...: registry fixture running and answering, else (re)created
ensure_registry() {
  local name=$1 ip=$2; shift 2
  if reg_check "$name" >/dev/null; then log "registry $name already up"; return 0; fi
  if [ -e "$TESTBED_STATE/registries/$name" ] || [ -e "$TESTBED_STATE/vms/$name" ]; then
    log "registry $name is there but does not answer: re-creating it"
    "$TB_DIR/registry.sh" down "$name" >/dev/null 2>&1 || true
  fi
  log "registry $name at $ip ($*)"
  TESTBED_QUIET=1 "$TB_DIR/registry.sh" up "$name" "$ip" "$@" >"$LOGS/registry-$name.log" 2>&1 \
    || { tail -10 "$LOGS/registry-$name.log" >&2; die "registry.sh up $name failed (see $LOGS/registry-$name.log)"; }
  reg_check "$name" >/dev/null || die "registry $name was created but does not answer"
}

write_facts() { # NETWORK_ID SECONDS
  mkdir -p "$STATE"
  ENV_FACTS_OUT=$FACTS ENV_NETWORK_ID=$1 ENV_UP_SECONDS=$2 ENV_SH="$HERE/env.sh" \
  ENV_CLOUD_ADMIN=$CLOUD_ADMIN ENV_CLOUD_DEMO=$CLOUD_DEMO ENV_NET_NAME=$NET_NAME \
  ENV_IMAGE_NAME=$AIO_IMAGE_NAME ENV_OS_OUT=$OS_OUT ENV_REGISTRIES="http=$REG_HTTP https=$REG_HTTPS" \
    "$PY" "$HERE/lib/facts.py" write
}

cmd_up() {
  need_root up
  local t0 net
  t0=$(now)
  if [ -f "$FACTS" ] && cmd_status >/dev/null 2>&1; then
    log "already up ($(since "$t0") s); facts: $FACTS"; return 0
  fi
  [ "${VNFLCM_ENV_LOCKED:-}" = 1 ] || with_lock up
  unset VNFLCM_ENV_LOCKED
  mkdir -p "$LOGS"
  if install_needed; then cmd_install; else log "packages already installed"; fi

  if check_openstack >/dev/null 2>&1; then
    log "OpenStack already running"
  else
    log "starting OpenStack (openstack/start.sh; about 85 s the first time, 40-60 s later; log $LOGS/start-openstack.log)"
    "$OS_DIR/start.sh" "$OS_OUT" >"$LOGS/start-openstack.log" 2>&1 \
      || { tail -15 "$LOGS/start-openstack.log" >&2; die "openstack/start.sh failed (see $LOGS/start-openstack.log and /var/log/openstack-aio/)"; }
    grep -E 'all services up|ERROR' "$LOGS/start-openstack.log" | sed 's/^/  /' || true
  fi

  log "Neutron network $NET_NAME $SUBNET_CIDR for project demo (testbed/network.sh)"
  net=$("$TB_DIR/network.sh" create --os-cloud "$CLOUD_DEMO" --name "$NET_NAME" --cidr "$SUBNET_CIDR" \
          --gateway "$GATEWAY" --pool "$POOL" 2>"$LOGS/network.log") \
    || { cat "$LOGS/network.log" >&2; die "network.sh failed"; }
  sed 's/^nova-sync: /  /' "$LOGS/network.log"

  log "Glance images per Ubuntu release ($UBUNTU_IMAGES)"
  ENV_OS_OUT=$OS_OUT ENV_CLOUD_ADMIN=$CLOUD_ADMIN "$PY" "$HERE/lib/facts.py" ensure-images 2>"$LOGS/images.log" | sed 's/^/  /' \
    || { cat "$LOGS/images.log" >&2; die "uploading the Ubuntu images failed"; }

  log "nova-sync (admin, all projects): Nova servers on $NET_NAME become test-bed VMs"
  "$TB_DIR/nova-sync.sh" start --os-cloud "$CLOUD_ADMIN" --all-projects | sed 's/^/  /'
  "$TB_DIR/nova-sync.sh" status >/dev/null 2>&1 || die "nova-sync is not running (see $TESTBED_STATE/nova-sync/nova-sync.log)"

  ensure_registry "$REG_HTTP" "$REG_HTTP_IP" --port "$REG_HTTP_PORT" --fqdn "$REG_HTTP_FQDN" --image "$REG_IMAGE"
  ensure_registry "$REG_HTTPS" "$REG_HTTPS_IP" --tls --port "$REG_HTTPS_PORT" --fqdn "$REG_HTTPS_FQDN" \
    --htpasswd "$REG_USER:$REG_PASSWORD" --image "$REG_IMAGE"

  write_facts "$net" "$(since "$t0")" || die "could not write $FACTS"
  "$HERE/postgres.sh" up | sed 's/^/  /'
  cmd_status | sed 's/^/  /' || die "env.sh status fails right after up"
  log "up in $(since "$t0") s; facts: $FACTS (env.sh facts)"
}

# ------------------------------------------------------------------------------ down
cmd_down() {
  need_root down
  local t0 n
  t0=$(now)
  [ "${VNFLCM_ENV_LOCKED:-}" = 1 ] || with_lock down
  unset VNFLCM_ENV_LOCKED
  rm -f "$FACTS"
  if [ -x "$TB_DIR/nova-sync.sh" ]; then
    log "stopping nova-sync (tears its stand-ins down)"
    "$TB_DIR/nova-sync.sh" stop 2>&1 | sed 's/^/  /' || true
  fi
  for n in "$REG_HTTP" "$REG_HTTPS"; do
    if [ -e "$TESTBED_STATE/registries/$n" ] || [ -e "$TESTBED_STATE/vms/$n" ]; then
      log "registry $n down"; TESTBED_QUIET=1 "$TB_DIR/registry.sh" down "$n" || true
    fi
  done
  if [ -d "$TESTBED_STATE/vms" ] || [ -d "$TESTBED_STATE/bridges" ]; then
    log "all test-bed VMs and bridges down (vm.sh down-all)"
    TESTBED_QUIET=1 "$TB_DIR/vm.sh" down-all || true
  fi
  "$HERE/postgres.sh" down | sed 's/^/  /' || true
  if ls "$AIO_RUN_DIR"/*.pid >/dev/null 2>&1; then
    log "stopping OpenStack (openstack/stop.sh: recorded PIDs only)"
    "$OS_DIR/stop.sh" 2>&1 | sed 's/^/  /' || true
  fi
  log "down in $(since "$t0") s (Nova's fake servers do not survive this: delete stacks before down)"
}

# ------------------------------------------------------------------------------ main
case ${1:-} in
  install) need_root install; [ "${VNFLCM_ENV_LOCKED:-}" = 1 ] || with_lock install; unset VNFLCM_ENV_LOCKED; cmd_install;;
  up) cmd_up;;
  down) cmd_down;;
  status) cmd_status;;
  facts) [ -f "$FACTS" ] || die "no $FACTS: run env.sh up"; cat "$FACTS";;
  vm) shift; exec "$TB_DIR/vm.sh" "$@";;
  verify-pull) shift; exec "$TB_DIR/verify-pull.sh" "$@";;
  calls) shift; [ $# = 1 ] || usage 2; exec "$TB_DIR/vm.sh" calls "$1";;
  nova-sync) shift; exec "$TB_DIR/nova-sync.sh" "$@";;
  -h|--help|help) usage;;
  *) usage 2;;
esac
