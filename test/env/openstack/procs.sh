# shellcheck shell=bash
# procs.sh - helpers shared by stop.sh and mem.sh (sourced, not executed).
# members PID: PID, all its descendants and every process whose setsid
# group id (SID) is PID (start.sh starts each service with setsid, so a
# service's SID is its recorded PID; daemonized helpers keep it).
members() {
  local root=$1
  [ -d "/proc/$root" ] || return 0
  local p
  for p in /proc/[0-9]*; do echo "${p#/proc/}"; done | awk -v root="$root" '
    {
      f = "/proc/" $1 "/stat"
      if ((getline line < f) > 0) {
        sub(/^[0-9]+ \(.*\) /, "", line); split(line, a, " ")
        ppid[$1] = a[2]; sid[$1] = a[4]
      }
      close(f)
    }
    END {
      if (!(root in ppid)) exit
      keep[root] = 1; changed = 1
      while (changed) { changed = 0
        for (p in ppid) if (!(p in keep) && ((ppid[p] in keep) || sid[p] == root)) { keep[p] = 1; changed = 1 } }
      for (p in keep) print p
    }'
}
