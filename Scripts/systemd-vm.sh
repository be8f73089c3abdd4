#!/usr/bin/env bash
# systemd for real: boots a Debian 12 root file system with systemd as init, on Debian's own
# kernel in QEMU (TCG), with the emulated board of the HIL VM (gpio-sim, i2c-stub, a PCI UART);
# installs the Hearth package there with dpkg and checks hearthd.service as systemd runs it
# (Scripts/hil/systemd-check.sh): READY=1, the hearth user, the sandbox (what it may open and what
# it may not, and systemd-analyze security's score), the watchdog, kill -9 (ExecStopPost's
# hearth safe, then the restart), a clean stop, and the daemon's memory after a minute.
#
#   Scripts/systemd-vm.sh DEB
#
# DEB: hearth_<version>_<arch>.deb (Scripts/package-deb.sh); the VM is of its architecture, amd64
# or arm64. Fails unless the VM prints `SYSTEMD-VM: N passed, 0 failed`; the whole run is limited
# to SYSTEMD_VM_TIMEOUT seconds (default 600; a run takes about 4 minutes). The console is kept in .build-systemd-vm/ARCH/console.log.
#
# The root file system is made once per architecture with mmdebstrap (from this machine's apt
# sources: Debian bookworm's minbase with systemd, udev, i2c-tools, adduser, procps; foreign
# packages configured through qemu-user-static) and kept as an ext4 image in
# .build-systemd-vm/ARCH/, which the VM only reads (QEMU's snapshot mode). As on Raspberry Pi OS,
# it has a gpio group that udev gives the GPIO chips to (i2c-tools brings the i2c group). The
# kernel and its modules are the HIL VM's (Scripts/vm-lib.sh, kept in .build-hil/); a small
# initramfs loads the modules, makes the simulated chips and hands over to systemd. Needs root
# (mmdebstrap, and the root file system's owners).
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
. Scripts/vm-lib.sh

