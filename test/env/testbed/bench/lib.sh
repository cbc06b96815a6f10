# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the sourcing scripts
# Shared helpers for the bench scripts. Bench VMs live on their own subnet and are
# removed on exit.
TB=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SUBNET=${BENCH_SUBNET:-10.250.100.0/24}
export TESTBED_QUIET=1
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
          -o PreferredAuthentications=password -o PubkeyAuthentication=no)
askpass_env() { SSH_ASKPASS="$TB/lib/askpass.sh" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 "$@" </dev/null; }
