#!/bin/sh
# Runs as root inside the systemd VM (Scripts/systemd-vm.sh), once systemd has booted the Debian
# root file system: installs the package with dpkg, runs its hearthd.service on the emulated board
# (Scripts/hil/board.toml), and checks the unit as systemd runs it. One line per check,
# `VM-CHECK pass NAME` or `VM-CHECK fail NAME: REASON`, measurements as `VM-NOTE ...`, and last
# `SYSTEMD-VM: N passed, M failed`. The files it uses are in /usr/local/lib/hearth-vm, the
# simulated hardware's variables (Scripts/vm-setup.sh) in /etc/hearth-vm/env.
set -u
vm=/usr/local/lib/hearth-vm
. /etc/hearth-vm/env
. "$vm/board-lib.sh"
passed=0
failed=0
pass() { echo "VM-CHECK pass $1"; passed=$((passed + 1)); }
fail() { echo "VM-CHECK fail $1: $2"; failed=$((failed + 1)); }
note() { echo "VM-NOTE $*"; }
finish() {
    echo "SYSTEMD-VM: $passed passed, $failed failed"
    exit 0
}
property() { systemctl show -p "$2" --value "$1"; } # UNIT PROPERTY
main_pid() { property hearthd MainPID; }
# Waits up to SECONDS for COMMAND to succeed.
wait_until() { # SECONDS COMMAND...
    limit=$(($1 * 10))
    shift
    tries=0
    until "$@"; do
        [ $tries -ge $limit ] && return 1
        sleep 0.1
        tries=$((tries + 1))
    done
}
# Up and READY again after a restart: more than RESTARTS restarts counted, active, with a main
# process (each read on its own, as a busy systemd may leave one systemctl call empty).
restarted() { # RESTARTS
    count=$(property hearthd NRestarts)
    pid=$(main_pid)
    [ "${count:-0}" -gt "$1" ] && [ "$(property hearthd ActiveState)" = active ] && [ "${pid:-0}" -gt 1 ]
}
ready_seconds() { # the time from hearthd's fork to its READY=1, for the current main process
    echo "$(property hearthd ExecMainStartTimestampMonotonic) $(property hearthd ActiveEnterTimestampMonotonic)" |
        awk '{ printf "%.2f", ($2 - $1) / 1e6 }'
}

udevadm settle
note "kernel $(uname -r) ($(uname -m)), systemd $(systemctl --version | head -n 1 | cut -d' ' -f2)"

# --- The package, installed as an owner would. ---
if dpkg -i "$vm/hearth.deb" > /tmp/dpkg.log 2>&1; then
    pass deb-installs
else
    cat /tmp/dpkg.log
    fail deb-installs "dpkg -i $(basename "$(readlink -f "$vm/hearth.deb")") failed"
    finish
fi
groups=" $(id -nG hearth 2> /dev/null) "
missing=""
for group in i2c gpio dialout; do
    case $groups in *" $group "*) ;; *) missing="$missing $group" ;; esac
done
if [ -z "$missing" ]; then pass user-in-device-groups; else fail user-in-device-groups "the hearth user's groups are$groups; it lacks$missing"; fi

# --- The emulated board, and a configuration that names it. ---
problem=$(board_file "$vm/board.toml" /etc/hearth/emulated.toml) || { fail board-setup "$problem"; finish; }
cat > /etc/hearth/hearth.toml << CONFIG
# Written by Scripts/hil/systemd-check.sh: the emulated board, no pool (the CPU hashes local work).
board = "/etc/hearth/emulated.toml"
state = "/var/lib/hearth/state.json"

[api]
listen = "127.0.0.1:8080"
cgminer = "off"
CONFIG
if ! output=$(hearth config check /etc/hearth/hearth.toml 2>&1); then
    fail config-check "$output"
    finish
fi
board_stub_registers "$HIL_I2C_BUS" || { fail board-setup "writing i2c-stub's registers failed"; finish; }
board_unsafe_pulls || { fail board-setup "cannot set gpio-sim's pulls"; finish; }
board_trace_start && echo 1 > "$board_tracing/events/smbus/smbus_write/enable" ||
    { fail board-setup "cannot start the kernel's gpio and smbus trace events"; finish; }
note "devices: $(ls -l "$HIL_I2C_DEV" "$HIL_GPIO_CHIP_DEV" "$HIL_UART" | awk '{ printf "%s %s:%s %s; ", $NF, $3, $4, $1 }')"

# --- Started by systemd: READY=1 within the start timeout, as the hearth user. ---
if systemctl start hearthd; then
    pass starts-and-reports-ready
else
    systemctl status --no-pager hearthd
    journalctl -u hearthd --no-pager -o cat | tail -n 30
    fail starts-and-reports-ready "systemctl start hearthd failed: $(property hearthd Result)"
    finish
