#!/usr/bin/env bash
# Builds hearthd and hearth for release, with the Swift standard library linked in statically
# (the Pi then needs no Swift runtime, only glibc, libgpiod and libi2c), into dist/<arch>/.
#
#   Scripts/build-release.sh                     # for this machine (on a Pi: natively, for arm64)
#   Scripts/build-release.sh --swift-sdk NAME    # cross-compiling with an installed Swift SDK
#
# Cross-compiling for a Pi needs a Swift SDK for aarch64 Linux (`swift sdk list` shows those
# installed; `swift sdk install URL` adds one) whose sysroot also holds the arm64 libgpiod-dev
# and libi2c-dev the Pi runs: Hearth links them. Without one, build on the Pi itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

sdk=""
while [ $# -gt 0 ]; do
    case "$1" in
        --swift-sdk) sdk=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) hearth_die "unknown argument $1 (see --help)" ;;
    esac
done

hearth_need_swift
flags=(-c release --static-swift-stdlib)
if [ -n "$sdk" ]; then
    swift sdk list 2>/dev/null | grep -x "$sdk" >/dev/null ||
        hearth_die "no Swift SDK named $sdk (installed: $(swift sdk list 2>/dev/null | tr '\n' ' '))"
    flags+=(--swift-sdk "$sdk")
else
    hearth_need_packages "${HEARTH_PACKAGES[@]}"
fi

hearth_say "building hearthd and hearth (release, static Swift runtime${sdk:+, SDK $sdk})"
swift build "${flags[@]}" --product hearthd
swift build "${flags[@]}" --product hearth
bin=$(swift build "${flags[@]}" --show-bin-path)

arch=$(hearth_elf_arch "$bin/hearthd")
out=dist/$arch
mkdir -p "$out"
install -m 755 "$bin/hearthd" "$bin/hearth" "$out/"
# Without their debugging symbols (they stay in the build folder): a third of the size.
strip_tool=""
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
    strip_tool=strip
elif command -v llvm-strip >/dev/null; then
    strip_tool=llvm-strip
elif [ "$arch" = arm64 ] && command -v aarch64-linux-gnu-strip >/dev/null; then
    strip_tool=aarch64-linux-gnu-strip
fi
if [ -n "$strip_tool" ]; then
    "$strip_tool" "$out/hearthd" "$out/hearth"
else
    hearth_say "no strip for $arch (install llvm or binutils-aarch64-linux-gnu): the binaries keep their symbols"
fi
hearth_say "built $out/hearthd and $out/hearth ($(du -h "$out/hearthd" | cut -f1) and $(du -h "$out/hearth" | cut -f1))"
echo "$out"
