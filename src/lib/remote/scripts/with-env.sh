#!/bin/bash
# with-env.sh ENVFILE COMMAND [ARG...]
# Export the variables listed in ENVFILE, delete ENVFILE, then exec COMMAND ARG...
# ENVFILE holds NAME=VALUE records separated by NUL bytes (uploaded over SFTP, mode 0600).
# Values are taken literally: `export "$kv"` assigns the text after the first `=` without any
# expansion, word splitting or globbing, so no value is ever interpreted by a shell.
set -eu
f=$1
shift
while IFS= read -r -d '' kv; do
  case ${kv%%=*} in
    '' | [0-9]* | *[!A-Za-z0-9_]*) echo "with-env.sh: invalid variable name in $f" >&2; exit 2 ;;
  esac
  export "${kv?}"
done < "$f"
rm -f -- "$f"
exec "$@"
