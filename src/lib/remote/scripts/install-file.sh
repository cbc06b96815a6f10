#!/bin/sh
# install-file.sh SRC DEST MODE OWNER GROUP PARENTS
# Atomically put SRC (a private temp file) at DEST with mode MODE (octal) and, when not empty,
# owner OWNER and group GROUP: `install` writes a temp file in DEST's own directory, then
# `mv -T` renames it over DEST (rename(2): readers see the old or the new file, never a partial
# one). PARENTS=1 creates DEST's directory first (umask permitting, 0755). SRC is removed in every case.
set -eu
src=$1 dest=$2 mode=$3 owner=$4 group=$5 parents=$6
dir=$(dirname -- "$dest")
tmp="$dir/.$(basename -- "$dest").vnflcm-$$"
cleanup() { rm -f -- "$tmp" "$src"; }
trap cleanup EXIT
if [ "$parents" = 1 ]; then mkdir -p -- "$dir"; fi
set -- -m "$mode"
if [ -n "$owner" ]; then set -- "$@" -o "$owner"; fi
if [ -n "$group" ]; then set -- "$@" -g "$group"; fi
install "$@" -- "$src" "$tmp"
mv -fT -- "$tmp" "$dest"
