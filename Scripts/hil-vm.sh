#!/usr/bin/env bash
# Hardware-in-the-loop test in a virtual machine: boots Debian 12's stock kernel for amd64 or
# arm64 in QEMU (TCG) with a simulated GPIO chip (gpio-sim) and simulated SMBus chips (i2c-stub),
# runs the given programs inside it, and fails unless every check they print passes.
#
#   Scripts/hil-vm.sh [--arch amd64|arm64] [--file FILE]... PROGRAM...
#
# --arch: the emulated board: amd64 (default: qemu-system-x86_64) or arm64 (qemu-system-aarch64
# -M virt, a Raspberry Pi's architecture). Each PROGRAM is an executable for that architecture
# (a static one for arm64), or a busybox sh script; it is copied into the VM with the shared
# libraries `ldd` finds for it (so the caller's LD_LIBRARY_PATH counts) and runs there as root,
# one after another, in /tmp. Each --file is copied to /hil/files/ (HIL_FILES) for them to use.
# They run with the variables Scripts/vm-setup.sh describes (HIL_GPIO_CHIP_LABEL=hil-gpio,
# HIL_GPIO_CHIP_DEV, HIL_GPIO_SIM_DIR, HIL_I2C_DEV, HIL_I2C_BUS, HIL_I2C_STUB_ADDRESS=0x48,
# HIL_I2C_STUB_ADDRESSES: i2c-stub answers at 0x48, 0x4a, 0x18, 0x40 and 0x4c) and HIL_FILES.
# A program prints one line per check, `HIL-CHECK pass NAME` or `HIL-CHECK fail NAME: REASON`,
# among any other output. A program that exits non-zero, crashes, runs longer than
# HIL_PROGRAM_TIMEOUT seconds (default 120) or prints no check at all counts as one more failed
# check named after it. The VM prints `HIL: N passed, M failed`; on amd64 it reports the same
# through QEMU's isa-debug-exit device (arm64's virt machine has none: there the summary line and
# the power-off are the verdict). The whole run is limited to HIL_TIMEOUT seconds (default 300 on
# amd64, 600 on arm64). The console is shown and kept in .build-hil/ARCH/console.log.
#
# The kernel, its modules and busybox come from Scripts/vm-lib.sh (which says what it fetches,
# into .build-hil/; a second run downloads nothing unless the kernel was updated).
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
. Scripts/vm-lib.sh

arch=amd64
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
        --file) files+=("${2:?--file needs a file}"); shift 2 ;;
        --) shift; break ;;
        -*) hearth_die "unknown option $1 (usage: Scripts/hil-vm.sh [--arch amd64|arm64] [--file FILE]... PROGRAM...)" ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || hearth_die "usage: Scripts/hil-vm.sh [--arch amd64|arm64] [--file FILE]... PROGRAM... (executables to run inside the VM)"
for program in "$@"; do
    { [ -f "$program" ] && [ -x "$program" ]; } || hearth_die "$program is not an executable file"
done
for file in "${files[@]}"; do
    [ -f "$file" ] || hearth_die "--file $file: no such file"
done

cache=$PWD/.build-hil/$arch
hearth_vm_prepare "$arch" "$cache"

# --- The initramfs: busybox, the modules, the programs and their libraries, and /init. ---
hearth_say "packing the initramfs with ${#} program(s)"
root=$cache/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,hil/bin,hil/lib,hil/files}
cp "$vm_busybox" "$root/bin/busybox"
hearth_vm_install_setup "$root" 0x48,0x4a,0x18,0x40,0x4c
# Copies FILE to DEST in the initramfs; an executable for the VM's architecture goes with the
# shared libraries ldd finds for it.
install_file() { # FILE DEST
    local file=$1 libraries unfound soname arrow path target
    cp -L "$file" "$2"
    if [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ]; then
        file_arch=$(hearth_elf_arch "$file")
        [ "$file_arch" = "$arch" ] || hearth_die "$file is built for $file_arch, and the VM is $arch"
        if [ "$arch" != "$(dpkg --print-architecture)" ]; then
            # ldd cannot read a foreign program's libraries: only a static one goes in.
            ! readelf -l "$file" | grep -q 'Requesting program interpreter' ||
                hearth_die "$file is a dynamically linked $arch program: the $arch VM runs static ones only"
            return 0
        fi
    elif [ ! -x "$file" ]; then
        return 0
    fi
    if ! libraries=$(ldd "$file" 2>&1); then
        grep -q 'not a dynamic executable' <<< "$libraries" || hearth_die "ldd $file failed: $libraries"
        return 0
    fi
    unfound=$(awk '$2 == "=>" && $3 == "not" { printf "%s ", $1 }' <<< "$libraries")
    [ -z "$unfound" ] || hearth_die "$file needs ${unfound% }, which ldd cannot find (LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-})"
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
}
for file in "${files[@]}"; do install_file "$file" "$root/hil/files/$(basename "$file")"; done
index=0
for program in "$@"; do
    index=$((index + 1))
    install_file "$program" "$root/hil/bin/$(printf '%02d-%s' "$index" "$(basename "$program")")"
