#!/usr/bin/env bash
# The emulated arm64 board: the arm64 build (dist/arm64, Scripts/build-release.sh --arch arm64) on
# Debian's arm64 kernel under qemu-system-aarch64 -M virt (TCG), with gpio-sim and i2c-stub.
#
#   Scripts/arm64-vm.sh DEB
#
# First the HIL VM (Scripts/hil-vm.sh --arch arm64): hearth-hil's checks of the Linux backends, and
# hearthd on the emulated board (Scripts/hil/board.toml) for some ticks and a SIGTERM
# (Scripts/hil/daemon-check.sh). Then systemd for real (Scripts/systemd-vm.sh): DEB, the arm64
# package (Scripts/package-deb.sh --arch arm64), installed with dpkg in a Debian root file system
# booted with systemd on the same board, and its hearthd.service checked. Fails if any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

[ $# = 1 ] || hearth_die "usage: Scripts/arm64-vm.sh DEB (the arm64 package, from Scripts/package-deb.sh --arch arm64)"
for program in hearthd hearth-hil; do
    [ -x "dist/arm64/$program" ] || hearth_die "no dist/arm64/$program: build it first (Scripts/build-release.sh --arch arm64)"
done

hearth_say "arm64 HIL VM: hearth-hil, and hearthd on the emulated board"
Scripts/hil-vm.sh --arch arm64 --file dist/arm64/hearthd --file Scripts/hil/board.toml --file Scripts/hil/board-lib.sh \
    dist/arm64/hearth-hil Scripts/hil/daemon-check.sh
hearth_say "arm64 systemd VM: $(basename "$1") installed with dpkg, hearthd.service on the emulated board"
Scripts/systemd-vm.sh "$1"
