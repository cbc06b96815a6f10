#!/bin/bash
# gather.sh PATH... - print the current content of files for vnflcm's read-modify-write steps.
# For each PATH one line "file<TAB>PATH<TAB>SHA256<TAB>BASE64" (the content base64 on one line)
# or "absent<TAB>PATH". A PATH written ?PATH is only tested: "present<TAB>PATH" or
# "absent<TAB>PATH" (used for files that hold secrets). Run as root.
set -euo pipefail
for f in "$@"; do
  if [[ $f == \?* ]]; then
    f=${f#\?}
    if [[ -e $f ]]; then printf 'present\t%s\n' "$f"; else printf 'absent\t%s\n' "$f"; fi
    continue
  fi
  if [[ -f $f ]]; then
    sum=$(sha256sum -- "$f")
    printf 'file\t%s\t%s\t%s\n' "$f" "${sum%% *}" "$(base64 -w0 -- "$f")"
  else
    printf 'absent\t%s\n' "$f"
  fi
done
