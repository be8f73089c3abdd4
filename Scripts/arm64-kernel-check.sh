#!/usr/bin/env bash
# Checks the ARMv8 SHA-2 mining kernel on a machine that is not arm64: compiles Sources/CSHA256
# for aarch64 with the Swift toolchain's own clang (the compiler SwiftPM uses on a Pi), links it
# with the check in Scripts/arm64-kernel-check.c, and runs that under QEMU's user-mode emulation
# (-cpu max: ARMv8 with the SHA-2 instructions). On an arm64 machine it runs the check natively.
# Installs qemu-user and the aarch64 cross toolchain (for the C library and the linker) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

out=.build-arm64-check
mkdir -p "$out"
flags=(-O3 -Wall -Wextra -Werror -ISources/CSHA256/include)
if [ "$(uname -m)" = aarch64 ]; then
    cc "${flags[@]}" Sources/CSHA256/hearth_sha256.c Scripts/arm64-kernel-check.c -o "$out/check"
    exec "$out/check"
fi
hearth_need_packages qemu-user gcc-aarch64-linux-gnu
clang=$(dirname "$(command -v swift)")/clang
[ -x "$clang" ] || clang=clang
target=(--target=aarch64-linux-gnu --sysroot=/usr/aarch64-linux-gnu)
"$clang" "${target[@]}" "${flags[@]}" -c Sources/CSHA256/hearth_sha256.c -o "$out/kernel.o"
"$clang" "${target[@]}" "${flags[@]}" -c Scripts/arm64-kernel-check.c -o "$out/check.o"
aarch64-linux-gnu-gcc -static "$out/check.o" "$out/kernel.o" -o "$out/check"
qemu-aarch64 -cpu max "$out/check"
