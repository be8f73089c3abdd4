#!/usr/bin/env bash
# The web dashboard in a real browser: starts hearthd on the simulated board with a week of
# history in its database (written by `hearth bench history`, so hearthd opens a database it did
# not write), opens its dashboard in headless Chromium, checks the page the browser built (the
# room temperature the API reports, the setpoint, the mode, the accounts, and for each range of
# 6 h, 24 h and 7 d the three charts and the range buttons against GET /api/history) and keeps
# screenshots in .build/artifacts/dashboard.png (7 d) and dashboard-6h.png.
#
#   Scripts/dashboard-check.sh [BIN_DIR]     # where hearthd and hearth are (default: swift build's)
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
# A week of samples ending now, in the database beside the state file.
"$bin/hearth" bench history --weeks 1 --database "$work/history.sqlite" >"$work/bench.txt" ||
    hearth_die "hearth bench history could not write the week of history"
"$bin/hearthd" --config "$work/hearth.toml" --state "$work/state.json" --board Board/sim.toml --api "127.0.0.1:$port" --cgminer-api off --setpoint 21.5 --mode eco \
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
# Each range as the page shows it (the address's #6h picks it, as its button does), and the API's
# answer for it fetched just after.
for range in 6h 24h 7d; do
    "${browser[@]}" --dump-dom "http://127.0.0.1:$port/#$range" >"$work/dom-$range.html" 2>>"$work/chromium.log" ||
        { cat "$work/chromium.log" >&2; hearth_die "Chromium could not load the dashboard at #$range"; }
    curl -fsS "http://127.0.0.1:$port/api/history?range=$range" >"$work/history-$range.json" ||
        hearth_die "GET /api/history?range=$range failed"
    # The status beside the page whose header is checked (the simulated room warms meanwhile).
    if [ "$range" = 24h ]; then
        curl -fsS "http://127.0.0.1:$port/api/status" >"$work/status.json" || hearth_die "GET /api/status failed"
    fi
done
cp "$work/dom-24h.html" "$work/dom.html"
"${browser[@]}" --screenshot="$artifacts/dashboard.png" "http://127.0.0.1:$port/#7d" >>"$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log" >&2; hearth_die "Chromium could not take the screenshot"; }
"${browser[@]}" --screenshot="$artifacts/dashboard-6h.png" "http://127.0.0.1:$port/#6h" >>"$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log" >&2; hearth_die "Chromium could not take the screenshot"; }

# What the page should say, from the API. The simulated room sensor flickers by ±0.05 °C like a
# real one, the page shows a tenth, and it was read a moment before the API: its room must be
# within 0.2 °C of the API's.
room=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("%.3f °C" % next(t["celsius"] for t in s["temperatures"] if t["role"]=="room"))' "$work/status.json")
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
check 'id="shares">no pool: heat only<' "\"no pool: heat only\": the simulated board hashes without a pool"
# The charts against the API, range by range: each canvas names its range, its points (the API's,
# and the status now on the room chart; one more or fewer where a point began between the two
# readings) and the time and value of its middle point, which must be the API's point of that
# time; the week's chart must reach back over the week from the database.
charts=$(python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
said = []
for name in ["6h", "24h", "7d"]:
    dom = open(f"{work}/dom-{name}.html").read()
    page = json.load(open(f"{work}/history-{name}.json"))
    def fail(why):
        sys.exit(f"the dashboard at #{name}: {why}")
    if page["store"] != "database":
        fail(f"the API's history is from {page['store']}, not the database")
    if page.get("problem"):
        fail(f"the history reports a problem: {page['problem']}")
    if f'data-range="{name}" class="active"' not in dom:
        fail("its range button is not shown as active")
    api = {s["time"]: s for s in page["samples"]}
    for canvas, key, live in [("chart", "room", 1), ("power-chart", "powerWatts", 1), ("hashrate-chart", "hashRate", 1)]:
        tag = re.search(rf'<canvas id="{canvas}"[^>]*>', dom)
        if not tag:
            fail(f"there is no chart #{canvas}")
        attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag.group(0)))
        if attributes.get("range") != name:
            fail(f"#{canvas} shows the range {attributes.get('range')}")
        points = int(attributes.get("points", "0"))
        if abs(points - (len(page["samples"]) + live)) > 1:
            fail(f"#{canvas} drew {points} points where the API has {len(page['samples'])} (and now)")
        time, value = attributes.get("check", " ").split(" ")
        sample = api.get(float(time)) if time else None
        if sample is None or sample[key] is None or abs(float(value) - sample[key]) > 1e-9 * max(1, abs(sample[key])):
            fail(f"#{canvas}'s point at {time} is {value}, the API's {sample and sample[key]}")
    span = page["samples"][-1]["time"] - page["samples"][0]["time"]
    if name == "7d" and (len(page["samples"]) < 300 or span < 6.5 * 86400):
        fail(f"the week's chart holds {len(page['samples'])} points over {span / 86400:.1f} days")
    said.append(f"{name}: {len(page['samples'])} points")
print(", ".join(said))
PY
) || hearth_die "the charts do not show what GET /api/history says"
[ -s "$artifacts/dashboard.png" ] && [ -s "$artifacts/dashboard-6h.png" ] || hearth_die "no screenshot"
hearth_say "the dashboard shows room $room, setpoint 21.5 °C, mode eco, the accounts, and charts of room, power and hash rate matching the API ($charts); screenshots $artifacts/dashboard.png (7 d), dashboard-6h.png"
