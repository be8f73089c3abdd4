#!/usr/bin/env bash
# Hardware-in-the-loop test in a virtual machine: boots Debian 12's stock kernel in QEMU with a
# simulated GPIO chip (gpio-sim) and a simulated SMBus chip (i2c-stub), runs the given programs
# inside it, and fails unless every check they print passes.
#
#   Scripts/hil-vm.sh PROGRAM...
#
# Each PROGRAM is a host executable; it is copied into the VM with the shared libraries `ldd`
# finds for it (so the caller's LD_LIBRARY_PATH counts) and runs there as root, one after another,
# with these variables set:
#   HIL_GPIO_CHIP_LABEL=hil-gpio     label of the simulated chip: 8 lines, line 0 "fan-enable",
#                                    line 1 "fan-tach", line 2 "asic-reset"
#   HIL_GPIO_CHIP_DEV=/dev/gpiochipM its character device
#   HIL_GPIO_SIM_DIR=/sys/devices/platform/gpio-sim.0/gpiochipM
#                                    holds sim_gpioK/value and sim_gpioK/pull (pull-up, pull-down)
#                                    for line K: the simulated outside world of the chip
#   HIL_I2C_DEV=/dev/i2c-N           the i2c-stub adapter ("SMBus stub driver")
#   HIL_I2C_STUB_ADDRESS=0x48        the address its simulated chip answers at
# A program prints one line per check, `HIL-CHECK pass NAME` or `HIL-CHECK fail NAME: REASON`,
# among any other output. A program that exits non-zero, crashes, runs longer than
# HIL_PROGRAM_TIMEOUT seconds (default 120) or prints no check at all counts as one more failed
# check named after it. The VM prints `HIL: N passed, M failed` and reports the same through
# QEMU's isa-debug-exit device; the whole run is limited to HIL_TIMEOUT seconds (default 300).
# The console is shown and kept in .build-hil/console.log.
#
# What it fetches, into .build-hil/ (with `apt-get download` from this machine's apt sources;
# nothing is installed, and a second run downloads nothing unless the kernel was updated):
#   linux-image-6.1.0-N-amd64        the kernel the VM boots (N: what linux-image-amd64 depends
#                                    on), and its configfs, i2c-dev and i2c-stub modules
#   linux-source-6.1                 Debian's kernel lacks gpio-sim (and gpio-mockup): the module is
#                                    built from three files of the source of the very same version,
#   linux-headers-6.1.0-N-amd64, linux-headers-6.1.0-N-common, linux-kbuild-6.1
#                                    against these headers
#   busybox-static                   the VM's shell and tools
# The host needs qemu-system-x86, gcc-12 and make (installed when missing). The host's own kernel,
# modules, /boot and /usr/src are never read or touched: the VM's kernel is a separate file.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

