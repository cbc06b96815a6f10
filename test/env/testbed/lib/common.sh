# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the sourcing scripts
# Shared helpers for the test-bed scripts (vm.sh, registry.sh, verify-pull.sh).
# Sourced, not executed.

TB_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Runtime state (VM roots, overlay upper dirs, logs). Must NOT live under
# /etc, /usr or /var: those host trees are the lower layers of the VM overlays.
# Default: under the test environment's state dir (test/env/env.sh, VNFLCM_TESTENV_STATE).
TB_STATE="${TESTBED_STATE:-${VNFLCM_TESTENV_STATE:-/srv/vnflcm-testenv}/testbed}"
# All test-bed addresses live in this range; VMs get no default route, so they
# can only reach their own subnet (and the root namespace via the bridge).
TB_RANGE="10.250.0.0/16"
TB_DEFAULT_SUBNET="${TESTBED_SUBNET:-10.250.0.0/24}"
TB_NETNS_PREFIX="tb-"

tb_die() { echo "testbed: $*" >&2; exit 1; }

# Close every descriptor above 2 of this (sub)shell; run it just before starting a daemon. The
# test bed's daemons (VMs, relays, registries, the Nova sync) outlive the command that starts them:
# an inherited descriptor would keep a caller's lock held (`flock LOCK vm.sh up ...` would hold
# LOCK until the VM goes) or a caller's pipe open.
tb_close_fds() {
  local f fd
  for f in /proc/self/fd/*; do
    fd=${f##*/}
    case $fd in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true;; esac
  done
}
tb_log() { [ -n "${TESTBED_QUIET:-}" ] || echo "testbed: $*" >&2; }

# Packages the test bed needs (Debian names). Installed on first use.
TB_PACKAGES=(iproute2 iputils-ping openssh-server openssh-client sudo dumb-init python3
  openssl skopeo docker-registry apache2-utils util-linux procps passwd curl wget gpg ethtool)

tb_ensure_deps() {
  local stamp="$TB_STATE/.deps-ok" missing=() c made_policy=0
  mkdir -p "$TB_STATE"
  [ "$(cat "$stamp" 2>/dev/null)" = "${TB_PACKAGES[*]}" ] && return 0
  for c in ip:iproute2 tc:iproute2 ping:iputils-ping sshd:openssh-server ssh:openssh-client \
           scp:openssh-client sftp:openssh-client sudo:sudo dumb-init:dumb-init python3:python3 \
           openssl:openssl skopeo:skopeo docker-registry:docker-registry htpasswd:apache2-utils \
           unshare:util-linux nsenter:util-linux pkill:procps groupadd:passwd curl:curl wget:wget gpg:gpg ethtool:ethtool; do
    command -v "${c%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${c%%:*}" ] || missing+=("${c#*:}")
  done
  [ -x /usr/bin/python3 ] || missing+=(python3)
  if [ "${#missing[@]}" -gt 0 ]; then
    tb_log "installing: ${missing[*]}"
    # Package scripts must not start sshd / the registry service in the root namespace:
    # a temporary policy-rc.d (only if the machine has none) forbids service starts.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\n# temporary, test bed dependency install\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    fi
    # Only what is missing: naming installed packages would make apt upgrade them.
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=1200 install -y \
      --no-install-recommends "${missing[@]}" > "$TB_STATE/apt-install.log" 2>&1 \
      || { [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -5 "$TB_STATE/apt-install.log" >&2
           tb_die "apt-get install failed (see $TB_STATE/apt-install.log)"; }
    [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi
  echo "${TB_PACKAGES[*]}" > "$stamp"
}

tb_require_root() { [ "$(id -u)" = 0 ] || tb_die "must run as root"; }

# --- IPv4 helpers (pure bash) ---------------------------------------------
# shellcheck disable=SC2086  # split on dots on purpose
tb_ip2int() { local IFS=.; set -- $1; echo $(( ($1<<24) | ($2<<16) | ($3<<8) | $4 )); }
tb_int2ip() { local n=$1; echo "$(( (n>>24)&255 )).$(( (n>>16)&255 )).$(( (n>>8)&255 )).$(( n&255 ))"; }
tb_valid_ip() {
  [[ $1 =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
  local o; for o in "${BASH_REMATCH[@]:1}"; do [ "$o" -le 255 ] || return 1; done
}
# tb_cidr_parse CIDR -> sets TB_NET (int), TB_PREFIX, TB_MASK (int)
tb_cidr_parse() {
  local ip=${1%/*} p=${1#*/}
  tb_valid_ip "$ip" && [[ $p =~ ^[0-9]+$ ]] && [ "$p" -ge 8 ] && [ "$p" -le 30 ] || tb_die "bad CIDR: $1"
  TB_PREFIX=$p
  TB_MASK=$(( (0xffffffff << (32-p)) & 0xffffffff ))
  TB_NET=$(( $(tb_ip2int "$ip") & TB_MASK ))
}
tb_in_cidr() { # IP CIDR
  local ip; ip=$(tb_ip2int "$1"); tb_cidr_parse "$2"
  [ $(( ip & TB_MASK )) -eq "$TB_NET" ]
}

tb_hash8() { printf '%s' "$1" | sha1sum | cut -c1-8; }

tb_vmdir() { echo "$TB_STATE/vms/$1"; }
tb_netns() { echo "${TB_NETNS_PREFIX}$1"; }

# Host PID of the VM's init (PID 1 inside the VM's PID namespace), verified to
# still belong to the VM's network namespace (guards against PID reuse).
tb_vm_pid() {
  local d pid want have
  d=$(tb_vmdir "$1")
  [ -f "$d/init.pid" ] || return 1
  pid=$(cat "$d/init.pid")
  [ -d "/proc/$pid" ] || return 1
  want=$(stat -L -c %i "/run/netns/$(tb_netns "$1")" 2>/dev/null) || return 1
  have=$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null) || return 1
  [ "$want" = "$have" ] || return 1
  echo "$pid"
}

tb_vm_running() { tb_vm_pid "$1" >/dev/null 2>&1; }

# Run a command inside a VM (all of its namespaces, its root filesystem), as root.
tb_vm_exec() {
  local name=$1 pid; shift
  pid=$(tb_vm_pid "$name") || tb_die "VM '$name' is not running"
  nsenter -t "$pid" -m -u -i -n -p -- /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    "$@"
}

# Wait until TCP port is accepting on IP (from the root namespace).
tb_wait_tcp() { # IP PORT TIMEOUT_S
  local i n=$(( ${3:-10} * 20 ))
  for ((i=0; i<n; i++)); do
    if timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}
