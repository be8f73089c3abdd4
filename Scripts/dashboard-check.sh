#!/usr/bin/env bash
# The web dashboard in a real browser: starts hearthd on the simulated board, opens its dashboard
# in headless Chromium, checks the page the browser built (the room temperature the API reports,
# the setpoint, the mode, a chart drawn from the history) and keeps a screenshot in
# .build/artifacts/dashboard.png.
#
#   Scripts/dashboard-check.sh [BIN_DIR]     # where hearthd is (default: swift build's)
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

hearth_need_packages chromium-headless-shell fonts-dejavu-core curl
bin=${1:-$(swift build --show-bin-path)}
artifacts=.build/artifacts
mkdir -p "$artifacts"
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))

# With accounts kept, so that the page shows what the heat cost.
printf '[economics]\ncurrency = "EUR"\nprice = 0.30\nbtc_price = 100000\n' >"$work/hearth.toml"
"$bin/hearthd" --config "$work/hearth.toml" --board Board/sim.toml --api "127.0.0.1:$port" --cgminer-api off --setpoint 21.5 --mode eco \
    --tick-rate 10 >"$work/hearthd.log" 2>&1 &
daemon=$!
cleanup() {
    kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:$port/api/status" >"$work/status.json" 2>/dev/null && break
    kill -0 "$daemon" 2>/dev/null || { cat "$work/hearthd.log" >&2; hearth_die "hearthd stopped before its API answered"; }
    sleep 0.2
done
[ -s "$work/status.json" ] || hearth_die "hearthd's API did not answer on port $port"

browser=(chromium-headless-shell --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000
    --user-data-dir="$work/profile" --window-size=1280,1000)
"${browser[@]}" --dump-dom "http://127.0.0.1:$port/" >"$work/dom.html" 2>"$work/chromium.log" ||
    { cat "$work/chromium.log" >&2; hearth_die "Chromium could not load the dashboard"; }
"${browser[@]}" --screenshot="$artifacts/dashboard.png" "http://127.0.0.1:$port/" >>"$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log" >&2; hearth_die "Chromium could not take the screenshot"; }

# What the page should say, from the API. The simulated room sensor flickers by ±0.05 °C like a
# real one, and the page was read a moment after the API: its room must be within 0.2 °C.
room=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("%.1f °C" % next(t["celsius"] for t in s["temperatures"] if t["role"]=="room"))' "$work/status.json")
shown=$(sed -n 's/.*id="room">\([-0-9.]*\) °C<.*/\1/p' "$work/dom.html" | head -n 1)
python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2].split()[0])) > 0.2)' "${shown:-nan}" "$room" ||
    hearth_die "the dashboard shows the room at ${shown:-nothing} °C where the API said $room"
check() {
    grep -q "$1" "$work/dom.html" || { sed -n '/<header>/,/<\/header>/p' "$work/dom.html" >&2; hearth_die "the dashboard lacks $2"; }
}
check 'data-ready="1"' "data-ready: its script did not run to the end"
check 'id="setpoint">21.5 °C<' "the setpoint 21.5 °C"
check 'id="mode">eco<' "the mode eco"
check 'data-mode="eco" class="active"' "the eco button shown as active"
check 'data-period="today"' "the economics table's row for today"
check '0.30 EUR/kWh now' "the price of a kWh"
check 'data-day="2' "a row in the day-by-day table"
points=$(sed -n 's/.*data-points="\([0-9]*\)".*/\1/p' "$work/dom.html")
points=${points%%$'\n'*}
[ "${points:-0}" -ge 2 ] || hearth_die "the chart drew ${points:-no} points (at least the history's first sample and now)"
[ -s "$artifacts/dashboard.png" ] || hearth_die "no screenshot"
hearth_say "the dashboard shows room $room, setpoint 21.5 °C, mode eco, the accounts, a chart of $points points; screenshot $artifacts/dashboard.png"
