#!/usr/bin/env bash
# Rebuilds examples/*.o from examples/*.c, reproducibly: the same sources and compiler give
# the same bytes whatever folder the repository is cloned into (CI rebuilds the committed
# objects and fails on any difference).
#
#   bash scripts/build-examples.sh            # all examples
#   bash scripts/build-examples.sh xdp_csum   # only examples/xdp_csum.c
#
# Reproducibility: clang runs from the repository root on relative paths, and
# -ffile-prefix-map rewrites the root (the DWARF compilation directory, and any path under
# it) to ".", so no absolute path of this checkout ends up in the debug info or BTF.
# -mcpu=v3: JMP32, and the atomic fetch/cmpxchg instructions that __sync_* builtins need.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd -P)"
cd "$root"

CLANG="${CLANG:-clang}"
CFLAGS=(-O2 -g -target bpf -mcpu=v3 -Wall -Werror "-ffile-prefix-map=$root=.")

if [ $# -gt 0 ]; then
  sources=()
  for name in "$@"; do sources+=("examples/${name%.c}.c"); done
else
  sources=(examples/*.c)
fi

for src in "${sources[@]}"; do
  obj="${src%.c}.o"
  "$CLANG" "${CFLAGS[@]}" -c "$src" -o "$obj"
  if grep -qaF "$root" "$obj"; then
    echo "build-examples: $obj contains the absolute path $root" >&2
    exit 1
  fi
  echo "built $obj"
done