[ $# -gt 0 ] || hearth_die "usage: Scripts/hil-vm.sh PROGRAM... (host executables to run inside the VM)"
[ "$(dpkg --print-architecture)" = amd64 ] || hearth_die "the HIL VM runs amd64 programs on Debian's amd64 kernel; this is a $(dpkg --print-architecture) machine"
for program in "$@"; do
    { [ -f "$program" ] && [ -x "$program" ]; } || hearth_die "$program is not an executable file"
done

hearth_need_packages qemu-system-x86 cpio gzip xz-utils gcc-12 make kmod libelf1 libssl3

cache=$PWD/.build-hil
debs=$cache/debs
mkdir -p "$debs"

# --- Which kernel: the one Debian 12's linux-image-amd64 currently depends on. ---
image_depends() {
    apt-cache show --no-all-versions linux-image-amd64 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1
}
depends=$(image_depends)
if [ -z "$depends" ]; then
    hearth_as_root apt-get update -qq
    depends=$(image_depends)
fi
[ -n "$depends" ] || hearth_die "apt knows no linux-image-amd64 package: the VM boots Debian's amd64 kernel, and this machine's apt sources do not offer it"
# Its Depends names the image and its version, e.g. "linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
release=$(grep -o 'linux-image-6\.1\.0-[0-9]*-amd64' <<< "$depends" | head -n 1 | sed 's/^linux-image-//')
[ -n "$release" ] || hearth_die "linux-image-amd64 depends on \"$depends\", not on a Debian 12 (bookworm) 6.1 kernel; this script needs bookworm's apt sources"
version=$(sed -n "s/.*linux-image-$release (= \([^)]*\)).*/\1/p" <<< "$depends")
[ -n "$version" ] || hearth_die "linux-image-amd64 depends on \"$depends\", without the exact version of linux-image-$release"
abi=${release%-amd64}

# --- Downloads (kept in .build-hil/debs; the kernel's packages pinned to the image's version,
# since gpio-sim is built from its source and against its headers). ---
declare -A why=(
    [linux-image-$release]="the kernel the VM boots, with its configfs, i2c-dev and i2c-stub modules"
    [linux-source-6.1]="the gpio-sim module, which Debian's kernel lacks, is built from it"
    [linux-headers-$release]="the gpio-sim module is built against these headers"
    [linux-headers-$abi-common]="the gpio-sim module is built against these headers"
    [linux-kbuild-6.1]="the kernel's build tools, which build the gpio-sim module"
    [busybox-static]="the VM's shell and tools"
)
specs=(busybox-static)
for package in "linux-image-$release" linux-source-6.1 "linux-headers-$release" "linux-headers-$abi-common" linux-kbuild-6.1; do
    specs+=("$package=$version")
done
apt_options=(-o "APT::Sandbox::User=$(id -un)")
download_error() { # SPEC OUTPUT
    hearth_die "apt-get download $1 failed: $(tr '\n' ' ' <<< "${2:-no message}" | sed 's/ *$//') — ${why[${1%%=*}]:-these packages are what the HIL VM is made of}"
}
# One apt call names every file (apt is slow to start); on failure, one call per package says which.
if ! uris=$(apt-get "${apt_options[@]}" -qq --print-uris download "${specs[@]}" 2>&1); then
    for spec in "${specs[@]}"; do
        output=$(apt-get "${apt_options[@]}" -qq --print-uris download "$spec" 2>&1) || download_error "$spec" "$output"
    done
    download_error "${specs[*]}" "$uris"
fi
declare -A deb
for spec in "${specs[@]}"; do
    package=${spec%%=*}
    file=$(awk -v prefix="${package}_" 'index($2, prefix) == 1 { print $2 }' <<< "$uris" | head -n 1)
    [ -n "$file" ] || download_error "$spec" "apt named no file for it"
    if [ ! -f "$debs/$file" ]; then
        hearth_say "downloading $spec"
        rm -f "$debs/${package}_"*.deb
        output=$(cd "$debs" && apt-get "${apt_options[@]}" -qq download "$spec" 2>&1) || download_error "$spec" "$output"
        [ -f "$debs/$file" ] || download_error "$spec" "it left no $file in ${debs#"$PWD/"}"
    fi
    deb[$package]=$debs/$file
done

# A step's output folder is reused while its stamp names the same inputs.
fresh() { [ -f "$1/.done" ] && [ "$(cat "$1/.done")" = "$2" ]; }
stamp() { echo "$2" > "$1/.done"; }

# --- The kernel and its modules, the few files the VM needs out of the 400 MB package. ---
kernel=$cache/kernel
modules_dir=lib/modules/$release/kernel
stock_modules=(fs/configfs/configfs drivers/i2c/i2c-dev drivers/i2c/i2c-stub)
if ! fresh "$kernel" "$version"; then
    hearth_say "extracting linux-image-$release"
    rm -rf "$kernel"
    mkdir -p "$kernel"
    dpkg-deb --fsys-tarfile "${deb[linux-image-$release]}" |
        tar -x -C "$kernel" "./boot/vmlinuz-$release" "./boot/config-$release" "./lib/modules/$release/modules.builtin" \
            || hearth_die "linux-image-$release lacks its kernel or module list"
    members=()
    for module in "${stock_modules[@]}"; do
        grep -qx "kernel/$module.ko" "$kernel/lib/modules/$release/modules.builtin" || members+=("./$modules_dir/$module.ko")
    done
    if [ ${#members[@]} -gt 0 ]; then
        dpkg-deb --fsys-tarfile "${deb[linux-image-$release]}" | tar -x -C "$kernel" "${members[@]}" ||
            hearth_die "linux-image-$release lacks one of the modules ${members[*]##*/} (neither built in nor a file)"
    fi
    stamp "$kernel" "$version"
fi
for option in CONFIG_GPIOLIB=y CONFIG_GPIO_CDEV=y CONFIG_I2C=y CONFIG_DEVTMPFS=y CONFIG_DEVPORT=y CONFIG_BLK_DEV_INITRD=y CONFIG_RD_GZIP=y; do
    grep -qx "$option" "$kernel/boot/config-$release" || hearth_die "the $release kernel is not built with $option, which the HIL VM needs"
done

# --- The gpio-sim module, built out of tree from the kernel's own source. ---
headers=$cache/headers
if ! fresh "$headers" "$version"; then
    hearth_say "extracting the $release headers and build tools"
    rm -rf "$headers"
    for package in "linux-headers-$release" "linux-headers-$abi-common" linux-kbuild-6.1; do
        dpkg-deb -x "${deb[$package]}" "$headers"
    done
    # The headers' Makefile includes the common part by its installed path, /usr/src/...: point
    # it at the extracted copy (the symlinks to the build tools are relative and need nothing).
    sed -i "s|^include /usr/src/|include $headers/usr/src/|" "$headers/usr/src/linux-headers-$release/Makefile"
    grep -q "^include $headers/" "$headers/usr/src/linux-headers-$release/Makefile" ||
        hearth_die "cannot point linux-headers-$release's Makefile at the extracted headers: it has no 'include /usr/src/...' line"
    stamp "$headers" "$version"
fi

source_files=(drivers/gpio/gpio-sim.c drivers/gpio/gpiolib.h kernel/irq/irq_sim.c)
src=$cache/src
if ! fresh "$src" "$version"; then
    hearth_say "extracting gpio-sim's source from linux-source-6.1"
    rm -rf "$src"
    mkdir -p "$src"
    dpkg-deb --fsys-tarfile "${deb[linux-source-6.1]}" | tar -x -O ./usr/src/linux-source-6.1.tar.xz |
        tar -xJ -C "$src" --strip-components=1 "${source_files[@]/#/linux-source-6.1/}" ||
        hearth_die "linux-source-6.1 lacks one of ${source_files[*]}, from which the gpio-sim module is built"
    stamp "$src" "$version"
fi

build=$cache/gpio-sim
if ! fresh "$build" "$version"; then
    hearth_say "building the gpio-sim module for $release"
    rm -rf "$build"
    mkdir -p "$build"
    cp "${source_files[@]/#/$src/}" "$build/"
    # The kernel is built without CONFIG_IRQ_SIM, which gpio-sim needs: irq_sim.c becomes a
    # module of its own. As a module it cannot reach irq_to_desc(); generic_handle_irq() calls the
    # same handle_simple_irq() that irq_sim sets for each of its interrupts.
    sed -i 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)));/generic_handle_irq(\1);/' "$build/irq_sim.c"
    grep -q 'generic_handle_irq(' "$build/irq_sim.c" ||
        hearth_die "irq_sim.c of linux-source-6.1 $version no longer calls handle_simple_irq(irq_to_desc(...)); the patch that makes it a module needs updating"
    printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("Simulated interrupts, built out of tree for the HIL VM");\n' >> "$build/irq_sim.c"
    printf 'obj-m := irq_sim.o gpio-sim.o\n' > "$build/Kbuild"
    log=$build/build.log
    make -C "$headers/usr/src/linux-headers-$release" M="$build" modules > "$log" 2>&1 ||
        { cat "$log" >&2; hearth_die "building the gpio-sim module failed (log: $log)"; }
    stamp "$build" "$version"
