# Shared by the emulated boards (Scripts/hil-vm.sh, Scripts/systemd-vm.sh): Debian 12's kernel
# for amd64 or arm64 and the few of its modules they need, gpio-sim and i2c-stub built out of tree
# for it from Debian's own kernel source, busybox, and QEMU's command line for that kernel. Source
# it after Scripts/lib.sh, then call hearth_vm_prepare ARCH CACHE. Nothing here installs a kernel
# or reads the host's own kernel, modules, /boot or /usr/src: the VM's kernel is a separate file.
#
# What it fetches, into CACHE/../debs (`apt-get download`, from this machine's apt sources; for a
# foreign architecture with apt lists of its own under CACHE/apt, so the host's dpkg architectures
# are never changed), each pinned to the version linux-image-ARCH depends on:
#   linux-image-6.1.0-N-ARCH         the kernel the VM boots, and its stock modules
#   linux-source-6.1                 gpio-sim (and on arm64 i2c-stub), which Debian's kernel lacks,
#                                    are built from its files,
#   linux-headers-6.1.0-N-ARCH, linux-headers-6.1.0-N-common
#                                    against these headers
#   linux-kbuild-6.1                 with the kernel's build tools, for this machine (amd64)
#   busybox-static                   the VM's shell and tools, for ARCH
# The host needs QEMU for ARCH, gcc-12 for ARCH and make (installed when missing).

# A step's output folder is reused while its stamp names the same inputs.
hearth_vm_fresh() { [ -f "$1/.done" ] && [ "$(cat "$1/.done")" = "$2" ]; }
hearth_vm_stamp() { echo "$2" > "$1/.done"; }

# Sets, for the Debian architecture ARCH (amd64 or arm64), the variables the other steps use:
#   vm_arch, vm_flavour (the kernel flavour), vm_qemu (QEMU's command, machine and CPU options),
#   vm_console (the console device the kernel writes to), vm_cross (CROSS_COMPILE for the modules).
hearth_vm_arch() {
    vm_arch=$1
    case "$vm_arch" in
        amd64)
            vm_flavour=amd64
            vm_qemu=(qemu-system-x86_64 -accel tcg -cpu max)
            vm_console=ttyS0
            vm_cross=""
            vm_host_packages=(qemu-system-x86 gcc-12)
            ;;
        arm64)
            vm_flavour=arm64
            # pauth-impdef: QEMU's own pointer-authentication hash instead of the architected
            # QARMA, which is several times slower to emulate and proves nothing here.
            vm_qemu=(qemu-system-aarch64 -accel tcg -machine virt -cpu max,pauth-impdef=on)
            vm_console=ttyAMA0
            vm_cross=aarch64-linux-gnu-
            vm_host_packages=(qemu-system-arm gcc-12-aarch64-linux-gnu)
            ;;
        *) hearth_die "no emulated board for architecture \"$vm_arch\": amd64 or arm64" ;;
    esac
    [ "$(dpkg --print-architecture)" = amd64 ] ||
        hearth_die "the emulated boards are built on an amd64 machine (the kernel's build tools are fetched for it); this is $(dpkg --print-architecture)"
}

# apt for packages of ARCH: this machine's own apt when ARCH is its architecture; otherwise apt
# with the same sources but package lists, status and cache of its own in CACHE/apt, filled with
# `apt-get update` the first time (no root needed, the host's dpkg is untouched).
hearth_vm_apt_options() { # ARCH CACHE: sets vm_apt_options
    vm_apt_options=(-o "APT::Sandbox::User=$(id -un)")
    [ "$1" = "$(dpkg --print-architecture)" ] && return 0
    local state=$2/apt
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
    [ -f "$state/status" ] || : > "$state/status"
    vm_apt_options+=(-o "APT::Architecture=$1" -o "APT::Architectures::=$1" -o "Dir::State::Lists=$state/lists"
        -o "Dir::State::Status=$state/status" -o "Dir::Cache=$state/cache")
}

hearth_vm_apt_update() { # ARCH CACHE
    hearth_vm_apt_options "$1" "$2"
    if [ "$1" = "$(dpkg --print-architecture)" ]; then
        hearth_as_root apt-get update -qq
    else
        hearth_say "fetching the $1 package lists (into ${2#"$PWD/"}/apt)"
        apt-get "${vm_apt_options[@]}" -qq update || hearth_die "apt-get update for $1 packages failed (lists in $2/apt)"
    fi
}

