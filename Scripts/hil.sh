#!/usr/bin/env bash
# The hardware-in-the-loop test: builds hearth-hil (the Linux backends' checks) statically against
# libgpiod 1.6 and 2.x, and runs both in the VM of Scripts/hil-vm.sh, against the kernel's own
# gpio-sim and i2c-stub chips. Exits non-zero if any check fails or the VM does not report.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
hearth_need_swift
hearth_need_packages "${HEARTH_PACKAGES[@]}"

native=$(hearth_system_libgpiod_major)
other=$((3 - native))
hearth_say "building hearth-hil against libgpiod $native (the system's) and $other"
HEARTH_GPIO_LAYER_ONLY=1 swift build --scratch-path .build-hil-native --product hearth-hil --static-swift-stdlib
folder=$(cd "$(Scripts/libgpiod-other.sh .build-gpiod-other/libgpiod)" && pwd)
libdir=$(dirname "$(find "$folder/root" -name 'libgpiod.so' | head -n 1)")
# A scratch path of its own: relinking objects that the test pass built for the dynamic standard
# library with --static-swift-stdlib leaves Foundation's static dependencies out.
PKG_CONFIG_PATH="$folder/pkgconfig" LD_LIBRARY_PATH="$libdir" HEARTH_GPIO_LAYER_ONLY=1 \
    swift build --scratch-path .build-hil-other --product hearth-hil --static-swift-stdlib

# Stripped copies, named for their libgpiod: smaller to pack into the VM.
mkdir -p .build-hil/bin
cp .build-hil-native/debug/hearth-hil ".build-hil/bin/hearth-hil-libgpiod$native"
cp .build-hil-other/debug/hearth-hil ".build-hil/bin/hearth-hil-libgpiod$other"
strip .build-hil/bin/hearth-hil-libgpiod*
LD_LIBRARY_PATH="$libdir" Scripts/hil-vm.sh .build-hil/bin/hearth-hil-libgpiod1 .build-hil/bin/hearth-hil-libgpiod2
