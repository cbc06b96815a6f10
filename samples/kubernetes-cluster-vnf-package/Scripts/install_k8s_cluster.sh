#!/usr/bin/env bash
# install_k8s_cluster.sh - install one Kubernetes node with kubeadm (vnflcm sample package).
#
# Run as root (e.g. `sudo bash install_k8s_cluster.sh --config /tmp/k8s.env`) on an Ubuntu (or
# Debian) VM. vnflcm's Kubernetes cluster driver uploads this script and a config file over SFTP
# and runs it on every node: first the main master (--mode init), then the other masters
# (--mode join-control-plane), then the workers (--mode join-worker). Every step checks the
# state first, so running the script again on a node is safe and fast.
#
# INPUTS
#   Inputs come from a config file (--config FILE) and/or options; options override the file.
#   The script never reads them from the environment. Config file: one KEY=VALUE per line,
#   '#' starts a comment line; the value is everything after the first '=', taken literally
#   (no expansion; one pair of surrounding quotes is removed). Each KEY has an option
#   --key-in-lower-case VALUE (or --key=VALUE), e.g. NODE_IP= / --node-ip. Prefer the file for
#   secrets (JOIN_TOKEN, CERTIFICATE_KEY): options are visible in `ps`. Unknown keys are errors.
#
#   MODE                   init | join-control-plane | join-worker | prepare | join-info |
#                          ha-config (required). prepare: everything a join needs before the join
#                          data exists (runtime, packages, kernel, proxy), so nodes can prepare
#                          while the first master initialises; a later join re-checks it quickly.
#                          join-info: on an installed master, print fresh join data only.
#                          ha-config: on a master, only (re)write haproxy + keepalived for
#                          HA_VIP / HA_MASTER_IPS (e.g. after a master was removed or added).
#   NODE_IP                this node's cluster address (must be on a local interface)
#                          (required except join-info)
#   NODE_NAME              Kubernetes node name and hostname; default: current hostname
#   CONTROL_PLANE_ENDPOINT host:port of the API for kubeconfigs and joins; default for init:
#                          HA_VIP:HA_PORT when HA_VIP is set, else NODE_IP:6443 (required for joins)
#   POD_CIDR               default 192.168.0.0/16        SERVICE_CIDR  default 10.96.0.0/12
#   KUBERNETES_VERSION     default 1.35.0 (kubelet/kubeadm/kubectl from pkgs.k8s.io, held; use one of
#                          the three newest minor releases: older ones are out of support)
#   K8S_PACKAGE_REVISION   default 1.1 (Debian revision: package version 1.35.0-1.1)
#   K8S_APT_REPO           default https://pkgs.k8s.io/core:/stable:/v<major.minor>/deb/
#   CONTAINER_RUNTIME      containerd (default: Ubuntu's containerd package) | docker (Docker CE
#                          from download.docker.com; kubelet still talks to its containerd via CRI)
#   CONTAINERD_PACKAGE_VERSION / DOCKER_PACKAGE_VERSION   optional apt version pins
#   DOCKER_APT_REPO        default https://download.docker.com/linux/<ubuntu|debian>
#   SANDBOX_IMAGE          accepted for compatibility: the driver renders containerd's config
#                          (sandbox image registry.k8s.io/pause:3.10.1 unless the overrides file sets it)
#   CNI_MANIFEST           URL or absolute path applied by init; "none" to skip; default Calico
#                          v3.31.3 (https://raw.githubusercontent.com/projectcalico/calico/v3.31.3/manifests/calico.yaml)
#   JOIN_TOKEN             kubeadm bootstrap token [a-z0-9]{6}.[a-z0-9]{16}: required for the
#                          joins; for init / join-info the token to create (default: a new
#                          random one), so a caller can know it before it shows up in any log
#   CA_CERT_HASH           sha256:<hex> of the cluster CA public key (joins)
#   CERTIFICATE_KEY        64 hex digits: the key of the uploaded control-plane certificates;
#                          required for join-control-plane; for init / join-info the key to upload
#                          the certificates with (default: a new random one)
#   API_SERVER_EXTRA_SANS  init: comma list of extra IPs / DNS names for the API server
#                          certificate (e.g. a floating IP the API is reached through)
#   HA_VIP                 virtual IP of the API (several masters): haproxy on HA_PORT forwards
#                          to every master's 6443, keepalived holds the VIP (unicast VRRP)
#   HA_MASTER_IPS          comma list of all master NODE_IPs (required with HA_VIP; order sets
#                          the VRRP priority; re-run on every master after a change)
#   HA_PORT                default 16443     HA_VIP_PREFIX  default 32
#   HA_VRRP_ROUTER_ID      default 51        HA_VRRP_PASSWORD  optional, 1-8 of [A-Za-z0-9._-]
#   HTTP_PROXY, HTTPS_PROXY, NO_PROXY   proxy for apt, containerd, docker and /etc/environment;
#                          NO_PROXY gets localhost, the node, pod/service CIDRs and cluster
#                          domains added (CIDRs are kept as CIDRs, not expanded)
#   KUBECONFIG_USER        user who gets ~/.kube/config on masters; default $SUDO_USER
#   CREATE_ADMIN_TOKEN     yes (default) | no: init/join-info print a cluster-admin bearer token
#                          of ServiceAccount kube-system/vnflcm-admin
#   READY_TIMEOUT          seconds init waits for the node to become Ready; default 600
#   NICENESS               0-19: run at this lower CPU priority (e.g. prepare while the first
#                          master initialises on shared CPUs); default 0
#
# OUTPUT
#   stdout carries only `key:value` lines (the value runs to the end of the line); logs go to
#   stderr. Every mode prints status (installed | already-installed | prepared | info |
#   configured) and mode; the install modes node_name and kubernetes_version (join-info: the
#   installed version).
#   init and join-info also print:
#     api_server:https://<CONTROL_PLANE_ENDPOINT>
#     join_token:<token valid 2 h>
#     ca_cert_hash:sha256:<hex>
#     certificate_key:<64 hex, valid 2 h>
#     ca_cert_b64:<base64 of /etc/kubernetes/pki/ca.crt, one line>
#     bearer_token:<token>            (CREATE_ADMIN_TOKEN=yes)
#   init and the joins print node_ready:true|false.
#
# EXIT STATUS
#   0 done; 1 a step failed (stderr names it); 2 invalid input; 3 unsupported system.
#
# The kubeadm calls take flags (not --config files) and the node IP for the kubelet goes to
# /etc/default/kubelet, so the script works with every kubeadm since 1.24 unchanged. The join
# token and certificate key are therefore on kubeadm's command line while it runs (root only on
# the node; the token lives 2 h, the uploaded certificates 2 h).
#
# The container runtime's configuration is NOT this script's: vnflcm's driver renders
# /etc/containerd/config.toml, /etc/containerd/certs.d/*, /etc/docker/daemon.json,
# /etc/docker/certs.d/*, /var/lib/kubelet/config.json and the /etc/hosts block itself, between
# MODE=prepare (which installs the packages) and the kubeadm init/join, and restarts the runtime
# once when one of them changed. This script installs packages, kernel settings, the proxy
# drop-ins, kubeadm init/join, haproxy/keepalived and the CNI.