[ $# = 1 ] || hearth_die "usage: Scripts/systemd-vm.sh DEB (hearth_<version>_<arch>.deb, from Scripts/package-deb.sh)"
deb=$1
[ -f "$deb" ] || hearth_die "$deb: no such file"
arch=$(dpkg-deb -f "$deb" Architecture) || hearth_die "$deb is not a Debian package"
[ "$(id -u)" = 0 ] || hearth_die "the systemd VM's root file system is made as root (mmdebstrap, file owners): run as root"

hearth_vm_prepare "$arch" "$PWD/.build-hil/$arch"
hearth_need_packages mmdebstrap e2fsprogs passwd
hearth_need_binfmt "$arch"
cache=$PWD/.build-systemd-vm/$arch
mkdir -p "$cache"

# --- The root file system, made once: its image is reused while the recipe below is the same. ---
packages=systemd-sysv,udev,i2c-tools,adduser,procps
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    # Debian's own archive only (a third party's needs its keys, and may not serve $arch).
    [ -f "$file" ] && grep -q '^[^#]*\(deb\.debian\.org\|/debian\(-security\)\?/\?[[:space:]]\|debian-archive-keyring\)' "$file" && sources+=("$file")
done
[ ${#sources[@]} -gt 0 ] || hearth_die "no Debian archive in this machine's apt sources (/etc/apt/sources.list*), from which the root file system is made"
recipe="bookworm $arch minbase $packages $(cat "${sources[@]}" | md5sum | cut -c1-12) gpio-group-v1"
image=$cache/root.ext4
if ! hearth_vm_fresh "$cache" "$recipe" || [ ! -f "$image" ]; then
    rootfs=$cache/rootfs
    rm -rf "$rootfs" "$image"
    hearth_say "making a Debian bookworm $arch root file system with systemd (mmdebstrap; minutes)"
    mmdebstrap --quiet --architectures="$arch" --variant=minbase --include="$packages" bookworm "$rootfs" "${sources[@]}" ||
        hearth_die "mmdebstrap failed to make the $arch root file system in $rootfs"
    # As Raspberry Pi OS does (raspberrypi-sys-mods): the GPIO chips belong to the gpio group.
    groupadd --root "$rootfs" --system gpio
    printf '%s\n' '# The GPIO chips to the gpio group, as Raspberry Pi OS has it (Scripts/systemd-vm.sh).' \
        'SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"' > "$rootfs/etc/udev/rules.d/60-gpio.rules"
    echo hearth-vm > "$rootfs/etc/hostname"
    # No login prompt on the console: the checks write there.
    systemctl --root "$rootfs" --quiet mask serial-getty@ttyAMA0.service serial-getty@ttyS0.service getty@tty1.service
    mkfs.ext4 -q -L root -d "$rootfs" "$image" 1G || hearth_die "mkfs.ext4 could not make $image from $rootfs"
    rm -rf "$rootfs"
    hearth_vm_stamp "$cache" "$recipe"
fi

# --- The initramfs: busybox, the modules, the simulated chips, the package and the checks. ---
root=$cache/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,newroot,hil/root-modules,hil/check}
cp "$vm_busybox" "$root/bin/busybox"
hearth_vm_install_setup "$root" 0x48,0x4a,0x18,0x40,0x4c
for file in "${vm_root_modules[@]}"; do
    cp "$file" "$root/hil/root-modules/"
    basename "$file" >> "$root/hil/root-modules/order"
done
cp "$deb" "$root/hil/check/hearth.deb"
cp Scripts/hil/board.toml Scripts/hil/board-lib.sh Scripts/hil/systemd-check.sh Scripts/hil/sandbox-probe.sh "$root/hil/check/"
cat > "$root/hil/check/hearth-vm-check.service" << 'UNIT'
# Written by Scripts/systemd-vm.sh: the checks, once the system is up; then power off.
[Unit]
Description=Hearth's checks of hearthd.service (Scripts/hil/systemd-check.sh)
After=multi-user.target systemd-udev-settle.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/bin/sh /usr/local/lib/hearth-vm/systemd-check.sh
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
cat > "$root/init" << 'INIT'
#!/bin/busybox sh
# /init of the systemd VM, written by Scripts/systemd-vm.sh: the simulated chips, then the root
# file system on /dev/vda with the package and the checks copied in, then systemd.
. /hil/setup.sh
hil_init
stop() { echo "SYSTEMD-VM: setup failed: $*"; poweroff -f; }
while read -r module; do insmod "/hil/root-modules/$module" || stop "insmod $module failed"; done < /hil/root-modules/order
problem=$(hil_setup) || stop "$problem"
hil_wait_for /dev/vda || stop "no /dev/vda (the root file system's virtio disk)"
mount -t ext4 /dev/vda /newroot || stop "cannot mount /dev/vda"
check=/newroot/usr/local/lib/hearth-vm
mkdir -p "$check" /newroot/etc/hearth-vm
cp /hil/check/* "$check/"
cp /tmp/hil-env /newroot/etc/hearth-vm/env
mv "$check/hearth-vm-check.service" /newroot/etc/systemd/system/
ln -s ../hearth-vm-check.service /newroot/etc/systemd/system/multi-user.target.wants/hearth-vm-check.service
umount /sys/kernel/config /proc /sys /tmp
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
chmod +x "$root/init"
initrd=$cache/initramfs.cpio.gz
hearth_vm_pack "$root" "$initrd"

# --- Boot. ---
console=$cache/console.log
limit=${SYSTEMD_VM_TIMEOUT:-600}
hearth_say "booting $vm_release with systemd in QEMU (TCG; console in ${console#"$PWD/"})"
started=$(date +%s)
HIL_VM_MEMORY=${HIL_VM_MEMORY:-1G} hearth_vm_boot "$limit" "$console" "$initrd" "quiet systemd.show_status=error" \
    -nic none -drive "file=$image,if=none,id=root,format=raw,snapshot=on" -device virtio-blk-pci,drive=root \
    -chardev "file,id=uart,path=$cache/uart.log" -device pci-serial,chardev=uart
status=$vm_status

# --- The verdict: the summary line, and a VM that powered off. ---
# The check's lines reach the console through the journal, behind "[ TIME] sh[PID]: ".
log=$(tr -d '\r' < "$console" | sed -E 's/^\[ *[0-9.]+\] [^ ]+\[[0-9]+\]: //')
summary=$(grep -E '^SYSTEMD-VM: ' <<< "$log" | tail -n 1 || true)
if [[ ! $summary =~ ^SYSTEMD-VM:\ [0-9]+\ passed,\ [0-9]+\ failed$ ]]; then
    if [ "$status" = 124 ]; then reason="timed out after $limit s"; else reason="QEMU exited with status $status"; fi
    hearth_die "the systemd VM did not report (${summary:-no summary line}; $reason); see ${console#"$PWD/"}"
fi
read -r passed failed <<< "$(sed -E 's/^SYSTEMD-VM: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<< "$summary")"
hearth_say "systemd VM ($arch) ran $(($(date +%s) - started)) s; what it measured:"
grep '^VM-NOTE ' <<< "$log" | sed 's/^VM-NOTE /  /' >&2 || true
if [ "$failed" -gt 0 ]; then
    printf 'failed:\n' >&2
    sed -n 's/^VM-CHECK fail /  /p' <<< "$log" >&2
    hearth_die "$failed of $((passed + failed)) systemd VM checks failed"
fi
[ "$passed" -gt 0 ] || hearth_die "the systemd VM ran no check"
[ "$status" != 124 ] || hearth_die "the systemd VM printed \"$summary\" but did not power off within $limit s"
hearth_say "systemd VM ($arch): all $passed checks passed"
