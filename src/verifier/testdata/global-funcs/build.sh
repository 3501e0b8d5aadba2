#!/bin/sh
# Rebuilds the test objects next to their sources.
set -e
cd "$(dirname "$0")"
for c in *.c; do clang -O2 -g -target bpf -c "$c" -o "${c%.c}.o"; done
