# The simulated hardware of the emulated boards, set up inside the VM by busybox sh: sourced by
# the init that Scripts/hil-vm.sh and Scripts/systemd-vm.sh write, from /hil/setup.sh, with the modules
# in /hil/modules (Scripts/vm-lib.sh puts them there). hil_init installs busybox's applets, mounts
# /proc, /sys, /dev and /tmp and takes the console.
#
# hil_setup loads the modules in /hil/modules/order, makes the gpio-sim chip through configfs and
# finds the i2c-stub adapter; it prints why and returns 1 when any of that fails. It exports:
#   HIL_GPIO_CHIP_LABEL=hil-gpio     label of the simulated chip: 8 lines, line 0 "fan-enable",
#                                    line 1 "fan-tach", line 2 "asic-reset", line 3 "asic-power"
#   HIL_GPIO_CHIP_DEV=/dev/gpiochipM its character device
#   HIL_GPIO_SIM_DIR=/sys/devices/platform/gpio-sim.0/gpiochipM
#                                    holds sim_gpioK/value and sim_gpioK/pull (pull-up, pull-down)
#                                    for line K: the simulated outside world of the chip
#   HIL_I2C_DEV=/dev/i2c-N, HIL_I2C_BUS=N
#                                    the i2c-stub adapter ("SMBus stub driver")
#   HIL_I2C_STUB_ADDRESS=0x48        the first address its simulated chips answer at
#   HIL_I2C_STUB_ADDRESSES=0x48,...  all of them
#   HIL_UART=/dev/ttySN              the PCI serial port (a 16550, for the hash board's UART) where
#                                    the VM has one; empty otherwise
# and writes the same as shell `export` lines to /tmp/hil-env.

# The start of every init: busybox's applets, the kernel's file systems, and the console as
# input and output.
hil_init() {
    /bin/busybox --install -s /bin
    export PATH=/bin
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
    mount -t tmpfs tmpfs /tmp
    exec < /dev/console > /dev/console 2>&1
}

hil_wait_for() { # PATH: waits up to 5 s for devtmpfs to create it
    tries=0
    while [ ! -e "$1" ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
    [ -e "$1" ]
}

hil_setup() {
    while read -r module parameters; do
        # shellcheck disable=SC2086 # the parameters are words
        insmod "/hil/modules/$module.ko" $parameters || { echo "insmod $module failed"; return 1; }
        case $parameters in chip_addr=*) HIL_I2C_STUB_ADDRESSES=${parameters#chip_addr=} ;; esac
    done < /hil/modules/order
    mount -t configfs configfs /sys/kernel/config || { echo "cannot mount configfs"; return 1; }

    sim=/sys/kernel/config/gpio-sim/hil
    mkdir "$sim" "$sim/bank0" &&
        echo hil-gpio > "$sim/bank0/label" &&
        echo 8 > "$sim/bank0/num_lines" &&
        mkdir "$sim/bank0/line0" && echo fan-enable > "$sim/bank0/line0/name" &&
        mkdir "$sim/bank0/line1" && echo fan-tach > "$sim/bank0/line1/name" &&
        mkdir "$sim/bank0/line2" && echo asic-reset > "$sim/bank0/line2/name" &&
        mkdir "$sim/bank0/line3" && echo asic-power > "$sim/bank0/line3/name" &&
        echo 1 > "$sim/live" || { echo "cannot create the gpio-sim chip through configfs"; return 1; }
    chip=$(cat "$sim/bank0/chip_name")
    device=$(cat "$sim/dev_name")
    export HIL_GPIO_CHIP_LABEL=hil-gpio
    export HIL_GPIO_CHIP_DEV="/dev/$chip"
    export HIL_GPIO_SIM_DIR="/sys/devices/platform/$device/$chip"
    [ -d "$HIL_GPIO_SIM_DIR/sim_gpio0" ] || { echo "gpio-sim made no $HIL_GPIO_SIM_DIR/sim_gpio0"; return 1; }
    hil_wait_for "$HIL_GPIO_CHIP_DEV" || { echo "no $HIL_GPIO_CHIP_DEV"; return 1; }

    for adapter in /sys/class/i2c-adapter/*; do
        [ "$(cat "$adapter/name" 2> /dev/null)" = "SMBus stub driver" ] && export HIL_I2C_DEV="/dev/${adapter##*/}"
    done
    [ -n "${HIL_I2C_DEV:-}" ] || { echo "no i2c adapter named \"SMBus stub driver\""; return 1; }
    hil_wait_for "$HIL_I2C_DEV" || { echo "no $HIL_I2C_DEV"; return 1; }
    export HIL_I2C_BUS="${HIL_I2C_DEV#/dev/i2c-}"
    export HIL_I2C_STUB_ADDRESSES
    export HIL_I2C_STUB_ADDRESS="${HIL_I2C_STUB_ADDRESSES%%,*}"
    HIL_UART=""
    for tty in /sys/class/tty/ttyS*; do
        case $(readlink -f "$tty/device" 2> /dev/null) in */pci*) HIL_UART=/dev/${tty##*/}; break ;; esac
    done
    export HIL_UART
    for name in HIL_UART HIL_GPIO_CHIP_LABEL HIL_GPIO_CHIP_DEV HIL_GPIO_SIM_DIR HIL_I2C_DEV HIL_I2C_BUS HIL_I2C_STUB_ADDRESS HIL_I2C_STUB_ADDRESSES; do
        eval "echo \"export $name=\$$name\""
    done > /tmp/hil-env
}
