#!/usr/bin/env bash
# Builds hearthd, hearth and hearth-hil for release into dist/<arch>/, stripped.
#
#   Scripts/build-release.sh                  # for this machine, Swift runtime linked in statically
#   Scripts/build-release.sh --arch arm64     # for a Raspberry Pi (or any arm64 Linux), from amd64
#   Scripts/build-release.sh --swift-sdk NAME # with an installed Swift SDK of your own
#
# For this machine the binaries link glibc, libgpiod and libi2c dynamically (the package depends
# on them) and carry the Swift runtime. --arch arm64 cross-compiles with Debian sid's Swift 6.2 in
# a chroot (Scripts/cross.sh sets it up once, under .build-cross) into fully static executables:
# glibc, libstdc++, libgpiod and libi2c are linked in, so the same files run on Raspberry Pi OS
# bookworm (glibc 2.36) and trixie (2.41), whose C libraries are older than the compiler's.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

sdk=""
arch=$(dpkg --print-architecture)
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=$2; shift 2 ;;
        --swift-sdk) sdk=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) hearth_die "unknown argument $1 (see --help)" ;;
    esac
done
products=(hearthd hearth hearth-hil)

if [ "$arch" != "$(dpkg --print-architecture)" ] && [ -z "$sdk" ]; then
    . Scripts/cross.sh
    hearth_cross_setup "$arch"
    pkgconfig=$HEARTH_CROSS_SYSROOT/usr/lib/aarch64-linux-gnu/pkgconfig
    flags=(-c release --scratch-path ".build-$arch" --swift-sdks-path "$HEARTH_CROSS_CACHE/sdks" --swift-sdk "$HEARTH_CROSS_SDK"
        --pkg-config-path "$pkgconfig" --static-swift-stdlib -Xswiftc -static-executable)
    swift_build() {
        hearth_cross_run env PKG_CONFIG_SYSROOT_DIR="$HEARTH_CROSS_SYSROOT" PKG_CONFIG_PATH="$pkgconfig" swift build "${flags[@]}" "$@"
    }
    strip_binary() { hearth_cross_run /usr/libexec/swift/bin/llvm-objcopy --strip-all "$1"; }
    what="static executables for $arch, Swift 6.2 in the sid chroot"
else
    hearth_need_swift
    flags=(-c release --static-swift-stdlib)
    if [ -n "$sdk" ]; then
        swift sdk list 2>/dev/null | grep -x "$sdk" >/dev/null ||
            hearth_die "no Swift SDK named $sdk (installed: $(swift sdk list 2>/dev/null | tr '\n' ' '))"
        flags+=(--swift-sdk "$sdk")
    else
        hearth_need_packages "${HEARTH_PACKAGES[@]}"
    fi
    swift_build() { swift build "${flags[@]}" "$@"; }
    strip_binary() { strip "$1"; }
    what="static Swift runtime${sdk:+, SDK $sdk}"
fi

hearth_say "building ${products[*]} (release, $what)"
for product in "${products[@]}"; do
    swift_build --product "$product"
done
bin=$(swift_build --show-bin-path | tail -n 1)

built=$(hearth_elf_arch "$bin/hearthd")
[ -z "$sdk" ] && [ "$built" != "$arch" ] && hearth_die "asked for $arch, but $bin/hearthd is built for $built"
out=dist/$built
mkdir -p "$out"
# Without their debugging symbols (they stay in the build folder): a third of the size.
for product in "${products[@]}"; do
    install -m 755 "$bin/$product" "$out/"
    strip_binary "$out/$product"
done
hearth_say "built $out: $(cd "$out" && du -h "${products[@]}" | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//')"
echo "$out"
