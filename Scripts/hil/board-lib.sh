# The emulated board (Scripts/hil/board.toml) inside a VM: its chips' registers, its lines, and
# what the kernel saw done to them. POSIX sh, for busybox (Scripts/hil/daemon-check.sh) and Debian's
# dash (Scripts/hil/systemd-check.sh); sourced, with the variables of Scripts/vm-setup.sh set.
# i2cset and i2cget are busybox's or i2c-tools' (the same syntax).

# The lines the board drives, with the physical level of each one's safe state (board.toml):
# fan-power active (1), asic-reset active low and active (0), asic-power inactive (0).
board_lines="0:fan-enable:1 2:asic-reset:0 3:asic-power:0"

# Writes board.toml (SOURCE) to DEST with this VM's I²C bus and hash board UART (HIL_I2C_BUS,
# HIL_UART), where the file says bus 0 and /dev/ttyS0.
board_file() { # SOURCE DEST
    [ -n "$HIL_UART" ] || { echo "no PCI serial port (ttyS*) for the hash board's UART"; return 1; }
    sed -e "s|^bus = 0$|bus = $HIL_I2C_BUS|" -e "s|^port = \"/dev/ttyS0\"$|port = \"$HIL_UART\"|" "$1" > "$2"
}

# The chips' registers as the daemon will read them. The stub keeps SMBus words, whose low byte is
# the first on the wire: these chips send their registers high byte first, so each word is the
# register with its bytes swapped.
#   TMP102 room at 0x48: 19.5 °C (0x1380, 12-bit); exhaust at 0x4a: 30.0 °C (0x1e00)
#   MCP9808 at 0x18: manufacturer 0x0054, device 0x0400, ambient 40.0 °C (0x0280)
#   INA260 at 0x40: manufacturer 0x5449, die 0x2270, 0.4 A (0x0140), 12.0 V (0x2580), 4.8 W (0x01e0):
#     below the board's idle limit (10 W), as a supply with its load off draws
#   EMC2101 at 0x4c (bytes): product 0x16, manufacturer 0x5d, tach count 1800 (0x0708): 3000 rpm
board_stub_registers() { # BUS
    i2cset -y "$1" 0x48 0x00 0x8013 w &&
        i2cset -y "$1" 0x4a 0x00 0x001e w &&
        i2cset -y "$1" 0x18 0x06 0x5400 w && i2cset -y "$1" 0x18 0x07 0x0004 w && i2cset -y "$1" 0x18 0x05 0x8002 w &&
        i2cset -y "$1" 0x40 0xfe 0x4954 w && i2cset -y "$1" 0x40 0xff 0x7022 w &&
        i2cset -y "$1" 0x40 0x01 0x4001 w && i2cset -y "$1" 0x40 0x02 0x8025 w && i2cset -y "$1" 0x40 0x03 0xe001 w &&
        i2cset -y "$1" 0x4c 0xfd 0x16 && i2cset -y "$1" 0x4c 0xfe 0x5d &&
        i2cset -y "$1" 0x4c 0x46 0x08 && i2cset -y "$1" 0x4c 0x47 0x07
}

# The EMC2101's fan setting (register 0x4c), as a decimal number: the daemon's duty × 16.
board_fan_setting() { # BUS
    echo $(($(i2cget -y "$1" 0x4c 0x4c)))
}

# Pulls every output's line to the level opposite its safe state, as a Pi's own pulls do for some
# of them at reset (Board/README.md): a line that reads safe is then one somebody drives safe.
# (gpio-sim returns a line that nobody holds to its pull.)
board_unsafe_pulls() {
    for line in $board_lines; do
        offset=${line%%:*}
        safe=${line##*:}
        if [ "$safe" = 1 ]; then pull=pull-down; else pull=pull-up; fi
        echo "$pull" > "$HIL_GPIO_SIM_DIR/sim_gpio$offset/pull" || return 1
    done
}

# Prints NAME=LEVEL for every output line, as gpio-sim sees it now.
board_line_levels() {
    for line in $board_lines; do
        offset=${line%%:*}
        name=${line#*:}
        name=${name%:*}
        printf '%s=%s ' "$name" "$(cat "$HIL_GPIO_SIM_DIR/sim_gpio$offset/value")"
    done
}

# The lines that do not read their safe level now, as NAME=LEVEL; empty when all are safe.
board_unsafe_lines() {
    for line in $board_lines; do
        offset=${line%%:*}
        safe=${line##*:}
        name=${line#*:}
        name=${name%:*}
        value=$(cat "$HIL_GPIO_SIM_DIR/sim_gpio$offset/value")
        [ "$value" = "$safe" ] || printf '%s=%s ' "$name" "$value"
    done
}

# The kernel's gpio_value trace events: every level any process sets on a GPIO line, with the
# process, whatever the line does afterwards. board_trace_start clears and starts the record.
board_tracing=/sys/kernel/tracing
board_trace_start() {
    [ -d "$board_tracing/events" ] || mount -t tracefs tracefs "$board_tracing" || return 1
    echo 0 > "$board_tracing/tracing_on" &&
        echo 1 > "$board_tracing/events/gpio/gpio_value/enable" &&
        : > "$board_tracing/trace" &&
        echo 1 > "$board_tracing/tracing_on"
}

# The global GPIO number of hil-gpio's line 0 (trace events name lines by it).
board_gpio_base() {
    for chip in /sys/class/gpio/gpiochip*; do
        [ "$(cat "$chip/label")" = "$HIL_GPIO_CHIP_LABEL" ] && cat "$chip/base" && return 0
    done
    return 1
}

# The trace's gpio_value events so far, one a line.
board_trace_events() {
    grep ' gpio_value: ' "$board_tracing/trace"
}

# For every output line, the last level set on it in FILE (board_trace_events' lines) and by
# which process, as NAME=LEVEL(PROCESS); NAME=none where nothing set it.
board_trace_last() { # FILE
    base=$(board_gpio_base) || return 1
    for line in $board_lines; do
        offset=${line%%:*}
        name=${line#*:}
        name=${name%:*}
        # A line: "  hearthd-123  [001] .....  12.3: gpio_value: 505 set 1"
        last=$(grep " gpio_value: $((base + offset)) set " "$1" | tail -n 1)
        if [ -z "$last" ]; then
            printf '%s=none ' "$name"
        else
            # The trace shows the thread's name, cut to its last 16 characters or fewer.
            process=$(echo "$last" | sed 's/^ *\(.*\)-[0-9]* *\[.*/\1/')
            printf '%s=%s(%s) ' "$name" "${last##* }" "$process"
        fi
    done
}

# The same, checked: prints the lines whose last level in FILE is not their safe level (or that
# nothing set), empty when every line was last set safe.
board_trace_unsafe() { # FILE
    for entry in $(board_trace_last "$1"); do
        name=${entry%%=*}
        level=${entry#*=}
        level=${level%%(*}
        for line in $board_lines; do
            case $line in *":$name:"*) [ "$level" = "${line##*:}" ] || printf '%s ' "$entry" ;; esac
        done
    done
}