fi

# Load order in the VM, with parameters; each module's dependencies must come before it.
load=()
for module in "${stock_modules[@]}"; do
    if [ -f "$kernel/$modules_dir/$module.ko" ]; then load+=("$kernel/$modules_dir/$module.ko"); fi
done
load+=("$build/irq_sim.ko" "$build/gpio-sim.ko")
loaded=()
for file in "${load[@]}"; do
    name=$(basename "$file" .ko)
    for dependency in $(modinfo -F depends "$file" | tr ',' ' '); do
        [[ " ${loaded[*]} " == *" ${dependency//_/-} "* || " ${loaded[*]} " == *" ${dependency//-/_} "* ]] ||
            hearth_die "module $name needs module $dependency, which the HIL VM does not load"
    done
    loaded+=("$name")
done

busybox=$cache/busybox
if ! fresh "$busybox" "${deb[busybox-static]}"; then
    rm -rf "$busybox"
    dpkg-deb -x "${deb[busybox-static]}" "$busybox"
    stamp "$busybox" "${deb[busybox-static]}"
fi

# --- The initramfs: busybox, the modules, the programs and their libraries, and /init. ---
hearth_say "packing the initramfs with ${#} program(s)"
root=$cache/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,hil/bin,hil/lib,hil/modules}
cp "$busybox/bin/busybox" "$root/bin/busybox"
: > "$root/hil/modules/order"
for file in "${load[@]}"; do
    cp "$file" "$root/hil/modules/"
    name=$(basename "$file" .ko)
    case $name in
        i2c-stub) echo "$name chip_addr=0x48" ;;
        *) echo "$name" ;;
    esac >> "$root/hil/modules/order"
done

