#!/bin/bash
# End-to-end demo of the test bed (see README.md):
#   1. TLS + htpasswd registry fixture (demo-reg) holding testbed/hello:latest
#   2. VMs demo-a and demo-b get docker.io through the apt stub; demo-a is configured by hand
#      over SSH (CA into certs.d, /etc/hosts line, sudo docker login); verify-pull passes on
#      demo-a and fails on demo-b
#   3. registry-VM flow on demo-c over SSH: docker load, docker run ... --name private_registry,
#      docker inspect says running, and the root namespace gets an answer from http://IP:5000/v2/
#   demo.sh [--keep]     (--keep leaves the demo VMs running)
set -euo pipefail
TB=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
# shellcheck source=lib/common.sh
source "$TB/lib/common.sh"
KEEP=0; [ "${1:-}" = --keep ] && KEEP=1
REG_IP=10.250.0.50 A_IP=10.250.0.51 B_IP=10.250.0.52 C_IP=10.250.0.53
FQDN=registry.demo.test USER=demo PASS='demo-Pass-1'
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  [ "$KEEP" = 1 ] && return 0
  for v in demo-a demo-b demo-c; do "$TB/vm.sh" down "$v" >/dev/null 2>&1 || true; done
  "$TB/registry.sh" down demo-reg >/dev/null 2>&1 || true
}
trap cleanup EXIT
export TESTBED_QUIET=1
step() { printf '\n=== %s\n' "$*"; }
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o PreferredAuthentications=password -o PubkeyAuthentication=no)
# shellcheck disable=SC2029  # the command line is meant to be expanded here
on() { local ip=$1; shift; SSH_ASKPASS="$TB/lib/askpass.sh" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
  ssh "${SSH_OPTS[@]}" "ubuntu@$ip" "$@" </dev/null; }
put() { SSH_ASKPASS="$TB/lib/askpass.sh" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
  scp -q "${SSH_OPTS[@]}" "$2" "ubuntu@$1:$3" </dev/null; }

step "registry fixture: TLS ($FQDN, own CA) + htpasswd user $USER"
"$TB/registry.sh" up demo-reg "$REG_IP" --tls --fqdn "$FQDN" --htpasswd "$USER:$PASS" \
  | grep -E '^(server|image|digest|ca)='
CA=$("$TB/registry.sh" info demo-reg | sed -n 's/^ca=//p')

step "VMs demo-a, demo-b, demo-c (Ubuntu 20.04 look-alikes) and docker.io via the apt stub"
for v in a b c; do ip=$(eval echo "\$${v^^}_IP"); "$TB/vm.sh" up "demo-$v" "$ip"; done
for ip in "$A_IP" "$B_IP" "$C_IP"; do
  on "$ip" 'sudo apt-get update -qq && sudo apt-get install -y -qq docker.io >/dev/null && systemctl is-active docker' \
    | sed "s/^/  $ip docker: /"
done
on "$A_IP" 'grep PRETTY_NAME /etc/os-release; uname -m; systemctl status docker | grep Active:'

step "configure demo-a by hand over SSH: CA into certs.d, hosts line, sudo docker login"
put "$A_IP" "$CA" /tmp/registry-ca.crt
on "$A_IP" "set -e
  sudo mkdir -p /etc/docker/certs.d/$FQDN
  sudo mv /tmp/registry-ca.crt /etc/docker/certs.d/$FQDN/ca.crt
  echo '$REG_IP $FQDN' | sudo tee -a /etc/hosts
  echo '$PASS' | sudo docker login $FQDN -u $USER --password-stdin 2>/dev/null"

step "verify-pull on demo-a (expected: OK)"
"$TB/verify-pull.sh" demo-a "$FQDN" testbed/hello:latest --via docker

step "verify-pull on demo-b, not configured (expected: FAILED)"
if "$TB/verify-pull.sh" demo-b "$FQDN" testbed/hello:latest --via docker; then
  echo "UNEXPECTED: demo-b pulled"; exit 1
else echo "  -> demo-b cannot pull (exit $?), as expected"; fi

step "demo-b with only the hosts line and the CA, no login (expected: FAILED, unauthorized)"
put "$B_IP" "$CA" /tmp/registry-ca.crt
on "$B_IP" "sudo mkdir -p /etc/docker/certs.d/$FQDN && sudo mv /tmp/registry-ca.crt /etc/docker/certs.d/$FQDN/ca.crt
  echo '$REG_IP $FQDN' | sudo tee -a /etc/hosts >/dev/null"
"$TB/verify-pull.sh" demo-b "$FQDN" testbed/hello:latest --via docker | tail -2 || true

step "registry-VM flow on demo-c: docker load, docker run, docker inspect"
python3 "$TB/lib/mkimage.py" docker-archive "$work/registry.tar" --tag registry:latest --registry >/dev/null
put "$C_IP" "$work/registry.tar" registry.tar
on "$C_IP" 'set -e
  sudo docker load -i registry.tar
  sudo mkdir -p /opt/registry/data
  sudo docker run -d -p 5000:5000 -v /opt/registry/data:/var/lib/registry --restart=always --name private_registry registry:latest
  sudo docker inspect --format "{{.State.Status}}" private_registry
  sudo docker ps --format "{{.Names}} {{.Status}} {{.Ports}}"'
echo "--- from the root namespace: curl http://$C_IP:5000/v2/"
curl -sS -i "http://$C_IP:5000/v2/" | grep -E '^(HTTP|Docker-Distribution)|^\{'

step "stub call log of demo-a (JSON lines, last 3)"
"$TB/vm.sh" calls demo-a | tail -3
echo; echo "demo OK"