# Downloads SPEC... (package or package=version) for ARCH into DEBS, each once; sets
# vm_deb[package] to its file. WHY names what the packages are for, in errors.
hearth_vm_download() { # ARCH CACHE DEBS WHY SPEC...
    local arch=$1 cache=$2 debs=$3 why=$4 uris output spec package file
    shift 4
    hearth_vm_apt_options "$arch" "$cache"
    download_error() { # SPEC OUTPUT
        hearth_die "apt-get download $1 ($arch) failed: $(tr '\n' ' ' <<< "${2:-no message}" | sed 's/ *$//') — $why"
    }
    # One apt call names every file (apt is slow to start); on failure, one call per package says which.
    if ! uris=$(apt-get "${vm_apt_options[@]}" -qq --print-uris download "$@" 2>&1); then
        for spec in "$@"; do
            output=$(apt-get "${vm_apt_options[@]}" -qq --print-uris download "$spec" 2>&1) || download_error "$spec" "$output"
        done
        download_error "$*" "$uris"
    fi
    for spec in "$@"; do
        package=${spec%%=*}
        file=$(awk -v prefix="${package}_" 'index($2, prefix) == 1 { print $2 }' <<< "$uris" | head -n 1)
        [ -n "$file" ] || download_error "$spec" "apt named no file for it"
        if [ ! -f "$debs/$file" ]; then
            hearth_say "downloading $spec ($arch)"
            output=$(cd "$debs" && apt-get "${vm_apt_options[@]}" -qq download "$spec" 2>&1) || download_error "$spec" "$output"
            [ -f "$debs/$file" ] || download_error "$spec" "it left no $file in ${debs#"$PWD/"}"
        fi
        vm_deb[$package]=$debs/$file
    done
}