index=0
for program in "$@"; do
    index=$((index + 1))
    name=$(printf '%02d-%s' "$index" "$(basename "$program")")
    cp -L "$program" "$root/hil/bin/$name"
    if ! libraries=$(ldd "$program" 2>&1); then
        grep -q 'not a dynamic executable' <<< "$libraries" || hearth_die "ldd $program failed: $libraries"
        continue
    fi
    unfound=$(awk '$2 == "=>" && $3 == "not" { printf "%s ", $1 }' <<< "$libraries")
    [ -z "$unfound" ] || hearth_die "$program needs ${unfound% }, which ldd cannot find (LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-})"
    while read -r soname arrow path _; do
        if [ "$arrow" = "=>" ] && [[ $path == /* ]]; then
            # Libraries go to /hil/lib by the name the program asks for, wherever ldd found them.
            target=$root/hil/lib/$soname
            if [ -e "$target" ]; then
                cmp -s "$path" "$target" || hearth_die "two programs need different files named $soname (one is $path); they cannot share the VM"
            else
                cp -L "$path" "$target"
            fi
        elif [[ $soname == /* ]]; then
            # The dynamic loader, at the path the program names.
            mkdir -p "$root$(dirname "$soname")"
            [ -e "$root$soname" ] || cp -L "$soname" "$root$soname"
        fi
    done <<< "$libraries"
done

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
# /init of the HIL VM, written by Scripts/hil-vm.sh: sets up the simulated hardware, runs the
# programs in /hil/bin, prints the summary and reports it through isa-debug-exit.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec < /dev/console > /dev/console 2>&1

checks=/tmp/hil-checks
: > "$checks"
fail() { echo "HIL-CHECK fail $1" | tee -a "$checks"; }

# Reports through QEMU's isa-debug-exit (I/O port 0xf4): 0 all passed, 1 otherwise; QEMU then
# exits with status 1 or 3.
finish() {
    passed=$(grep -c '^HIL-CHECK pass ' "$checks")
    failed=$(grep -c '^HIL-CHECK fail ' "$checks")
    echo "HIL: $passed passed, $failed failed"
    if [ "$failed" = 0 ] && [ "$passed" -gt 0 ]; then printf '\000'; else printf '\001'; fi |
        dd of=/dev/port bs=1 seek=244 count=1 2> /dev/null
    echo "HIL: isa-debug-exit did not stop the VM; powering off"
    poweroff -f
}

wait_for() { # PATH: waits up to 5 s for devtmpfs to create it
    tries=0
    while [ ! -e "$1" ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
    [ -e "$1" ]
}

setup() {
    while read -r module parameters; do
        # shellcheck disable=SC2086 # the parameters are words
        insmod "/hil/modules/$module.ko" $parameters || { fail "vm-setup: insmod $module failed"; return 1; }
    done < /hil/modules/order
    mount -t configfs configfs /sys/kernel/config || { fail "vm-setup: cannot mount configfs"; return 1; }

    sim=/sys/kernel/config/gpio-sim/hil
    mkdir "$sim" "$sim/bank0" &&
        echo hil-gpio > "$sim/bank0/label" &&
        echo 8 > "$sim/bank0/num_lines" &&
        mkdir "$sim/bank0/line0" && echo fan-enable > "$sim/bank0/line0/name" &&
        mkdir "$sim/bank0/line1" && echo fan-tach > "$sim/bank0/line1/name" &&
        mkdir "$sim/bank0/line2" && echo asic-reset > "$sim/bank0/line2/name" &&
        echo 1 > "$sim/live" || { fail "vm-setup: cannot create the gpio-sim chip through configfs"; return 1; }
    chip=$(cat "$sim/bank0/chip_name")
    device=$(cat "$sim/dev_name")
    export HIL_GPIO_CHIP_LABEL=hil-gpio
    export HIL_GPIO_CHIP_DEV="/dev/$chip"
    export HIL_GPIO_SIM_DIR="/sys/devices/platform/$device/$chip"
    [ -d "$HIL_GPIO_SIM_DIR/sim_gpio0" ] || { fail "vm-setup: gpio-sim made no $HIL_GPIO_SIM_DIR/sim_gpio0"; return 1; }
    wait_for "$HIL_GPIO_CHIP_DEV" || { fail "vm-setup: no $HIL_GPIO_CHIP_DEV"; return 1; }

    for adapter in /sys/class/i2c-adapter/*; do
        [ "$(cat "$adapter/name" 2> /dev/null)" = "SMBus stub driver" ] && export HIL_I2C_DEV="/dev/${adapter##*/}"
    done
    [ -n "${HIL_I2C_DEV:-}" ] || { fail "vm-setup: no i2c adapter named \"SMBus stub driver\""; return 1; }
    wait_for "$HIL_I2C_DEV" || { fail "vm-setup: no $HIL_I2C_DEV"; return 1; }
    export HIL_I2C_STUB_ADDRESS=0x48
}

