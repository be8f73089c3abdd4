#!/usr/bin/env bash
# Runs every test: installs what the build needs, builds everything (warnings are errors),
# runs the test suite, checks the shipped board files, starts the daemon for two ticks, checks
# the web dashboard in headless Chromium, reads the ESP-Miner API with pyasic, packs and checks the Debian package, checks the ARMv8
# SHA-2 kernel under QEMU's arm64 emulation, then builds and tests the GPIO shim a second time against the other libgpiod API (1.6 and 2.x),
# cross-builds the static arm64 binaries, packs them and installs the package in arm64 Debian bookworm and trixie (skipped with
# HEARTH_SKIP_ARM64=1), runs them on an emulated arm64 board and under systemd there (Scripts/arm64-vm.sh; skipped with
# HEARTH_SKIP_ARM64_VM=1), and runs the hardware-in-the-loop test in a VM (Scripts/hil.sh; skipped with HEARTH_SKIP_HIL=1).
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

hearth_need_swift
hearth_need_packages "${HEARTH_PACKAGES[@]}" "${HEARTH_TEST_PACKAGES[@]}"

hearth_say "building"
swift build
bin=$(swift build --show-bin-path)

hearth_say "checking the board files and starting the simulated heater"
"$bin/hearth" board check Board/*.toml >/dev/null
probe=$("$bin/hearth" board probe Board/sim.toml)
grep -q "hash board: 4 × BM1366 answered on sim-uart" <<<"$probe" || hearth_die "hearth board probe did not find the simulated chain: $probe"
"$bin/hearthd" --ticks 2 --tick-rate 10

hearth_say "the web dashboard in headless Chromium"
Scripts/dashboard-check.sh "$bin"

hearth_say "ESP-Miner's API as pyasic reads it"
Scripts/pyasic-check.sh "$bin"

hearth_say "packing the Debian package (from this debug build) and checking it"
deb=$(HEARTH_DEB_COMPRESSION=none Scripts/package-deb.sh --bin "$bin" --output .build/deb --allow-unpackaged-libraries | tail -n 1)
Scripts/check-deb.sh "$deb"

native=$(hearth_system_libgpiod_major)
hearth_say "testing (libgpiod $native API from the system)"
HEARTH_EXPECT_LIBGPIOD_API=$native swift test

hearth_say "the ARMv8 SHA-2 kernel, built for aarch64 and run under QEMU"
Scripts/arm64-kernel-check.sh

other=$((3 - native))
hearth_say "testing the GPIO layer against libgpiod $other API"
folder=$(Scripts/libgpiod-other.sh .build-gpiod-other/libgpiod)
libdir=$(dirname "$(find "$folder/root" -name 'libgpiod.so' | head -n 1)")
PKG_CONFIG_PATH="$folder/pkgconfig" LD_LIBRARY_PATH="$libdir" HEARTH_EXPECT_LIBGPIOD_API=$other HEARTH_GPIO_LAYER_ONLY=1 \
    swift test --scratch-path .build-gpiod-other --filter 'LibgpiodShimTests|GPIOChipTests'

if [ "${HEARTH_SKIP_ARM64:-}" = 1 ]; then
    hearth_say "skipping the arm64 build and its package (HEARTH_SKIP_ARM64=1)"
else
    hearth_say "arm64: the static binaries for the Pi, cross-built with Debian sid's Swift 6.2"
    Scripts/build-release.sh --arch arm64 >/dev/null
    hearth_say "arm64: the package, installed with apt in Debian bookworm and trixie for arm64 and run there"
    arm64_deb=$(HEARTH_DEB_COMPRESSION=none Scripts/package-deb.sh --arch arm64 --output .build/deb | tail -n 1)
    Scripts/check-deb.sh "$arm64_deb"
    HEARTH_REFERENCE_BIN=$bin Scripts/deb-rootfs-check.sh "$arm64_deb" bookworm trixie
fi

# --- The emulated arm64 board (Scripts/arm64-vm.sh): hearth-hil and hearthd on Debian's arm64 kernel
# under qemu-system-aarch64 with gpio-sim and i2c-stub, then the arm64 package's hearthd.service under
# systemd there. Needs the arm64 build above; skipped with it, or alone with HEARTH_SKIP_ARM64_VM=1. ---
if [ "${HEARTH_SKIP_ARM64:-}" = 1 ] || [ "${HEARTH_SKIP_ARM64_VM:-}" = 1 ]; then
    hearth_say "skipping the emulated arm64 board (HEARTH_SKIP_ARM64=1 or HEARTH_SKIP_ARM64_VM=1)"
else
    hearth_say "arm64: the emulated board (gpio-sim, i2c-stub) in qemu-system-aarch64, and hearthd.service under systemd there"
    Scripts/arm64-vm.sh "$arm64_deb"
fi

if [ "${HEARTH_SKIP_HIL:-}" = 1 ]; then
    hearth_say "skipping the hardware-in-the-loop VM (HEARTH_SKIP_HIL=1)"
else
    hearth_say "hardware in the loop: the Linux backends against the kernel's gpio-sim and i2c-stub, in a VM"
    Scripts/hil.sh
fi