set -Eeuo pipefail
umask 022
export LC_ALL=C

readonly SCRIPT_NAME=install_k8s_cluster.sh
readonly MANAGED='# managed by vnflcm install_k8s_cluster.sh'
readonly KEYS=(MODE NODE_IP NODE_NAME CONTROL_PLANE_ENDPOINT POD_CIDR SERVICE_CIDR
  KUBERNETES_VERSION K8S_PACKAGE_REVISION K8S_APT_REPO CONTAINER_RUNTIME
  CONTAINERD_PACKAGE_VERSION DOCKER_PACKAGE_VERSION DOCKER_APT_REPO SANDBOX_IMAGE CNI_MANIFEST
  JOIN_TOKEN CA_CERT_HASH CERTIFICATE_KEY API_SERVER_EXTRA_SANS
  HA_VIP HA_MASTER_IPS HA_PORT HA_VIP_PREFIX HA_VRRP_ROUTER_ID HA_VRRP_PASSWORD
  HTTP_PROXY HTTPS_PROXY NO_PROXY
  KUBECONFIG_USER CREATE_ADMIN_TOKEN READY_TIMEOUT NICENESS)
readonly ADMIN_CONF=/etc/kubernetes/admin.conf
readonly KUBELET_CONF=/etc/kubernetes/kubelet.conf
readonly CRI_SOCKET=unix:///run/containerd/containerd.sock

TMPDIR_SELF=''

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$*" >&2; }
die() {
  local code=$1
  shift
  log "ERROR: $*"
  exit "$code"
}
emit() { printf '%s:%s\n' "$1" "$2"; }

cleanup() { if [[ -n $TMPDIR_SELF ]]; then rm -rf -- "$TMPDIR_SELF"; fi; }
on_error() { log "ERROR: step failed (exit $1) at line $2: $3"; }
trap cleanup EXIT
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