# Fetches and builds everything a VM of ARCH boots with, under CACHE (its own per architecture;
# the .deb files are shared beside it in CACHE/../debs). Sets, besides hearth_vm_arch's:
#   vm_release   the kernel's release (6.1.0-N-ARCH); vm_version its package version
#   vm_kernel    the kernel image file
#   vm_modules   the simulated hardware's modules, in load order: configfs, i2c-dev, i2c-stub (each
#                unless built in), then those built here (irq_sim, gpio-sim, and i2c-stub on arm64)
#   vm_root_modules  what mounts a root file system on a virtio-pci disk, in load order (those
#                that are not built in, each after the modules it needs)
#   vm_busybox   a static busybox for ARCH
hearth_vm_prepare() { # ARCH CACHE
    hearth_vm_arch "$1"
    local cache=$2 depends debs abi package module file name dependency option
    hearth_need_packages "${vm_host_packages[@]}" cpio gzip xz-utils make kmod libelf1 libssl3
    debs=$(dirname "$cache")/debs
    mkdir -p "$cache" "$debs"
    declare -gA vm_deb=()

    # --- Which kernel: the one Debian 12's linux-image-ARCH currently depends on. ---
    hearth_vm_apt_options "$vm_arch" "$cache"
    image_depends() {
        apt-cache "${vm_apt_options[@]}" show --no-all-versions "linux-image-$vm_flavour" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 || true
    }
    depends=$(image_depends)
    if [ -z "$depends" ]; then
        hearth_vm_apt_update "$vm_arch" "$cache"
        depends=$(image_depends)
    fi
    [ -n "$depends" ] || hearth_die "apt knows no linux-image-$vm_flavour package: the VM boots Debian's $vm_arch kernel, and this machine's apt sources do not offer it"
    # Its Depends names the image and its version, e.g. "linux-image-6.1.0-56-arm64 (= 6.1.192-2)".
    vm_release=$(grep -o "linux-image-6\.1\.0-[0-9]*-$vm_flavour" <<< "$depends" | head -n 1 | sed 's/^linux-image-//')
    [ -n "$vm_release" ] || hearth_die "linux-image-$vm_flavour depends on \"$depends\", not on a Debian 12 (bookworm) 6.1 kernel; this script needs bookworm's apt sources"
    vm_version=$(sed -n "s/.*linux-image-$vm_release (= \([^)]*\)).*/\1/p" <<< "$depends")
    [ -n "$vm_version" ] || hearth_die "linux-image-$vm_flavour depends on \"$depends\", without the exact version of linux-image-$vm_release"
    abi=${vm_release%-"$vm_flavour"}

    # --- Downloads, the kernel's packages pinned to the image's version: the modules are built
    # from its source, against its headers. The build tools run here, so they are this machine's. ---
    local target_specs=(busybox-static)
    for package in "linux-image-$vm_release" linux-source-6.1 "linux-headers-$vm_release" "linux-headers-$abi-common"; do
        target_specs+=("$package=$vm_version")
    done
    hearth_vm_download "$vm_arch" "$cache" "$debs" \
        "the kernel, its headers and source, and busybox are what the $vm_arch VM is made of" "${target_specs[@]}"
    hearth_vm_download "$(dpkg --print-architecture)" "$cache" "$debs" \
        "the kernel's build tools (for this machine, at the $vm_arch kernel's version $vm_version) build the simulated chips' modules" \
        "linux-kbuild-6.1=$vm_version"

    # --- The kernel and its modules, the few files the VM needs out of the package: the wanted
    # ones and every module they depend on (modinfo's depends), those the kernel builds in left
    # out. A wanted module the kernel neither builds in nor ships (arm64 has no i2c-stub) is built
    # below. ---
    local kernel=$cache/kernel modules_dir=lib/modules/$vm_release/kernel
    local hardware=(configfs i2c-dev i2c-stub) root_disk=(virtio_pci virtio_blk ext4 crc32c_generic)
    if ! hearth_vm_fresh "$kernel" "$vm_version ${hardware[*]} ${root_disk[*]}"; then
        hearth_say "extracting linux-image-$vm_release"
        rm -rf "$kernel"
        mkdir -p "$kernel"
        dpkg-deb --fsys-tarfile "${vm_deb[linux-image-$vm_release]}" |
            tar -x -C "$kernel" "./boot/vmlinuz-$vm_release" "./boot/config-$vm_release" "./lib/modules/$vm_release/modules.builtin" \
                "./lib/modules/$vm_release/modules.order" ||
            hearth_die "linux-image-$vm_release lacks its kernel or module lists"
        local wanted=("${hardware[@]}" "${root_disk[@]}") extracted=" " members
        while [ ${#wanted[@]} -gt 0 ]; do
            members=()
            for module in "${wanted[@]}"; do
                file=$(grep -E "/${module//[-_]/[-_]}\.ko\$" "$kernel/lib/modules/$vm_release/modules.order" | head -n 1 || true)
                if [ -n "$file" ] && [[ $extracted != *" $file "* ]]; then
                    members+=("./lib/modules/$vm_release/$file")
                    extracted+="$file "
                fi
            done
            [ ${#members[@]} -gt 0 ] || break
            dpkg-deb --fsys-tarfile "${vm_deb[linux-image-$vm_release]}" | tar -x -C "$kernel" "${members[@]}" ||
                hearth_die "linux-image-$vm_release lacks one of the modules ${members[*]##*/} that its modules.order lists"
            wanted=()
            for file in "${members[@]}"; do
                for dependency in $(modinfo -F depends "$kernel/$file" | tr ',' ' '); do wanted+=("$dependency"); done
            done
        done
        hearth_vm_stamp "$kernel" "$vm_version ${hardware[*]} ${root_disk[*]}"
    fi
    vm_kernel=$kernel/boot/vmlinuz-$vm_release
    for option in CONFIG_GPIOLIB=y CONFIG_GPIO_CDEV=y CONFIG_GPIO_SYSFS=y CONFIG_I2C=y CONFIG_DEVTMPFS=y CONFIG_BLK_DEV_INITRD=y \
        CONFIG_RD_GZIP=y CONFIG_EVENT_TRACING=y; do
        grep -qx "$option" "$kernel/boot/config-$vm_release" || hearth_die "the $vm_release kernel is not built with $option, which the VM needs"
    done
    # A module's file, or nothing when the kernel builds it in.
    module_file() { # NAME
        local file
        grep -qE "/${1//[-_]/[-_]}\.ko\$" "$kernel/lib/modules/$vm_release/modules.builtin" && return 0
        file=$(find "$kernel/$modules_dir" -regex ".*/${1//[-_]/[-_]}\.ko" | head -n 1)
        [ -n "$file" ] || return 1
        echo "$file"
    }
    # The modules NAME... with what each depends on before it, each once, into the array ORDER.
    module_order() { # ORDER NAME...
        local array=$1 name file dependency
        local -n order=$array
        shift
        for name in "$@"; do
            file=$(module_file "$name") || hearth_die "the $vm_release kernel has no module $name, neither built in nor as a file"
            [ -n "$file" ] || continue
            [[ " ${order[*]} " == *" $file "* ]] && continue
            for dependency in $(modinfo -F depends "$file" | tr ',' ' '); do module_order "$array" "$dependency"; done
            [[ " ${order[*]} " == *" $file "* ]] || order+=("$file")
        done
    }
    vm_root_modules=()
    module_order vm_root_modules "${root_disk[@]}"

    # --- gpio-sim (and i2c-stub where the kernel lacks it), built out of tree from the kernel's
    # own source against its headers, with the cross compiler for a foreign architecture. ---
    local headers=$cache/headers headers_dir=$cache/headers/usr/src/linux-headers-$vm_release
    if ! hearth_vm_fresh "$headers" "$vm_version"; then
        hearth_say "extracting the $vm_release headers and build tools"
        rm -rf "$headers"
        for package in "linux-headers-$vm_release" "linux-headers-$abi-common" linux-kbuild-6.1; do
            dpkg-deb -x "${vm_deb[$package]}" "$headers"
        done
        # The headers' Makefile includes the common part by its installed path, /usr/src/...: point
        # it at the extracted copy (the symlinks to the build tools are relative and need nothing).
        sed -i "s|^include /usr/src/|include $headers/usr/src/|" "$headers_dir/Makefile"
        grep -q "^include $headers/" "$headers_dir/Makefile" ||
            hearth_die "cannot point linux-headers-$vm_release's Makefile at the extracted headers: it has no 'include /usr/src/...' line"
        hearth_vm_stamp "$headers" "$vm_version"
    fi

    local built=(irq_sim gpio-sim) source_files=(drivers/gpio/gpio-sim.c drivers/gpio/gpiolib.h kernel/irq/irq_sim.c)
    if ! module_file i2c-stub > /dev/null; then
        built+=(i2c-stub)
        source_files+=(drivers/i2c/i2c-stub.c)
    fi
    local src=$cache/src
    if ! hearth_vm_fresh "$src" "$vm_version ${source_files[*]}"; then
        hearth_say "extracting ${source_files[*]##*/} from linux-source-6.1"
        rm -rf "$src"
        mkdir -p "$src"
        dpkg-deb --fsys-tarfile "${vm_deb[linux-source-6.1]}" | tar -x -O ./usr/src/linux-source-6.1.tar.xz |
            tar -xJ -C "$src" --strip-components=1 "${source_files[@]/#/linux-source-6.1/}" ||
            hearth_die "linux-source-6.1 lacks one of ${source_files[*]}, from which the simulated chips' modules are built"
        hearth_vm_stamp "$src" "$vm_version ${source_files[*]}"
    fi

    local build=$cache/modules
    if ! hearth_vm_fresh "$build" "$vm_version ${built[*]}"; then
        hearth_say "building ${built[*]} for $vm_release"
        rm -rf "$build"
        mkdir -p "$build"
        cp "${source_files[@]/#/$src/}" "$build/"
        # The kernel is built without CONFIG_IRQ_SIM, which gpio-sim needs: irq_sim.c becomes a
        # module of its own. As a module it cannot reach irq_to_desc(); generic_handle_irq() calls the
        # same handle_simple_irq() that irq_sim sets for each of its interrupts.
        sed -i 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)));/generic_handle_irq(\1);/' "$build/irq_sim.c"
        grep -q 'generic_handle_irq(' "$build/irq_sim.c" ||
            hearth_die "irq_sim.c of linux-source-6.1 $vm_version no longer calls handle_simple_irq(irq_to_desc(...)); the patch that makes it a module needs updating"
        printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("Simulated interrupts, built out of tree for the HIL VM");\n' >> "$build/irq_sim.c"
        printf 'obj-m := %s\n' "${built[*]/%/.o}" > "$build/Kbuild"
        local log=$build/build.log
        # The headers' .kernelvariables name the compiler as $(CROSS_COMPILE)gcc-12.
        make -C "$headers_dir" M="$build" CROSS_COMPILE="$vm_cross" modules > "$log" 2>&1 ||
            { cat "$log" >&2; hearth_die "building ${built[*]} for $vm_release failed (log: $log)"; }
        hearth_vm_stamp "$build" "$vm_version ${built[*]}"
    fi

    # Load order in the VM: the stock ones (unless built in), then those built here.
    vm_modules=()
    if module_file i2c-stub > /dev/null; then
        module_order vm_modules configfs i2c-dev i2c-stub
    else
        module_order vm_modules configfs i2c-dev
    fi
    for module in "${built[@]}"; do vm_modules+=("$build/$module.ko"); done
    local loaded=()
    for file in "${vm_modules[@]}"; do
        name=$(basename "$file" .ko)
        for dependency in $(modinfo -F depends "$file" | tr ',' ' '); do
            [[ " ${loaded[*]} " == *" ${dependency//_/-} "* || " ${loaded[*]} " == *" ${dependency//-/_} "* ]] ||
                hearth_die "module $name needs module $dependency, which the VM does not load before it"
        done
        loaded+=("$name")
    done

    local busybox=$cache/busybox
    if ! hearth_vm_fresh "$busybox" "${vm_deb[busybox-static]}"; then
        rm -rf "$busybox"
        dpkg-deb -x "${vm_deb[busybox-static]}" "$busybox"
        hearth_vm_stamp "$busybox" "${vm_deb[busybox-static]}"
    fi
    vm_busybox=$busybox/bin/busybox
}

# Copies the modules to load into ROOT/hil/modules with their load order (and i2c-stub's
# addresses, ADDRESSES: comma-separated), and the shared setup script the VM's init sources.
hearth_vm_install_setup() { # ROOT ADDRESSES
    local root=$1 file name
    mkdir -p "$root/hil/modules"
    : > "$root/hil/modules/order"
    for file in "${vm_modules[@]}"; do
        cp "$file" "$root/hil/modules/"
        name=$(basename "$file" .ko)
        case $name in
            i2c-stub) echo "$name chip_addr=$2" ;;
            *) echo "$name" ;;
        esac >> "$root/hil/modules/order"
    done
    cp Scripts/vm-setup.sh "$root/hil/setup.sh"
}

