#!/usr/bin/env bash
# ESP-Miner's API as pyasic reads it: pyasic (from PyPI, in a virtual environment kept under
# .build-pyasic) against hearthd on the simulated board, through its ESP-Miner class and through
# get_miner's auto-detection, with a pool and without (Scripts/pyasic-check.py). The API listens on
# port 80, where pyasic looks: run as root.
#
#   Scripts/pyasic-check.sh [BIN_DIR]     # where hearthd is (default: swift build's)
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

pyasic_version=0.79.0
hearth_need_packages python3-venv
bin=${1:-$(swift build --show-bin-path)}
[ "$(id -u)" = 0 ] || hearth_die "pyasic looks for the API on port 80: run as root"
venv=.build-pyasic/venv-$pyasic_version
if [ ! -x "$venv/bin/python" ]; then
    hearth_say "installing pyasic $pyasic_version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "pyasic==$pyasic_version"
fi
"$venv/bin/python" Scripts/pyasic-check.py "$bin" Board/sim.toml
