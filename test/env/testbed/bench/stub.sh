#!/bin/bash
# CPU cost of one stubbed command in a test-bed VM: boots a VM with Kubernetes pre-installed,
# runs `kubeadm init`, then N x `kubectl get nodes` and N x `systemctl is-active containerd`
# (as root, and as ubuntu through sudo) and prints CPU-s per command. CPU is what the calling
# loop's processes used (bash `times`) plus what the VM's resident stub server and the handlers it
# forked used (utime+stime+cutime+cstime of the server, 0 when stubs run as one process each).
#
#   bench/stub.sh [N] [NAME] [IP]        (root; default 200 t-stub 10.250.0.77)
#   TESTBED_DIR=/other/test/env/testbed bench/stub.sh ...   (e.g. the stubs before this change)
set -euo pipefail
N=${1:-200} NAME=${2:-t-stub} IP=${3:-10.250.0.77}
TB=${TESTBED_DIR:-$(cd "$(dirname "$0")/.." && pwd)}   # TESTBED_DIR: measure another copy of the test bed
VM="$TB/vm.sh"
export TESTBED_QUIET=1
"$VM" down "$NAME" >/dev/null 2>&1 || true
trap '"$VM" down "$NAME" >/dev/null 2>&1 || true' EXIT
"$VM" up "$NAME" "$IP" --with kubernetes >/dev/null
"$VM" exec "$NAME" kubeadm init >/dev/null
"$VM" exec "$NAME" bash -c 'mkdir -p /root/.kube && cp /etc/kubernetes/admin.conf /root/.kube/config'

server_cpu() { # jiffies of the VM's stub server incl. its reaped children (0 if none)
  "$VM" exec "$NAME" bash -c 'p=$(cat /run/testbed/tbstub.pid 2>/dev/null) && [ -r /proc/$p/stat ] &&
    s=$(cat /proc/$p/stat) && set -- ${s##*) } && echo $(( ${12} + ${13} + ${14} + ${15} )) || echo 0'
}
loop_cpu() { # CMD: run it N times in the VM; prints the loop's CPU jiffies (self + children)
  "$VM" exec "$NAME" bash -c 'for ((i = 0; i < '"$N"'; i++)); do '"$1"' >/dev/null; done; times' | tail -1 | awk '{ split($1,a,"m"); split($2,b,"m");
      sub("s","",a[2]); sub("s","",b[2]); printf "%d\n", (a[1]*60+a[2]+b[1]*60+b[2])*100 + 0.5 }'
}
hz=100
for cmd in 'kubectl get nodes' 'systemctl is-active containerd' 'sudo -u ubuntu sudo -n kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes'; do
  s0=$(server_cpu); t0=$(date +%s.%N)
  l=$(loop_cpu "$cmd")
  t1=$(date +%s.%N); s1=$(server_cpu)
  awk -v l="$l" -v s="$((s1 - s0))" -v n="$N" -v t0="$t0" -v t1="$t1" -v c="$cmd" -v hz=$hz 'BEGIN {
    printf "%-80s %6.4f CPU-s/command (loop %.4f + server %.4f), %.4f s wall/command\n", c, (l+s)/hz/n, l/hz/n, s/hz/n, (t1-t0)/n }'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
