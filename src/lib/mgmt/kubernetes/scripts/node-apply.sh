#!/bin/bash
# node-apply.sh STAGE - apply a vnflcm node bundle (see bundle.ts). The bundle arrives as a tar on
# the stdin of `sh -c` (BUNDLE_ENTRY in node-ops.ts), which extracts it into STAGE, a fresh 0700
# directory, and runs this script from it; STAGE is removed on exit. The bundle's MANIFEST says:
#   1. every "file" entry: install it (mode, owner, group) unless the destination already has the
#      same bytes (then only mode/owner are corrected); an entry with an expected sha256 stops
#      everything (exit 3, nothing written) when the destination changed since it was read;
#   2. the actions of changed files, once each: restart containerd, then docker;
#   3. every "login" entry: docker login SERVER -u USER --password-stdin (password from the bundle);
#   4. the "check" entry: python3 check.py SPEC (exit 10 when a registry check fails).
# stdout: "vnflcm<TAB>changed|unchanged|restarted|login<TAB>..." lines, then the check's lines.
set -euo pipefail
umask 077
stage=${1:?usage: node-apply.sh STAGE}
trap 'rm -rf -- "$stage"' EXIT
[[ -f $stage/MANIFEST ]] || { echo "node-apply.sh: the bundle has no MANIFEST" >&2; exit 2; }

declare -a files=() logins=() checks=()
while IFS= read -r line || [[ -n $line ]]; do
  [[ -n $line ]] || continue
  case ${line%%$'\t'*} in
    file) files+=("$line") ;;
    login) logins+=("$line") ;;
    check) checks+=("$line") ;;
    *) echo "node-apply.sh: unknown manifest entry: ${line%%$'\t'*}" >&2; exit 2 ;;
  esac
done <"$stage/MANIFEST"

current_sha() { if [[ -f $1 ]]; then sha256sum -- "$1" | cut -d' ' -f1; else echo absent; fi; }

# 1a. optimistic locks first: nothing is written when any guarded file changed meanwhile
for line in "${files[@]}"; do
  IFS=$'\t' read -r _ _ dest _ _ _ expect _ <<<"$line"
  if [[ $expect != - && $(current_sha "$dest") != "$expect" ]]; then
    printf 'vnflcm\tconflict\t%s\n' "$dest"
    echo "node-apply.sh: $dest changed while vnflcm was preparing its new content; nothing was written" >&2
    exit 3
  fi
done

# 1b. files
declare -A actions=()
for line in "${files[@]}"; do
  IFS=$'\t' read -r _ member dest mode owner group _ action <<<"$line"
  src=$stage/$member
  if [[ -f $dest ]] && cmp -s -- "$src" "$dest"; then
    chmod "$mode" -- "$dest"
    chown "$owner:$group" -- "$dest"
    printf 'vnflcm\tunchanged\t%s\n' "$dest"
    continue
  fi
  dir=$(dirname -- "$dest")
  if [[ ! -d $dir ]]; then (umask 022 && mkdir -p -- "$dir"); fi
  tmp="$dir/.$(basename -- "$dest").vnflcm-$$"
  install -m "$mode" -o "$owner" -g "$group" -- "$src" "$tmp"
  mv -fT -- "$tmp" "$dest"
  printf 'vnflcm\tchanged\t%s\n' "$dest"
  if [[ $action != - ]]; then actions[$action]=1; fi
done

# 2. actions
for unit in containerd docker; do
  if [[ -n ${actions[restart:$unit]:-} ]]; then
    systemctl restart "$unit"
    for _ in $(seq 1 30); do systemctl is-active --quiet "$unit" && break; sleep 1; done
    systemctl is-active --quiet "$unit" || { echo "node-apply.sh: $unit is not running after the restart" >&2; exit 1; }
    printf 'vnflcm\trestarted\t%s\n' "$unit"
  fi
done

# 3. docker logins (as root: the credentials land in /root/.docker/config.json)
for line in "${logins[@]}"; do
  IFS=$'\t' read -r _ server user member <<<"$line"
  if ! out=$(docker login "$server" --username "$user" --password-stdin <"$stage/$member" 2>&1); then
    printf '%s\n' "$out" >&2
    echo "node-apply.sh: docker login to $server as $user failed" >&2
    exit 4
  fi
  printf 'vnflcm\tlogin\t%s\n' "$server"
done

# 4. registry check
for line in "${checks[@]}"; do
  IFS=$'\t' read -r _ member <<<"$line"
  command -v python3 >/dev/null 2>&1 || { echo "node-apply.sh: python3 is needed for the registry check" >&2; exit 1; }
  rc=0
  python3 "$stage/check.py" "@$stage/$member" || rc=$?
  if ((rc != 0)); then exit 10; fi
done
