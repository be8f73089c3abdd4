#!/usr/bin/env bash
# Guided calibration of the heater's temperature sensors against a reference thermometer: for
# each sensor named (all of the board's temperature sensors if none is), `hearth calibrate` asks
# for readings at several temperatures, fits gain and offset by least squares, shows the
# residuals and writes the calibration file. Then the file is checked against the board.
#
#   Scripts/calibrate-sensors.sh [--board FILE] [--output FILE] [--reference-sensor NAME] [SENSOR...]
#
# --board defaults to the board of /etc/hearth/hearth.toml if there is one, else Board/sim.toml;
# --output to /etc/hearth/calibration.toml. The hearth binary is $HEARTH, else the one on PATH,
# else this checkout's build. Stop hearthd first on a real board: the sensors are read directly.
set -euo pipefail

board=""
output=/etc/hearth/calibration.toml
reference=()
sensors=()
while [ $# -gt 0 ]; do
    case "$1" in
        --board) board=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        --reference-sensor) reference=(--reference-sensor "$2"); shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "calibrate-sensors: unknown option $1" >&2; exit 2 ;;
        *) sensors+=("$1"); shift ;;
    esac
done

hearth=${HEARTH:-$(command -v hearth || true)}
if [ -z "$hearth" ]; then
    here=$(cd "$(dirname "$0")/.." && pwd)
    hearth="$here/.build/debug/hearth"
    [ -x "$hearth" ] || hearth="$here/.build/release/hearth"
fi
[ -x "$hearth" ] || { echo "calibrate-sensors: no hearth binary (set HEARTH, or build with swift build)" >&2; exit 1; }

if [ -z "$board" ]; then
    if [ -r /etc/hearth/hearth.toml ]; then
        board=$(sed -n 's/^board *= *"\(.*\)".*/\1/p' /etc/hearth/hearth.toml)
        board=${board%%$'\n'*}
    fi
    board=${board:-$(cd "$(dirname "$0")/.." && pwd)/Board/sim.toml}
fi

if [ ${#sensors[@]} -eq 0 ]; then
    # The board's temperature sensors, as `hearth board check` lists them ("sensor NAME: ...").
    mapfile -t sensors < <("$hearth" board check "$board" | sed -n 's/^ *sensor \([^ ]*\) (.*/\1/p')
    [ ${#sensors[@]} -gt 0 ] || { echo "calibrate-sensors: $board lists no temperature sensors" >&2; exit 1; }
fi

echo "Board $board; calibrating: ${sensors[*]}; writing $output"
failed=()
for sensor in "${sensors[@]}"; do
    echo
    echo "=== $sensor"
    if ! "$hearth" calibrate --board "$board" --sensor "$sensor" --output "$output" "${reference[@]}"; then
        failed+=("$sensor")
    fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
    echo "not calibrated: ${failed[*]} (their entries in $output are unchanged)"
    exit 1
fi
echo "all calibrated; set calibration = \"$output\" in /etc/hearth/hearth.toml and restart hearthd"
