#!/bin/bash
# SSH baselines against one bench VM: password login round trip (`ssh VM true`, median of
# LOGINS) and copying a 256 MiB file into the VM with scp (SFTP protocol, OpenSSH >= 9 default),
# scp -O (legacy SCP protocol) and sftp (median of RUNS each); then the same with 50 ms added
# towards the VM: `vm.sh netem` runs `tc qdisc add dev <veth> root netem delay 50ms` on the VM's
# host-side veth, or, where the kernel lacks sch_netem, the userspace relay lib/delayrelay.py.
#   bench/ssh.sh [RUNS] [LOGINS]
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"
RUNS=${1:-5} LOGINS=${2:-10}
VM=bench-ssh IP=10.250.100.50
work=$(mktemp -d)
cleanup() { "$TB/vm.sh" netem "$VM" off >/dev/null 2>&1 || true; "$TB/vm.sh" down "$VM" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$TB/vm.sh" up "$VM" "$IP" --subnet "$BENCH_SUBNET"
head -c 256M /dev/urandom > "$work/f256"

t_login() { local s; s=$(now); askpass_env ssh "${SSH_OPTS[@]}" "ubuntu@$IP" true; elapsed "$s" "$(now)"; echo; }
t_scp() { local s; s=$(now); askpass_env scp -q "${SSH_OPTS[@]}" "$@" "$work/f256" "ubuntu@$IP:/tmp/f256"; elapsed "$s" "$(now)"; echo; }
t_sftp() { local s; s=$(now); echo "put $work/f256 /tmp/f256" | SSH_ASKPASS="$TB/lib/askpass.sh" SSH_ASKPASS_REQUIRE=force \
  DISPLAY=:0 sftp -q "${SSH_OPTS[@]}" -o BatchMode=no -b - "ubuntu@$IP" >/dev/null; elapsed "$s" "$(now)"; echo; }

run_set() { # LABEL
  local l scp scpo sftp
  l=$(for _ in $(seq 1 "$LOGINS"); do t_login; done | median)
  scp=$(for _ in $(seq 1 "$RUNS"); do t_scp; done | median)
  scpo=$(for _ in $(seq 1 "$RUNS"); do t_scp -O; done | median)
  sftp=$(for _ in $(seq 1 "$RUNS"); do t_sftp; done | median)
  printf '%-14s login %6.3fs | scp %6.2fs (%4.0f MiB/s) | scp -O %6.2fs (%4.0f MiB/s) | sftp %6.2fs (%4.0f MiB/s)\n' \
    "$1" "$l" "$scp" "$(awk -v t="$scp" 'BEGIN{print 256/t}')" "$scpo" "$(awk -v t="$scpo" 'BEGIN{print 256/t}')" \
    "$sftp" "$(awk -v t="$sftp" 'BEGIN{print 256/t}')"
}
run_set "no delay"
how=$("$TB/vm.sh" netem "$VM" 50ms)
ping_rtt=$(ping -c 3 -q "$IP" | awk -F/ '/rtt/ {print $5}')
run_set "netem 50ms"
"$TB/vm.sh" netem "$VM" off
echo "(delay: $how; ping RTT ${ping_rtt} ms; medians of $LOGINS logins / $RUNS copies)"
