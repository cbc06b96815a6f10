#!/bin/sh
# sha256.sh FILE
# Print the SHA-256 of FILE as 64 lowercase hex digits. Uses `openssl dgst` when present (SHA
# extensions, several times faster on big uploads), else coreutils `sha256sum`.
set -eu
f=$1
if command -v openssl >/dev/null 2>&1 && out=$(openssl dgst -sha256 -r "$f" 2>/dev/null); then
  :
else
  out=$(sha256sum -- "$f")
fi
out=${out#\\}
printf '%s\n' "${out%% *}"