done

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
# /init of the HIL VM, written by Scripts/hil-vm.sh: sets up the simulated hardware, runs the
# programs in /hil/bin, prints the summary and reports it (isa-debug-exit on amd64), powers off.
. /hil/setup.sh
hil_init

checks=/tmp/hil-checks
: > "$checks"
fail() { echo "HIL-CHECK fail $1" | tee -a "$checks"; }

# Reports through QEMU's isa-debug-exit (I/O port 0xf4) where there is one: 0 all passed, 1
# otherwise; QEMU then exits with status 1 or 3. Elsewhere the summary line is the report.
finish() {
    passed=$(grep -c '^HIL-CHECK pass ' "$checks")
    failed=$(grep -c '^HIL-CHECK fail ' "$checks")
    echo "HIL: $passed passed, $failed failed"
    if [ "$(cat /hil/arch)" = amd64 ]; then
        if [ "$failed" = 0 ] && [ "$passed" -gt 0 ]; then printf '\000'; else printf '\001'; fi |
            dd of=/dev/port bs=1 seek=244 count=1 2> /dev/null
        echo "HIL: isa-debug-exit did not stop the VM; powering off"
    fi
    poweroff -f
}

run() { # PROGRAM: runs it, turning a bad exit, a crash, a timeout or silence into a failed check
    name=${1##*/}
    limit=$(cat /hil/program-timeout)
    rm -f /tmp/status /tmp/timed-out
    echo "HIL: running $name"
    {
        # In a session of its own, so that it and whatever it started can be killed together
        # (a leftover child would hold the output pipe open).
        (cd /tmp && HOME=/tmp HIL_FILES=/hil/files LD_LIBRARY_PATH=/hil/lib exec setsid "$1") &
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

echo "HIL: kernel $(uname -r) ($(uname -m))"
if problem=$(hil_setup); then
    . /tmp/hil-env
    echo "HIL: $HIL_GPIO_CHIP_LABEL is $HIL_GPIO_CHIP_DEV ($HIL_GPIO_SIM_DIR), i2c-stub is $HIL_I2C_DEV at $HIL_I2C_STUB_ADDRESSES"
    for program in /hil/bin/*; do run "$program"; done
else
    fail "vm-setup: $problem"
    dmesg | tail -n 20
fi
finish
INIT
chmod +x "$root/init"
echo "${HIL_PROGRAM_TIMEOUT:-120}" > "$root/hil/program-timeout"
echo "$arch" > "$root/hil/arch"
initrd=$cache/initramfs.cpio.gz
hearth_vm_pack "$root" "$initrd"

# --- Boot. ---
console=$cache/console.log
if [ "$arch" = amd64 ]; then
    limit=${HIL_TIMEOUT:-300}
    report=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
else
    limit=${HIL_TIMEOUT:-600}
    report=()
fi
hearth_say "booting $vm_release in QEMU (TCG; console in ${console#"$PWD/"})"
# A PCI 16550 for the hash board's UART of Scripts/hil/board.toml: what is sent to it is kept in
# uart.log; nothing answers.
hearth_vm_boot "$limit" "$console" "$initrd" quiet "${report[@]}" -nic none \
    -chardev "file,id=uart,path=$cache/uart.log" -device pci-serial,chardev=uart
status=$vm_status

# --- The verdict: the summary line, and on amd64 QEMU's status (1: the VM wrote 0, all passed),
# must say the same. ---
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
if [ "$arch" = amd64 ]; then
    [ "$status" = 1 ] || hearth_die "the VM printed \"$summary\" but did not report all-pass through isa-debug-exit (QEMU exited with status $status)"
else
    [ "$status" != 124 ] || hearth_die "the VM printed \"$summary\" but did not power off within $limit s"
    [ "$status" = 0 ] || hearth_die "the VM printed \"$summary\" but QEMU exited with status $status"
fi
hearth_say "HIL ($arch): all $passed checks passed"