fi
first_pid=$(main_pid)
note "startup: $(ready_seconds) s from fork to READY=1"
user=$(ps -o user= -p "$first_pid")
if [ "$user" = hearth ]; then pass runs-as-hearth; else fail runs-as-hearth "MainPID $first_pid runs as $user"; fi

sleep 5
tick=$(journalctl -u hearthd --no-pager -o cat | grep 'tick [0-9]*:' | tail -n 1)
expected="room 19.5 °C, exhaust 30.0 °C, heatsink 40.0 °C, supply 4.8 W at 12.0 V, fan 3000 rpm"
case $tick in
    *"$expected"*) pass reads-the-stub-in-the-sandbox ;;
    *) fail reads-the-stub-in-the-sandbox "its last tick line says \"${tick#*tick }\", expected \"$expected\"" ;;
esac
# The API through the sandbox's network (perl-base is in every Debian root file system).
status=$(timeout 20 perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new("127.0.0.1:8080") or die "connect: $!\n";
    print $s "GET /api/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"; print while <$s>;' 2>&1 | tail -n 1)
case $status in
    *'"room":19.5'*) pass api-answers ;;
    *) fail api-answers "GET /api/status on 127.0.0.1:8080: ${status:-no answer}" ;;
esac
unsafe=$(board_unsafe_lines)
if [ -z "$unsafe" ]; then pass holds-lines-safe; else fail holds-lines-safe "while it runs: $unsafe"; fi
if [ "$(i2cget -y "$HIL_I2C_BUS" 0x4c 0x4a)" = 0x20 ]; then pass drives-the-fan; else fail drives-the-fan "the EMC2101 is not set for manual control"; fi
if grep -q " gpio_value: $(($(board_gpio_base) + 3)) set 1" "$board_tracing/trace"; then
    pass probes-the-chain
else
    fail probes-the-chain "the trace shows no asic-power set to 1 (the chain probe on $HIL_UART)"
fi

# --- The sandbox: copies of the unit (its sandbox untouched, the program a probe), once as its
# hearth user, whose opens need the device policy and the file permissions, and once as root,
# whose opens only the sandbox can refuse. ---
for who in hearth root; do
    unit=hearth-probe-$who.service
    cp "$(property hearthd FragmentPath)" "/run/systemd/system/$unit"
    mkdir -p "/run/systemd/system/$unit.d"
    {
        echo "[Service]"
        echo "Type=oneshot"
        echo "ExecStart="
        echo "ExecStart=/bin/sh $vm/sandbox-probe.sh"
        echo "ExecStopPost="
        echo "WatchdogSec=0"
        echo "Restart=no"
        echo "StandardOutput=file:/run/$unit.out"
        [ $who = root ] && printf 'User=root\nGroup=root\n'
    } > "/run/systemd/system/$unit.d/probe.conf"
done
systemctl daemon-reload
for who in hearth root; do
    systemctl start "hearth-probe-$who.service" || fail sandbox-probe "the probe as $who did not run: $(property "hearth-probe-$who.service" Result)"
    sed "s/^PROBE /  as $who: /" "/run/hearth-probe-$who.service.out"
done
probe() { grep -q "^PROBE $2 $3" "/run/hearth-probe-$1.service.out"; } # WHO PATH ok|denied
wrong=""
for path in "$HIL_I2C_DEV" "$HIL_GPIO_CHIP_DEV" "$HIL_UART" /var/lib/hearth; do
    probe hearth "$path" ok || wrong="$wrong $path"
done
if [ -z "$wrong" ]; then pass sandbox-opens-what-it-needs; else fail sandbox-opens-what-it-needs "as hearth, refused:$wrong"; fi
wrong=""
for path in /dev/vda /dev/mem /dev/kmsg /dev/rtc0 /etc /usr/local /home /root; do
    [ -e "$path" ] || continue
    probe root "$path" denied || wrong="$wrong $path"
done
for path in "$HIL_I2C_DEV" "$HIL_GPIO_CHIP_DEV" "$HIL_UART"; do
    probe root "$path" ok || wrong="$wrong $path(refused)"
done
if [ -z "$wrong" ]; then pass sandbox-refuses-the-rest; else fail sandbox-refuses-the-rest "even as root the sandbox let through:$wrong"; fi
security=$(systemd-analyze security --no-pager hearthd.service 2>&1)
echo "$security" | sed 's/^/  /'
note "systemd-analyze security: $(echo "$security" | grep 'Overall exposure level' | sed 's/.*: //')"

# --- The watchdog: fed every tick, so the daemon outlives WatchdogSec; a stopped one is killed
# and restarted. ---
sleep 12
if [ "$(main_pid)" = "$first_pid" ] && [ "$(property hearthd ActiveState)" = active ] && [ "$(property hearthd WatchdogTimestampMonotonic)" != 0 ]; then
    pass watchdog-fed