usage() {
  sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------
# Input

is_key() {
  local k
  for k in "${KEYS[@]}"; do [[ $k == "$1" ]] && return 0; done
  return 1
}

set_input() { # KEY VALUE
  is_key "$1" || die 2 "unknown input $1"
  [[ $2 != *$'\n'* ]] || die 2 "$1: newlines are not allowed"
  printf -v "C_$1" '%s' "$2"
}

load_config() {
  local file=$1 line key value n=0
  [[ -r $file ]] || die 2 "cannot read config file $file"
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
    [[ $line =~ ^[[:space:]]*([A-Z][A-Z0-9_]*)=(.*)$ ]] || die 2 "$file:$n: expected KEY=VALUE"
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ ${#value} -ge 2 && ${value:0:1} == "${value: -1}" && (${value:0:1} == '"' || ${value:0:1} == "'") ]]; then
      value=${value:1:${#value}-2}
    fi
    is_key "$key" || die 2 "$file:$n: unknown key $key"
    set_input "$key" "$value"
  done <"$file"
}

parse_args() {
  local config='' arg name value
  local -a pairs=()
  while (($# > 0)); do
    arg=$1
    shift
    case $arg in
      -h | --help) usage ;;
      --config=*) config=${arg#--config=} ;;
      --config)
        (($# > 0)) || die 2 "--config needs a value"
        config=$1
        shift
        ;;
      --*=*)
        name=${arg%%=*}
        pairs+=("${name#--}" "${arg#*=}")
        ;;
      --*)
        (($# > 0)) || die 2 "$arg needs a value"
        pairs+=("${arg#--}" "$1")
        shift
        ;;
      *) die 2 "unexpected argument: $arg (see --help)" ;;
    esac
  done
  local k
  for k in "${KEYS[@]}"; do unset "C_$k"; done
  if [[ -n $config ]]; then load_config "$config"; fi
  local i
  for ((i = 0; i < ${#pairs[@]}; i += 2)); do
    name=${pairs[i]}
    value=${pairs[i + 1]}
    [[ $name =~ ^[a-z0-9-]+$ ]] || die 2 "unknown option --$name"
    name=${name//-/_}
    set_input "${name^^}" "$value"
  done
}

valid_ipv4() {
  local ip=$1 o
  [[ $ip =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
  for o in "${BASH_REMATCH[@]:1}"; do ((10#$o <= 255)) || return 1; done
}

ip_to_int() {
  local IFS=.
  local -a o
  read -r -a o <<<"$1"
  echo $(((10#${o[0]} << 24) + (10#${o[1]} << 16) + (10#${o[2]} << 8) + 10#${o[3]}))
}

valid_cidr() { # strict: no host bits set
  local ip=${1%/*} len=${1#*/}
  [[ $1 == */* && $len =~ ^[0-9]{1,2}$ ]] && ((10#$len <= 32)) && valid_ipv4 "$ip" || return 1
  local n mask
  n=$(ip_to_int "$ip")
  mask=$(((0xFFFFFFFF << (32 - 10#$len)) & 0xFFFFFFFF))
  (((n & mask) == n))
}

valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
valid_host() { [[ $1 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]]; }
valid_endpoint() { [[ $1 == *:* ]] && valid_host "${1%:*}" && valid_port "${1##*:}"; }
valid_url_or_path() { [[ $1 =~ ^(https?://|/)[A-Za-z0-9./:_@%+=~,-]+$ ]]; }
valid_proxy() { [[ $1 =~ ^https?://[^[:space:]\"\'\\]+$ ]]; }

need() { # KEY
  local v="C_$1"
  [[ -n ${!v:-} ]] || die 2 "$1 is required for --mode $C_MODE"
}

check() { # KEY PREDICATE... (only when set)
  local key=$1 v="C_$1"
  shift
  [[ -z ${!v:-} ]] && return 0
  "$@" "${!v}" && return 0
  case $key in
    JOIN_TOKEN | CERTIFICATE_KEY | HA_VRRP_PASSWORD | HTTP_PROXY | HTTPS_PROXY) die 2 "$key: invalid value (not shown)" ;;
    *) die 2 "$key: invalid value '${!v}'" ;;
  esac
}

each() { # PREDICATE LIST (comma separated)
  local pred=$1 item
  local -a items
  IFS=, read -r -a items <<<"$2"
  ((${#items[@]} > 0)) || return 1
  for item in "${items[@]}"; do "$pred" "$item" || return 1; done
}
valid_no_proxy() { [[ $1 =~ ^[A-Za-z0-9.,/:*_-]*$ ]]; }
valid_mode() { [[ $1 =~ ^(init|join-control-plane|join-worker|prepare|join-info|ha-config)$ ]]; }
valid_version() { [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; }
valid_pkgver() { [[ $1 =~ ^[A-Za-z0-9.:+~_-]+$ ]]; }
valid_node_name() { [[ ${#1} -le 63 && $1 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]; }
valid_token() { [[ $1 =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]]; }
valid_ca_hash() { [[ $1 =~ ^(sha256:)?[a-f0-9]{64}$ ]]; }
valid_cert_key() { [[ $1 =~ ^[a-f0-9]{64}$ ]]; }
valid_image() { [[ $1 =~ ^[A-Za-z0-9./:@_-]+$ ]]; }
valid_cni() { [[ $1 == none ]] || valid_url_or_path "$1"; }
valid_runtime() { [[ $1 =~ ^(containerd|docker)$ ]]; }
valid_yesno() { [[ $1 =~ ^(yes|no)$ ]]; }
valid_uint() { [[ $1 =~ ^[0-9]{1,6}$ ]]; }
valid_niceness() { [[ $1 =~ ^[0-9]{1,2}$ ]] && ((10#$1 <= 19)); }
valid_router_id() { [[ $1 =~ ^[0-9]{1,3}$ ]] && ((10#$1 >= 1 && 10#$1 <= 255)); }
valid_prefix() { [[ $1 =~ ^[0-9]{1,2}$ ]] && ((10#$1 >= 1 && 10#$1 <= 32)); }
valid_vrrp_password() { [[ $1 =~ ^[A-Za-z0-9._-]{1,8}$ ]]; }
valid_user() { [[ $1 =~ ^[a-z_][a-z0-9_-]*$ ]] && id -u "$1" >/dev/null 2>&1; }
valid_ipv4_list() { each valid_ipv4 "$1"; }
valid_apt_repo() { [[ $1 =~ ^https?://[A-Za-z0-9./:_@%+=~-]+$ ]]; }
valid_san() { valid_ipv4 "$1" || valid_host "$1"; }
valid_san_list() { each valid_san "$1"; }

validate_inputs() {
  [[ -n ${C_MODE:-} ]] || die 2 "MODE is required (init, join-control-plane, join-worker, prepare, join-info or ha-config)"
  check MODE valid_mode
  check NODE_IP valid_ipv4
  check NODE_NAME valid_node_name
  check CONTROL_PLANE_ENDPOINT valid_endpoint
  check POD_CIDR valid_cidr
  check SERVICE_CIDR valid_cidr
  check KUBERNETES_VERSION valid_version
  check K8S_PACKAGE_REVISION valid_pkgver
  check K8S_APT_REPO valid_apt_repo
  check DOCKER_APT_REPO valid_apt_repo
  check CONTAINER_RUNTIME valid_runtime
  check CONTAINERD_PACKAGE_VERSION valid_pkgver
  check DOCKER_PACKAGE_VERSION valid_pkgver
  check SANDBOX_IMAGE valid_image
  check CNI_MANIFEST valid_cni
  check JOIN_TOKEN valid_token
  check CA_CERT_HASH valid_ca_hash
  check CERTIFICATE_KEY valid_cert_key
  check API_SERVER_EXTRA_SANS valid_san_list
  check HA_VIP valid_ipv4
  check HA_MASTER_IPS valid_ipv4_list
  check HA_PORT valid_port
  check HA_VIP_PREFIX valid_prefix
  check HA_VRRP_ROUTER_ID valid_router_id
  check HA_VRRP_PASSWORD valid_vrrp_password
  check HTTP_PROXY valid_proxy
  check HTTPS_PROXY valid_proxy
  check NO_PROXY valid_no_proxy
  check KUBECONFIG_USER valid_user
  check CREATE_ADMIN_TOKEN valid_yesno
  check READY_TIMEOUT valid_uint
  check NICENESS valid_niceness

  MODE=$C_MODE
  POD_CIDR=${C_POD_CIDR:-192.168.0.0/16}
  SERVICE_CIDR=${C_SERVICE_CIDR:-10.96.0.0/12}
  KUBERNETES_VERSION=${C_KUBERNETES_VERSION:-1.35.0}
  K8S_MINOR=${KUBERNETES_VERSION%.*}
  K8S_PACKAGE_REVISION=${C_K8S_PACKAGE_REVISION:-1.1}
  K8S_APT_REPO=${C_K8S_APT_REPO:-https://pkgs.k8s.io/core:/stable:/v${K8S_MINOR}/deb/}
  CONTAINER_RUNTIME=${C_CONTAINER_RUNTIME:-containerd}
  CNI_MANIFEST=${C_CNI_MANIFEST:-https://raw.githubusercontent.com/projectcalico/calico/v3.31.3/manifests/calico.yaml}
  HA_VIP=${C_HA_VIP:-}
  HA_MASTER_IPS=${C_HA_MASTER_IPS:-}
  HA_PORT=${C_HA_PORT:-16443}
  HA_VIP_PREFIX=${C_HA_VIP_PREFIX:-32}
  HA_VRRP_ROUTER_ID=${C_HA_VRRP_ROUTER_ID:-51}
  HA_VRRP_PASSWORD=${C_HA_VRRP_PASSWORD:-}
  HTTP_PROXY_V=${C_HTTP_PROXY:-}
  HTTPS_PROXY_V=${C_HTTPS_PROXY:-}
  CREATE_ADMIN_TOKEN=${C_CREATE_ADMIN_TOKEN:-yes}
  READY_TIMEOUT=${C_READY_TIMEOUT:-600}
  KUBECONFIG_USER=${C_KUBECONFIG_USER:-}
  if [[ -z $KUBECONFIG_USER && -n ${SUDO_USER:-} && ${SUDO_USER:-} != root ]] && valid_user "$SUDO_USER"; then
    KUBECONFIG_USER=$SUDO_USER
  fi
  CA_CERT_HASH=${C_CA_CERT_HASH:-}
  if [[ -n $CA_CERT_HASH && $CA_CERT_HASH != sha256:* ]]; then CA_CERT_HASH=sha256:$CA_CERT_HASH; fi

  if [[ $MODE != join-info ]]; then
    need NODE_IP
    NODE_IP=$C_NODE_IP
    NODE_NAME=${C_NODE_NAME:-$(hostname -s | tr '[:upper:]' '[:lower:]')}
    valid_node_name "$NODE_NAME" || die 2 "NODE_NAME: the hostname '$NODE_NAME' is not a valid node name; set NODE_NAME"
  fi
  case $MODE in
    init)
      if [[ -n $HA_VIP ]]; then
        CONTROL_PLANE_ENDPOINT=${C_CONTROL_PLANE_ENDPOINT:-$HA_VIP:$HA_PORT}
      else
        CONTROL_PLANE_ENDPOINT=${C_CONTROL_PLANE_ENDPOINT:-$NODE_IP:6443}
      fi
      ;;
    join-control-plane)
      need CONTROL_PLANE_ENDPOINT
      need JOIN_TOKEN
      need CA_CERT_HASH
      need CERTIFICATE_KEY
      ;;
    join-worker)
      need CONTROL_PLANE_ENDPOINT
      need JOIN_TOKEN
      need CA_CERT_HASH
      ;;
    ha-config)
      need HA_VIP
      ;;
    *) ;;
  esac
  CONTROL_PLANE_ENDPOINT=${CONTROL_PLANE_ENDPOINT:-${C_CONTROL_PLANE_ENDPOINT:-}}
  JOIN_TOKEN=${C_JOIN_TOKEN:-}
  CERTIFICATE_KEY=${C_CERTIFICATE_KEY:-}
  API_SERVER_EXTRA_SANS=${C_API_SERVER_EXTRA_SANS:-}
  if [[ -n $HA_VIP && ($MODE == init || $MODE == join-control-plane || $MODE == ha-config) ]]; then
    need HA_MASTER_IPS
    [[ ,$HA_MASTER_IPS, == *",$NODE_IP,"* ]] || die 2 "HA_MASTER_IPS must contain this node's NODE_IP ($NODE_IP)"
  fi
}

# ---------------------------------------------------------------------------------------------
# Helpers

tmpfile() { mktemp "$TMPDIR_SELF/f.XXXXXX"; }

# install_file MODE DEST  (content on stdin): returns 0 when DEST changed, 1 when it was up to date.
install_file() {
  local mode=$1 dest=$2 tmp
  tmp=$(tmpfile)
  cat >"$tmp"
  if [[ -f $dest ]] && cmp -s "$tmp" "$dest"; then
    chmod "$mode" "$dest"
    return 1
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" -o root -g root "$tmp" "$dest"
  log "wrote $dest"
  return 0
}

remove_managed() { # FILE: remove a file this script wrote earlier
  if [[ -f $1 ]] && grep -qxF "$MANAGED" "$1"; then
    rm -f -- "$1"
    log "removed $1"
    return 0
  fi
  return 1
}

# with_block FILE NAME (block on stdin): FILE's content without the old NAME block, plus the new one.
with_block() {
  local file=$1 name=$2 block
  block=$(cat)
  if [[ -f $file ]]; then
    awk -v b="# BEGIN vnflcm $name" -v e="# END vnflcm $name" '
      $0 == b { skip = 1; next }
      $0 == e { skip = 0; next }
      !skip { print }' "$file"
  fi
  if [[ -n $block ]]; then
    printf '# BEGIN vnflcm %s\n%s\n# END vnflcm %s\n' "$name" "$block" "$name"
  fi
}

apt_get() {
  DEBIAN_FRONTEND=noninteractive apt-get -y -q \
    -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

APT_UPDATED=0
apt_update() {
  if ((APT_UPDATED == 0)); then
    apt_get update
    APT_UPDATED=1
  fi
}

# pkg_version NAME: the installed version, empty when not installed (dpkg-query exits 1 then).
pkg_version() { { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '$3 == "installed" { print $4 }'; }

ensure_packages() { # name[=version]...
  local spec name want have
  local -a missing=()
  for spec in "$@"; do
    name=${spec%%=*}
    want=''
    [[ $spec == *=* ]] && want=${spec#*=}
    have=$(pkg_version "$name")
    if [[ -z $have || (-n $want && $have != "$want") ]]; then missing+=("$spec"); fi
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  apt_update
  apt_get install --allow-downgrades --allow-change-held-packages "${missing[@]}"
}

fetch() { # URL DEST
  curl -fsSL --retry 5 --retry-delay 5 --connect-timeout 30 -o "$2" "$1"
}

retry() { # TRIES DELAY CMD...
  local tries=$1 delay=$2 n=1
  shift 2
  until "$@"; do
    ((n >= tries)) && return 1
    n=$((n + 1))
    sleep "$delay"
  done
}

systemd_escape_value() { printf '%s' "${1//%/%%}"; }

# os_field KEY: a value of /etc/os-release (read as data, not sourced).
os_field() { awk -F= -v k="$1" '$1 == k { v = substr($0, length(k) + 2); gsub(/^"|"$/, "", v); print v }' /etc/os-release; }

kubectl_admin() { kubectl --kubeconfig "$ADMIN_CONF" "$@"; }

# ---------------------------------------------------------------------------------------------
# Steps

step_preflight() {
  ((EUID == 0)) || die 2 "run as root (sudo)"
  [[ -r /etc/os-release ]] || die 3 "unsupported system: no /etc/os-release"
  local id version_id id_like
  id=$(os_field ID)
  id_like=$(os_field ID_LIKE)
  version_id=$(os_field VERSION_ID)
  OS_ID=$id
  if [[ $id != ubuntu && $id != debian && $id_like != *debian* ]]; then
    die 3 "unsupported system '$id': this script needs an apt-based distribution (Ubuntu 22.04/24.04)"
  fi
  case "$id $version_id" in
    "ubuntu 22.04" | "ubuntu 24.04") ;;
    *) log "WARNING: tested on Ubuntu 22.04 and 24.04, this is $id $version_id" ;;
  esac
  ARCH=$(dpkg --print-architecture)
  [[ $ARCH == amd64 || $ARCH == arm64 ]] || die 3 "unsupported architecture $ARCH"
  if [[ $MODE != join-info ]]; then
    ip -o -4 addr show | awk '{ split($4, a, "/"); print a[1] }' | grep -qxF "$NODE_IP" ||
      die 2 "NODE_IP $NODE_IP is not an address of this host"
  fi
}

step_hostname() {
  if [[ $(hostname) != "$NODE_NAME" ]]; then
    hostnamectl set-hostname "$NODE_NAME"
    log "hostname set to $NODE_NAME"
  fi
  # A caller (vnflcm) may list every node in its own /etc/hosts block already: then this script
  # adds no line of its own (no duplicates); otherwise it keeps one "node" block for this node.
  local line="$NODE_IP $NODE_NAME"
  if with_block /etc/hosts node </dev/null | awk -v ip="$NODE_IP" -v name="$NODE_NAME" '
    !/^[[:space:]]*#/ && $1 == ip { for (i = 2; i <= NF; i++) if ($i == name) found = 1 }
    END { exit !found }'; then
    line=''
  fi
  with_block /etc/hosts node <<<"$line" | install_file 0644 /etc/hosts || true
}

effective_no_proxy() {
  local list=${C_NO_PROXY:-}
  local extra="localhost,127.0.0.1,$NODE_IP,$POD_CIDR,$SERVICE_CIDR,.svc,.cluster.local,.cluster.local."
  [[ -n $CONTROL_PLANE_ENDPOINT ]] && extra+=",${CONTROL_PLANE_ENDPOINT%:*}"
  [[ -n $HA_VIP ]] && extra+=",$HA_VIP"
  [[ -n $HA_MASTER_IPS ]] && extra+=",$HA_MASTER_IPS"
  list=${list:+$list,}$extra
  # de-duplicate, keep order
  printf '%s' "$list" | tr ',' '\n' | awk 'NF && !seen[$0]++' | paste -sd, -
}

step_proxy() {
  local changed=0
  if [[ -z $HTTP_PROXY_V && -z $HTTPS_PROXY_V ]]; then
    remove_managed /etc/apt/apt.conf.d/95vnflcm-proxy || true
    remove_managed /etc/systemd/system/containerd.service.d/http-proxy.conf && changed=1
    remove_managed /etc/systemd/system/docker.service.d/http-proxy.conf && changed=1
    with_block /etc/environment proxy </dev/null | install_file 0644 /etc/environment || true
    unset http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY
  else
    NO_PROXY_V=$(effective_no_proxy)
    {
      echo "$MANAGED"
      [[ -n $HTTP_PROXY_V ]] && echo "Acquire::http::Proxy \"$HTTP_PROXY_V\";"
      [[ -n $HTTPS_PROXY_V ]] && echo "Acquire::https::Proxy \"$HTTPS_PROXY_V\";"
      true
    } | install_file 0644 /etc/apt/apt.conf.d/95vnflcm-proxy || true
    {
      [[ -n $HTTP_PROXY_V ]] && printf 'http_proxy=%s\nHTTP_PROXY=%s\n' "$HTTP_PROXY_V" "$HTTP_PROXY_V"
      [[ -n $HTTPS_PROXY_V ]] && printf 'https_proxy=%s\nHTTPS_PROXY=%s\n' "$HTTPS_PROXY_V" "$HTTPS_PROXY_V"
      printf 'no_proxy=%s\nNO_PROXY=%s' "$NO_PROXY_V" "$NO_PROXY_V"
    } | with_block /etc/environment proxy | install_file 0644 /etc/environment || true
    local unit dropin
    dropin=$(
      echo "$MANAGED"
      echo '[Service]'
      [[ -n $HTTP_PROXY_V ]] && echo "Environment=\"HTTP_PROXY=$(systemd_escape_value "$HTTP_PROXY_V")\""
      [[ -n $HTTPS_PROXY_V ]] && echo "Environment=\"HTTPS_PROXY=$(systemd_escape_value "$HTTPS_PROXY_V")\""
      echo "Environment=\"NO_PROXY=$(systemd_escape_value "$NO_PROXY_V")\""
    )
    for unit in containerd docker; do
      if [[ $unit == docker && $CONTAINER_RUNTIME != docker ]]; then
        remove_managed /etc/systemd/system/docker.service.d/http-proxy.conf && changed=1
        continue
      fi
      if install_file 0644 "/etc/systemd/system/$unit.service.d/http-proxy.conf" <<<"$dropin"; then changed=1; fi
    done
    export http_proxy=$HTTP_PROXY_V https_proxy=$HTTPS_PROXY_V no_proxy=$NO_PROXY_V
  fi
  if ((changed)); then
    systemctl daemon-reload
    RESTART_RUNTIME=1
  fi
}

step_swap() {
  if [[ -r /proc/swaps ]] && (($(wc -l </proc/swaps) > 1)); then
    swapoff -a
    log "swap disabled"
  fi
  awk '!/^[[:space:]]*#/ && $3 == "swap" { print "# " $0 " # disabled for kubelet"; next } { print }' /etc/fstab |
    install_file 0644 /etc/fstab || true
}

step_kernel() {
  printf '%s\noverlay\nbr_netfilter\n' "$MANAGED" | install_file 0644 /etc/modules-load.d/k8s.conf || true
  local m
  for m in overlay br_netfilter; do
    [[ -d /sys/module/$m ]] || modprobe "$m"
  done
  if printf '%s\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n' "$MANAGED" |
    install_file 0644 /etc/sysctl.d/99-kubernetes.conf; then
    sysctl --system >/dev/null
  fi
}

apt_repo() { # NAME KEY_URL LINE
  local name=$1 key_url=$2 line=$3 key=/etc/apt/keyrings/$1.gpg tmp
  install -d -m 0755 /etc/apt/keyrings
  if printf '%s\n%s\n' "$MANAGED" "$line" | install_file 0644 "/etc/apt/sources.list.d/$name.list" || [[ ! -s $key ]]; then
    tmp=$(tmpfile)
    fetch "$key_url" "$tmp"
    gpg --batch --yes --dearmor -o "$key" "$tmp"
    chmod 0644 "$key"
    APT_UPDATED=0
  fi
}

# step_packages: the container runtime and kubelet/kubeadm/kubectl (pinned, then held) with one
# `apt-get update` and one `apt-get install` for both (only what is missing or at another version).
step_packages() {
  ensure_packages apt-transport-https ca-certificates curl gpg
  local -a pkgs=()
  local v
  if [[ $CONTAINER_RUNTIME == docker ]]; then
    local repo=${C_DOCKER_APT_REPO:-https://download.docker.com/linux/$OS_ID} codename
    codename=$(os_field VERSION_CODENAME)
    apt_repo docker "${repo%/}/gpg" "deb [arch=$ARCH signed-by=/etc/apt/keyrings/docker.gpg] ${repo%/} $codename stable"
    v=${C_DOCKER_PACKAGE_VERSION:-}
    pkgs+=("docker-ce${v:+=$v}" "docker-ce-cli${v:+=$v}" containerd.io)
  else
    v=${C_CONTAINERD_PACKAGE_VERSION:-}
    pkgs+=("containerd${v:+=$v}")
  fi
  local want="$KUBERNETES_VERSION-$K8S_PACKAGE_REVISION" p k8s_ok=1
  for p in kubelet kubeadm kubectl; do [[ $(pkg_version "$p") == "$want" ]] || k8s_ok=0; done
  if ((k8s_ok == 0)); then
    apt_repo kubernetes "${K8S_APT_REPO%/}/Release.key" \
      "deb [signed-by=/etc/apt/keyrings/kubernetes.gpg] ${K8S_APT_REPO%/}/ /"
    # kubeadm last: its dependencies kubelet and kubectl are then already pinned to $want
    pkgs+=("kubectl=$want" "kubelet=$want" "kubeadm=$want")
  fi
  ensure_packages "${pkgs[@]}"
  if ((k8s_ok == 0)); then
    # held and enabled right after installing them (a re-run with the wanted versions in place
    # costs no command at all)
    apt-mark hold kubelet kubeadm kubectl >/dev/null
    systemctl enable kubelet >/dev/null 2>&1 || true
  fi
}

# step_runtime: crictl's endpoint and a running containerd. The runtime's configuration files are
# the driver's; only a proxy drop-in change (step_proxy) restarts the runtime here.
step_runtime() {
  printf 'runtime-endpoint: %s\nimage-endpoint: %s\ntimeout: 10\n' "$CRI_SOCKET" "$CRI_SOCKET" |
    install_file 0644 /etc/crictl.yaml || true
  systemctl enable containerd >/dev/null 2>&1 || true
  if ((RESTART_RUNTIME)); then
    systemctl restart containerd
    if [[ $CONTAINER_RUNTIME == docker ]]; then systemctl restart docker; fi
    log "container runtime restarted (proxy settings changed)"
  fi
  retry 30 2 systemctl is-active --quiet containerd || die 1 "containerd is not running"
}

step_ha() {
  [[ -n $HA_VIP && ($MODE == init || $MODE == join-control-plane || $MODE == ha-config) ]] || return 0
  ensure_packages haproxy keepalived
  local -a masters
  IFS=, read -r -a masters <<<"$HA_MASTER_IPS"
  local m servers='' index=0 i=0 peers=''
  for m in "${masters[@]}"; do
    servers+="    server cp-${m//./-} $m:6443 check"$'\n'
    if [[ $m == "$NODE_IP" ]]; then index=$i; else peers+="    $m"$'\n'; fi
    i=$((i + 1))
  done
  if install_file 0644 /etc/haproxy/haproxy.cfg <<EOF; then systemctl enable haproxy >/dev/null 2>&1 || true; systemctl restart haproxy; fi
$MANAGED
global
    log /dev/log local0
    daemon
    maxconn 4096

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend kube-apiserver
    bind *:$HA_PORT
    default_backend kube-apiserver

backend kube-apiserver
    balance roundrobin
    option tcp-check
${servers}
EOF
  local iface auth=''
  iface=$(ip -o -4 addr show | awk -v ip="$NODE_IP" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
  [[ -n $iface ]] || die 1 "no interface holds $NODE_IP"
  if [[ -n $HA_VRRP_PASSWORD ]]; then
    auth=$'    authentication {\n        auth_type PASS\n        auth_pass '"$HA_VRRP_PASSWORD"$'\n    }\n'
  fi
  if install_file 0600 /etc/keepalived/keepalived.conf <<EOF; then systemctl enable keepalived >/dev/null 2>&1 || true; systemctl restart keepalived; fi
$MANAGED
global_defs {
    script_user root
    enable_script_security
}

vrrp_script chk_haproxy {
    script "/usr/bin/pgrep -x haproxy"
    interval 3
    fall 3
    rise 2
}

vrrp_instance VI_KUBE_API {
    state BACKUP
    interface $iface
    virtual_router_id $HA_VRRP_ROUTER_ID
    priority $((150 - index))
    advert_int 1
    unicast_src_ip $NODE_IP
    unicast_peer {
${peers}    }
${auth}    virtual_ipaddress {
        $HA_VIP/$HA_VIP_PREFIX dev $iface
    }
    track_script {
        chk_haproxy
    }
}
EOF
  retry 15 2 systemctl is-active --quiet haproxy || die 1 "haproxy is not running"
  retry 15 2 systemctl is-active --quiet keepalived || die 1 "keepalived is not running"
}

# kubelet_node_ip: the kubelet registers NODE_IP as its InternalIP (the Debian packages' unit reads
# KUBELET_EXTRA_ARGS from /etc/default/kubelet).
step_kubelet_node_ip() {
  # an EnvironmentFile of the unit: read at (re)start, no daemon-reload needed
  # (a kubelet without its config yet only waits for kubeadm, which restarts it anyway)
  if printf 'KUBELET_EXTRA_ARGS=--node-ip=%s\n' "$NODE_IP" | install_file 0644 /etc/default/kubelet &&
    [[ -f /var/lib/kubelet/config.yaml ]]; then
    systemctl try-restart kubelet
  fi
}

random_token() { # kubeadm bootstrap token format
  local a b
  a=$(tr -dc 'a-z0-9' </dev/urandom | head -c 6 || true)
  b=$(tr -dc 'a-z0-9' </dev/urandom | head -c 16 || true)
  printf '%s.%s' "$a" "$b"
}

random_cert_key() { openssl rand -hex 32; }

step_init() {
  if [[ -f $ADMIN_CONF ]]; then
    log "control plane already initialised; skipping kubeadm init"
    STATUS=already-installed
    return 0
  fi
  if [[ -e /etc/kubernetes/manifests/kube-apiserver.yaml ]]; then
    log "a previous kubeadm init did not finish; resetting it"
    kubeadm reset -f >&2
  fi
  local sans=$NODE_IP
  [[ -n $HA_VIP ]] && sans+=",$HA_VIP"
  [[ -n $API_SERVER_EXTRA_SANS ]] && sans+=",$API_SERVER_EXTRA_SANS"
  [[ -n $JOIN_TOKEN ]] || JOIN_TOKEN=$(random_token)
  [[ -n $CERTIFICATE_KEY ]] || CERTIFICATE_KEY=$(random_cert_key)
  log "kubeadm init (control-plane endpoint $CONTROL_PLANE_ENDPOINT)"
  kubeadm init \
    --apiserver-advertise-address "$NODE_IP" \
    --control-plane-endpoint "$CONTROL_PLANE_ENDPOINT" \
    --pod-network-cidr "$POD_CIDR" \
    --service-cidr "$SERVICE_CIDR" \
    --kubernetes-version "v$KUBERNETES_VERSION" \
    --node-name "$NODE_NAME" \
    --cri-socket "$CRI_SOCKET" \
    "--apiserver-cert-extra-sans=$sans" \
    --token "$JOIN_TOKEN" \
    --upload-certs --certificate-key "$CERTIFICATE_KEY" >&2
  STATUS=installed
}

step_join() {
  if [[ -f $KUBELET_CONF ]]; then
    log "node already joined; skipping kubeadm join"
    STATUS=already-installed
    return 0
  fi
  if [[ -e /etc/kubernetes/bootstrap-kubelet.conf || -e /etc/kubernetes/pki/ca.crt ]]; then
    log "a previous kubeadm join did not finish; resetting it"
    kubeadm reset -f >&2
  fi
  local -a args=("$C_CONTROL_PLANE_ENDPOINT" --token "$JOIN_TOKEN"
    --discovery-token-ca-cert-hash "$CA_CERT_HASH" --node-name "$NODE_NAME" --cri-socket "$CRI_SOCKET")
  if [[ $MODE == join-control-plane ]]; then
    args+=(--control-plane --certificate-key "$CERTIFICATE_KEY" --apiserver-advertise-address "$NODE_IP")
  fi
  log "kubeadm join ($MODE) via $C_CONTROL_PLANE_ENDPOINT"
  kubeadm join "${args[@]}" >&2
  STATUS=installed
}

step_user_kubeconfig() {
  [[ -n $KUBECONFIG_USER && -f $ADMIN_CONF ]] || return 0
  local home
  home=$(getent passwd "$KUBECONFIG_USER" | cut -d: -f6)
  [[ -n $home && -d $home ]] || return 0
  if install_file 0600 "$home/.kube/config" <"$ADMIN_CONF"; then
    chown "$KUBECONFIG_USER:" "$home/.kube" "$home/.kube/config"
  fi
}

step_cni() {
  [[ $CNI_MANIFEST == none ]] && return 0
  local src=$CNI_MANIFEST
  if [[ $src != /* ]]; then
    src=$(tmpfile)
    fetch "$CNI_MANIFEST" "$src"
  fi
  retry 10 10 kubectl_admin apply -f "$src" >&2 || die 1 "could not apply the CNI manifest $CNI_MANIFEST"
}

wait_registered() { # kubeconfig
  retry 60 5 kubectl --kubeconfig "$1" get node "$NODE_NAME" >/dev/null 2>&1 ||
    die 1 "node $NODE_NAME did not register with the API server"
}

# registered_ready KUBECONFIG: wait until the node is registered; then true when it is Ready.
registered_ready() {
  local row='' n
  for n in $(seq 1 60); do
    row=$(kubectl --kubeconfig "$1" get node "$NODE_NAME" --no-headers 2>/dev/null || true)
    [[ -n $row ]] && break
    log "waiting for node $NODE_NAME to register ($n)"
    sleep 5
  done
  [[ -n $row ]] || die 1 "node $NODE_NAME did not register with the API server"
  row=$(awk '{ print $2 }' <<<"$row")
  [[ $row == Ready || $row == Ready,* ]]
}

# emit_join_info: fresh join data from an installed control plane. The token and the CA hash come
# from `kubeadm token create --print-join-command` (what a join checks them against); the
# certificates are uploaded again with CERTIFICATE_KEY (given or random).
emit_join_info() {
  local cmd token hash key ca_b64 server bearer
  [[ -n $JOIN_TOKEN ]] || JOIN_TOKEN=$(random_token)
  cmd=$(kubeadm token create "$JOIN_TOKEN" --ttl 2h --print-join-command --kubeconfig "$ADMIN_CONF")
  token=$(awk '{ for (i = 1; i < NF; i++) if ($i == "--token") print $(i + 1) }' <<<"$cmd")
  hash=$(awk '{ for (i = 1; i < NF; i++) if ($i == "--discovery-token-ca-cert-hash") print $(i + 1) }' <<<"$cmd")
  valid_token "$token" || die 1 "kubeadm token create printed no usable join command"
  valid_ca_hash "$hash" || die 1 "kubeadm token create printed no CA certificate hash"
  key=${CERTIFICATE_KEY:-$(random_cert_key)}
  kubeadm init phase upload-certs --upload-certs --certificate-key "$key" --kubeconfig "$ADMIN_CONF" >/dev/null
  ca_b64=$(base64 -w0 /etc/kubernetes/pki/ca.crt)
  server=$(awk '$1 == "server:" { print $2; exit }' "$ADMIN_CONF")
  [[ -n $server ]] || die 1 "no API server URL in $ADMIN_CONF"
  emit api_server "$server"
  emit join_token "$token"
  emit ca_cert_hash "$hash"
  emit certificate_key "$key"
  emit ca_cert_b64 "$ca_b64"
  if [[ $CREATE_ADMIN_TOKEN == yes ]]; then
    bearer=$(admin_token)
    emit bearer_token "$bearer"
  fi
}

admin_token() {
  kubectl_admin apply -f - >&2 <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: vnflcm-admin
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: vnflcm-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: vnflcm-admin
    namespace: kube-system
---
apiVersion: v1
kind: Secret
metadata:
  name: vnflcm-admin-token
  namespace: kube-system
  annotations:
    kubernetes.io/service-account.name: vnflcm-admin
type: kubernetes.io/service-account-token
EOF
  local t='' n
  for n in $(seq 1 30); do
    t=$(kubectl_admin -n kube-system get secret vnflcm-admin-token -o jsonpath='{.data.token}' 2>/dev/null || true)
    [[ -n $t ]] && break
    log "waiting for the admin token ($n)"
    sleep 2
  done
  [[ -n $t ]] || die 1 "the admin token was not issued"
  printf '%s' "$t" | base64 -d
}

# ---------------------------------------------------------------------------------------------

main() {
  parse_args "$@"
  validate_inputs
  TMPDIR_SELF=$(mktemp -d /tmp/install_k8s_cluster.XXXXXX)
  if [[ -n ${C_NICENESS:-} && $C_NICENESS != 0 ]]; then
    renice -n "$C_NICENESS" -p $$ >/dev/null
    # with autogroup scheduling (every session is a group: an SSH command is one) the group's nice
    # value is what counts between sessions
    if [[ -w /proc/$$/autogroup ]]; then echo "$C_NICENESS" >"/proc/$$/autogroup" || true; fi
  fi
  RESTART_RUNTIME=0
  STATUS=installed
  step_preflight

  if [[ $MODE == join-info ]]; then
    [[ -f $ADMIN_CONF ]] || die 1 "join-info needs an installed control-plane node ($ADMIN_CONF missing)"
    emit status info
    emit mode "$MODE"
    emit kubernetes_version "$(kubeadm version -o short 2>/dev/null | sed 's/^v//')"
    emit_join_info
    return 0
  fi
  if [[ $MODE == ha-config ]]; then
    log "mode $MODE, node $NODE_IP, VIP $HA_VIP, masters $HA_MASTER_IPS"
    step_ha
    emit status configured
    emit mode "$MODE"
    return 0
  fi

  log "mode $MODE, node $NODE_NAME ($NODE_IP), Kubernetes $KUBERNETES_VERSION, runtime $CONTAINER_RUNTIME"
  step_hostname
  step_proxy
  step_swap
  step_kernel
  step_packages
  step_runtime
  step_kubelet_node_ip
  if [[ $MODE == prepare ]]; then
    emit status prepared
    emit mode "$MODE"
    emit node_name "$NODE_NAME"
    emit kubernetes_version "$KUBERNETES_VERSION"
    log "done (prepared)"
    return 0
  fi
  step_ha

  case $MODE in
    init)
      step_init
      step_user_kubeconfig
      step_cni
      ;;
    join-control-plane)
      step_join
      step_user_kubeconfig
      ;;
    join-worker)
      step_join
      ;;
    *) die 2 "unknown mode $MODE" ;;
  esac

  emit status "$STATUS"
  emit mode "$MODE"
  emit node_name "$NODE_NAME"
  emit kubernetes_version "$KUBERNETES_VERSION"
  local ready=false
  if [[ $MODE == init ]]; then
    wait_registered "$ADMIN_CONF"
    if kubectl_admin wait --for=condition=Ready "node/$NODE_NAME" --timeout="${READY_TIMEOUT}s" >/dev/null 2>&1; then
      ready=true
    else
      log "WARNING: node $NODE_NAME is not Ready after ${READY_TIMEOUT}s (check the CNI pods)"
    fi
    emit node_ready "$ready"
    emit_join_info
  else
    registered_ready "$KUBELET_CONF" && ready=true
    emit node_ready "$ready"
  fi
  log "done ($STATUS)"
}

main "$@"
