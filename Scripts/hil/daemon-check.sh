#!/bin/sh
# Runs inside the HIL VM (Scripts/hil-vm.sh --file hearthd --file Scripts/hil/board.toml --file
# Scripts/hil/board-lib.sh Scripts/hil/daemon-check.sh): the real hearthd on the emulated board,
# for some ticks, then SIGTERM. One HIL-CHECK line per check:
#   daemon-reads-the-stub   its tick line shows the temperatures, power and fan speed written into
#                           i2c-stub's registers, through the TMP102, MCP9808, INA260, EMC2101 drivers
#   daemon-probes-the-chain the kernel's trace shows it driving the hash board's power and reset
#                           lines (the chain probe on the silent UART), then heating with the CPU
#   daemon-holds-lines-safe while it runs, gpio-sim reads every output at its safe level, though
#                           each is pulled to the other one
#   daemon-drives-the-fan   the EMC2101 is configured for manual control and its fan setting written
#   sigterm-exits-cleanly   SIGTERM ends it with status 0 within 30 s, saying its outputs are safe
#   sigterm-fan-safe        the EMC2101's fan setting is the safe duty (100 %: 16) after it ended
#   sigterm-lines-set-safe  after SIGTERM it set every output line to its safe level (the kernel's
#                           trace), and nothing set one to another level after that
#   lines-released          after it ended, the lines are released (gpio-sim shows their pulls)
set -u
files=${HIL_FILES:?run inside Scripts/hil-vm.sh}
. "$files/board-lib.sh"
pass() { echo "HIL-CHECK pass $1"; }
fail() { echo "HIL-CHECK fail $1: $2"; }
log=/tmp/hearthd.log

[ -x "$files/hearthd" ] || { fail daemon-setup "no hearthd in $files (give it with --file)"; exit 1; }
board_stub_registers "$HIL_I2C_BUS" || { fail daemon-setup "writing i2c-stub's registers failed"; exit 1; }
board_unsafe_pulls || { fail daemon-setup "cannot set gpio-sim's pulls"; exit 1; }
board_trace_start || { fail daemon-setup "cannot start the kernel's gpio trace events"; exit 1; }
problem=$(board_file "$files/board.toml" /tmp/board.toml) || { fail daemon-setup "$problem"; exit 1; }
echo "daemon-check: lines before hearthd (pulled unsafe): $(board_line_levels); hash board UART $HIL_UART"
ip link set lo up

start=$(cut -d' ' -f1 /proc/uptime)
: > "$log"
"$files/hearthd" --board /tmp/board.toml --state /tmp/state.json --api 127.0.0.1:8080 --cgminer-api off \
    --watchdog off --tick-rate 2 > "$log" 2>&1 &
pid=$!

# Up to 120 s for the first tick (a 60 MB program, emulated), then 10 s of ticks.
waited=0
until grep -q 'tick 1:' "$log" || ! kill -0 $pid 2> /dev/null || [ $waited -ge 1200 ]; do
    sleep 0.1
    waited=$((waited + 1))
done
if ! grep -q 'tick 1:' "$log"; then
    cat "$log"
    fail daemon-starts "no first tick within $((waited / 10)) s$(kill -0 $pid 2> /dev/null || echo ': hearthd ended')"
    kill -KILL $pid 2> /dev/null
    exit 1