# Packs ROOT into a gzip'd initramfs at OUTPUT. The kernel opens /dev/console before /init runs,
# so the archive must hold that node: appended as a second cpio archive written by hand, since
# making the node itself would need root.
hearth_vm_pack() { # ROOT OUTPUT
    newc_entry() { # NAME MODE RDEVMAJOR RDEVMINOR: a data-less newc entry, padded to 4 bytes
        local name=$1 size
        size=$((${#name} + 1))
        printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
            1 "$2" 0 0 1 0 0 0 0 "$3" "$4" "$size" 0 "$name"
        head -c $(((4 - (110 + size) % 4) % 4)) /dev/zero
    }
    {
        (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
        newc_entry dev/console $((0020600)) 5 1
        newc_entry TRAILER!!! 0 0 0
    } | gzip -1 > "$2"
}

# Boots the prepared kernel with INITRD and the kernel command line APPEND under QEMU, with any
# more QEMU arguments after them, for at most LIMIT seconds; the console is shown and kept in
# CONSOLE. Sets vm_status to QEMU's exit status (124: timed out).
hearth_vm_boot() { # LIMIT CONSOLE INITRD APPEND [QEMU-ARGUMENT...]
    local limit=$1 console=$2 initrd=$3 append=$4
    shift 4
    set +e
    timeout "$limit" "${vm_qemu[@]}" -m "${HIL_VM_MEMORY:-512M}" -smp 2 -nographic -no-reboot \
        -kernel "$vm_kernel" -initrd "$initrd" -append "console=$vm_console panic=-1 $append" \
        "$@" < /dev/null 2>&1 | tee "$console"
    vm_status=${PIPESTATUS[0]}
    set -e
}