else
    fail watchdog-fed "after 17 s (WatchdogSec=$(property hearthd WatchdogUSec)): MainPID $(main_pid) (was $first_pid), $(property hearthd ActiveState), last ping at $(property hearthd WatchdogTimestampMonotonic) µs"
fi
restarts=$(property hearthd NRestarts)
kill -STOP "$first_pid"
if wait_until 60 restarted "$restarts" && journalctl -u hearthd --no-pager -o cat | grep -q 'Watchdog timeout'; then
    pass watchdog-restarts-a-hung-daemon
    note "restart after the watchdog: $(ready_seconds) s from fork to READY=1"
else
    fail watchdog-restarts-a-hung-daemon "60 s after SIGSTOP: MainPID $(main_pid), $(property hearthd ActiveState), $(property hearthd NRestarts) restarts, result $(property hearthd Result)"
fi

# --- kill -9: ExecStopPost's hearth safe drives every output safe with no daemon, and systemd
# restarts it. The trace shows what hearth safe itself set (the new daemon sets them safe too). ---
sleep 3
pid=$(main_pid)
# Only ever hearthd: a MainPID of 0 (no main process) would make kill signal this script's own group.
if [ "${pid:-0}" -le 1 ] || [ "$(cat "/proc/$pid/comm" 2> /dev/null)" != hearthd ]; then
    journalctl -u hearthd --no-pager -o cat | tail -n 20 | sed 's/^/  hearthd: /'
    fail kill-9-restarts "3 s after the watchdog's restart hearthd's MainPID is ${pid:-unknown} ($(property hearthd ActiveState)/$(property hearthd SubState), $(property hearthd NRestarts) restarts, result $(property hearthd Result))"
    finish
fi
: > "$board_tracing/trace"
killed=$(date +%s)
restarts=$(property hearthd NRestarts)
kill -KILL "$pid"
if wait_until 60 restarted "$restarts"; then
    pass kill-9-restarts
else
    fail kill-9-restarts "60 s after SIGKILL: MainPID $(main_pid), $(property hearthd ActiveState), $(property hearthd NRestarts) restarts"
fi
# What hearth safe printed, and what systemd says of it (a failed control process is logged).
stop_post=$(journalctl -u hearthd --since "@$killed" --no-pager -o cat | grep -E 'in their safe state$|^not safe: |Control process exited' | grep -v 'hearth stopped after')
note "after kill -9: $(echo "$stop_post" | tr '\n' ';')"
grep -E '^ *hearth-[0-9]+ ' "$board_tracing/trace" > /tmp/safe-trace
echo "  trace of hearth safe:"
sed 's/^/    /' /tmp/safe-trace
unsafe=$(grep ' gpio_value: ' /tmp/safe-trace > /tmp/safe-gpio; board_trace_unsafe /tmp/safe-gpio)
case $stop_post in
    *"not safe: "* | *"Control process exited"*) unsafe="$unsafe (hearth safe failed: $stop_post)" ;;
    *"output(s) and the fan in their safe state"*) ;;
    *) unsafe="$unsafe (hearth safe said nothing in the journal)" ;;
esac
grep -q 'smbus_write: i2c-[0-9]* a=04c f=0000 c=4c BYTE_DATA l=1 \[10\]' /tmp/safe-trace || unsafe="$unsafe (no fan setting of 16 written)"
if [ -z "$unsafe" ]; then pass kill-9-leaves-outputs-safe; else fail kill-9-leaves-outputs-safe "hearth safe (ExecStopPost) set: $(board_trace_last /tmp/safe-gpio)$unsafe"; fi

# --- Footprint, after a minute of the running daemon. ---
pid=$(main_pid)
sleep 60
note "RSS after 60 s: $(awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s%s %s %s", sep, $1, $2, $3; sep = ", " }' "/proc/$pid/status"), threads $(awk '/^Threads/ { print $2 }' "/proc/$pid/status"), CPU $(awk '{ printf "%.1f s", ($14 + $15) / 100 }' "/proc/$pid/stat") (user+system since start)"

# --- A clean stop. ---
: > "$board_tracing/trace"
systemctl stop hearthd
grep ' gpio_value: ' "$board_tracing/trace" > /tmp/stop-gpio
unsafe=$(board_trace_unsafe /tmp/stop-gpio)
if [ "$(property hearthd ActiveState)" = inactive ] && [ "$(property hearthd Result)" = success ] && [ -z "$unsafe" ]; then
    pass stops-safe
else
    fail stops-safe "after systemctl stop: $(property hearthd ActiveState), result $(property hearthd Result), lines last set $(board_trace_last /tmp/stop-gpio)"
fi
journalctl -u hearthd --no-pager -o cat | tail -n 15 | sed 's/^/  hearthd: /'
finish