fi
echo "daemon-check: first tick $(awk -v s="$start" '{ printf "%.1f", $1 - s }' /proc/uptime) s after start"
sleep 10
levels_running=$(board_line_levels)
unsafe_running=$(board_unsafe_lines)
fan_running=$(board_fan_setting "$HIL_I2C_BUS")
fan_configuration=$(i2cget -y "$HIL_I2C_BUS" 0x4c 0x4a)
pwm_frequency=$(i2cget -y "$HIL_I2C_BUS" 0x4c 0x4d)
trace_running=$(board_trace_events)
status_json=$(wget -q -O - http://127.0.0.1:8080/api/status 2> /dev/null | head -c 600)

stop=$(cut -d' ' -f1 /proc/uptime)
kill -TERM $pid
waited=0
while kill -0 $pid 2> /dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
if kill -0 $pid 2> /dev/null; then
    kill -KILL $pid
    exit_status=timeout
else
    wait $pid
    exit_status=$?
fi
board_trace_events | tail -n +$(($(echo "$trace_running" | wc -l) + 1)) > /tmp/trace-after
stopped=$(awk -v s="$stop" '{ printf "%.1f", $1 - s }' /proc/uptime)
cat "$log"
echo "daemon-check: /api/status: $status_json"
echo "daemon-check: gpio trace while running:"
echo "$trace_running" | sed 's/^/  /'
echo "daemon-check: gpio trace after SIGTERM:"
sed 's/^/  /' /tmp/trace-after

tick=$(grep 'tick [0-9]*:' "$log" | tail -n 1)
expected="room 19.5 °C, exhaust 30.0 °C, heatsink 40.0 °C, supply 4.8 W at 12.0 V, fan 3000 rpm"
case $tick in
    *"$expected"*) pass daemon-reads-the-stub ;;
    *) fail daemon-reads-the-stub "its last tick line says \"${tick#*tick }\", expected \"$expected\"" ;;
esac

base=$(board_gpio_base)
if echo "$trace_running" | grep -q " gpio_value: $((base + 3)) set 1" &&
    echo "$trace_running" | grep -q " gpio_value: $((base + 2)) set 1" &&
    grep -q 'hash engine\|CPU' "$log"; then
    pass daemon-probes-the-chain
else
    fail daemon-probes-the-chain "the trace shows no asic-power (GPIO $((base + 3))) and asic-reset (GPIO $((base + 2))) set to 1, or the log no CPU engine"
fi

if [ -z "$unsafe_running" ]; then pass daemon-holds-lines-safe; else fail daemon-holds-lines-safe "while hearthd ran: $unsafe_running(all: $levels_running)"; fi

if [ "$fan_configuration" = 0x20 ] && [ "$pwm_frequency" = 0x08 ]; then
    pass daemon-drives-the-fan
else
    fail daemon-drives-the-fan "EMC2101 fan configuration $fan_configuration (expected 0x20), PWM frequency $pwm_frequency (expected 0x08)"
fi
echo "daemon-check: fan setting while running $fan_running/16, lines $levels_running"

if [ "$exit_status" = 0 ] && grep -q 'outputs in their safe state' "$log"; then
    pass sigterm-exits-cleanly
else
    fail sigterm-exits-cleanly "exit status $exit_status after SIGTERM (30 s allowed), log $(grep -c 'outputs in their safe state' "$log") safe-state line(s)"
fi
echo "daemon-check: hearthd ended ${stopped} s after SIGTERM"

fan_after=$(board_fan_setting "$HIL_I2C_BUS")
if [ "$fan_after" = 16 ]; then pass sigterm-fan-safe; else fail sigterm-fan-safe "EMC2101 fan setting $fan_after after SIGTERM, expected 16 (100 %)"; fi

unsafe_trace=$(board_trace_unsafe /tmp/trace-after)
echo "daemon-check: last level set on each line after SIGTERM: $(board_trace_last /tmp/trace-after)"
if [ -z "$unsafe_trace" ]; then pass sigterm-lines-set-safe; else fail sigterm-lines-set-safe "after SIGTERM, last set: $unsafe_trace"; fi

unreleased=""
for line in $board_lines; do
    offset=${line%%:*}
    safe=${line##*:}
    [ "$(cat "$HIL_GPIO_SIM_DIR/sim_gpio$offset/value")" != "$safe" ] || unreleased="$unreleased ${line#*:}"
done
if [ -z "$unreleased" ]; then pass lines-released; else fail lines-released "still at their safe level after exit, so held or not pulled:$unreleased"; fi