run() { # PROGRAM: runs it, turning a bad exit, a crash, a timeout or silence into a failed check
    name=${1##*/}
    limit=$(cat /hil/program-timeout)
    rm -f /tmp/status /tmp/timed-out
    echo "HIL: running $name"
    {
        # In a session of its own, so that it and whatever it started can be killed together
        # (a leftover child would hold the output pipe open).
        (cd /tmp && HOME=/tmp LD_LIBRARY_PATH=/hil/lib exec setsid "$1") &
        pid=$!
        (sleep "$limit" && kill -0 $pid && touch /tmp/timed-out && kill -KILL -$pid) > /dev/null 2>&1 &
        watchdog=$!
        wait $pid
        echo $? > /tmp/status
        kill $watchdog 2> /dev/null
        kill -KILL -$pid 2> /dev/null
    } 2>&1 < /dev/null | tee /tmp/output
    grep '^HIL-CHECK ' /tmp/output >> "$checks"
    status=$(cat /tmp/status)
    if [ -e /tmp/timed-out ]; then
        fail "$name: did not finish within $limit s"
    elif [ "$status" -gt 128 ]; then
        fail "$name: killed by signal $((status - 128))"
    elif [ "$status" != 0 ]; then
        fail "$name: exited with status $status"
    elif ! grep -q '^HIL-CHECK \(pass\|fail\) ' /tmp/output; then
        fail "$name: printed no HIL-CHECK line"
    fi
}

echo "HIL: kernel $(uname -r)"
if setup; then
    echo "HIL: $HIL_GPIO_CHIP_LABEL is $HIL_GPIO_CHIP_DEV ($HIL_GPIO_SIM_DIR), i2c-stub is $HIL_I2C_DEV at $HIL_I2C_STUB_ADDRESS"
    for program in /hil/bin/*; do run "$program"; done
else
    dmesg | tail -n 20
fi
finish
INIT
chmod +x "$root/init"
echo "${HIL_PROGRAM_TIMEOUT:-120}" > "$root/hil/program-timeout"

# The kernel opens /dev/console before /init runs, so the archive must hold that node: appended
# as a second cpio archive written by hand, since making the node itself would need root.
newc_entry() { # NAME MODE RDEVMAJOR RDEVMINOR: a data-less newc entry, padded to 4 bytes
    local name=$1 size
    size=$((${#name} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
        1 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$size" 0 "$name"
    head -c $(((4 - (110 + size) % 4) % 4)) /dev/zero
}
initrd=$cache/initramfs.cpio.gz
{
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
    newc_entry dev/console $((0020600)) 5 1
    newc_entry TRAILER!!! 0 0 0
} | gzip -1 > "$initrd"

# --- Boot. ---
console=$cache/console.log
limit=${HIL_TIMEOUT:-300}
hearth_say "booting $release in QEMU (TCG; console in ${console#"$PWD/"})"
set +e
timeout "$limit" qemu-system-x86_64 -accel tcg -cpu max -m "${HIL_VM_MEMORY:-512M}" -smp 2 -nographic -no-reboot \
    -kernel "$kernel/boot/vmlinuz-$release" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -nic none < /dev/null 2>&1 | tee "$console"
status=${PIPESTATUS[0]}
set -e

# --- The verdict: QEMU's status (1: the VM wrote 0, all passed) and the summary line must agree. ---
summary=$(tr -d '\r' < "$console" | grep -E '^HIL: [0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
if [ -z "$summary" ]; then
    if [ "$status" = 124 ]; then reason="timed out after $limit s"; else reason="QEMU exited with status $status"; fi
    hearth_die "the VM did not report ($reason); see ${console#"$PWD/"}"
fi
read -r passed failed <<< "$(sed -E 's/^HIL: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<< "$summary")"
if [ "$failed" -gt 0 ]; then
    printf 'failed:\n' >&2
    tr -d '\r' < "$console" | sed -n 's/^HIL-CHECK fail /  /p' >&2
    hearth_die "$failed of $((passed + failed)) HIL checks failed"
fi
[ "$passed" -gt 0 ] || hearth_die "the VM ran no HIL check"
[ "$status" = 1 ] || hearth_die "the VM printed \"$summary\" but did not report all-pass through isa-debug-exit (QEMU exited with status $status)"
hearth_say "HIL: all $passed checks passed"
