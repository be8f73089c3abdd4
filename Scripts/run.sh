#!/usr/bin/env bash
# Runs the heater: installs what the build needs, builds hearthd (release) and starts it.
# With no arguments it runs the simulated heater on Board/sim.toml; any arguments go to hearthd,
# e.g. Scripts/run.sh --board Board/raspberry-pi-4b.toml
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

hearth_need_swift
hearth_need_packages "${HEARTH_PACKAGES[@]}"
hearth_say "building hearthd (release)"
swift build -c release --product hearthd
hearth_say "starting hearthd $* (Ctrl-C stops it and leaves the outputs safe)"
exec "$(swift build -c release --show-bin-path)/hearthd" "$@"
