# Shared by Hearth's scripts: system packages and the Swift toolchain. Source it, don't run it.

# The Debian packages the build needs: libgpiod (GPIO character device) and libi2c (SMBus header).
HEARTH_PACKAGES=(libgpiod-dev libi2c-dev)
# And what the tests need beside the build: mosquitto, the broker the MQTT tests start on loopback.
HEARTH_TEST_PACKAGES=(mosquitto openssl)

hearth_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
hearth_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
hearth_as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        hearth_die "need root to run: $* (install sudo, or run as root)"
    fi
}

# Installs whichever of the given Debian packages are missing.
hearth_need_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    hearth_say "installing ${missing[*]}"
    hearth_as_root apt-get update -qq
    hearth_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

hearth_need_swift() {
    command -v swift >/dev/null || hearth_die "no Swift toolchain on PATH: install Swift 6.2 or later (https://www.swift.org/install/linux/) first"
}

# The machine's own Debian mirror: the apt source that serves this release's main component, as
# apt itself reports it (deb822 and one-line sources alike), Debian's origin preferred. Other
# suites (sid, trixie, bookworm for another architecture) are fetched from the same place.
hearth_debian_mirror() {
    local codename mirror
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -n "$codename" ] || hearth_die "cannot tell this system's release from /etc/os-release"
    hearth_apt_main_source() {
        apt-get indextargets --format '$(ORIGIN)|$(RELEASE)|$(COMPONENT)|$(REPO_URI)' 'Created-By: Packages' |
            awk -F'|' -v codename="$codename" '
                $2 == codename && $3 == "main" { if ($1 == "Debian" && debian == "") debian = $4; if (any == "") any = $4 }
                END { print (debian != "" ? debian : any) }'
    }
    mirror=$(hearth_apt_main_source)
    if [ -z "$mirror" ]; then
        hearth_as_root apt-get update -qq
        mirror=$(hearth_apt_main_source)
    fi
    [ -n "$mirror" ] || hearth_die "no apt source serves $codename main: cannot tell which Debian mirror to fetch from"
    echo "$mirror"
}

# The major version of the libgpiod the system's headers are: 1 or 2.
hearth_system_libgpiod_major() {
    dpkg-query -W -f='${Version}' libgpiod-dev 2>/dev/null | cut -c1
}

# The Debian architecture (amd64, arm64, armhf) an ELF binary is built for.
hearth_elf_arch() {
    case "$(readelf -h "$1" | sed -n 's/^ *Machine: *//p')" in
        *X86-64*) echo amd64 ;;
        *AArch64*) echo arm64 ;;
        *ARM*) echo armhf ;;
        *) hearth_die "$1: not a binary for amd64, arm64 or armhf" ;;
    esac
}

# The version Hearth reports, from its source.
hearth_version() {
    sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/HearthConfig/Version.swift
}

# Makes this machine run programs of a Debian architecture (arm64, armhf) through QEMU's user-mode
# emulation: qemu-user-static's binfmt entries, registered with the F flag so that they work in a
# chroot too. Mounts binfmt_misc where a container or a minimal boot left it unmounted.
hearth_need_binfmt() {
    local arch=$1 name
    [ "$arch" = "$(dpkg --print-architecture)" ] && return 0
    case "$arch" in
        arm64) name=qemu-aarch64 ;;
        armhf) name=qemu-arm ;;
        *) hearth_die "no emulation for $arch here (arm64 or armhf)" ;;
    esac
    hearth_need_packages qemu-user-static binfmt-support
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        hearth_as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
            hearth_die "cannot mount binfmt_misc, which runs $arch programs through QEMU"
    fi
    [ -e "/proc/sys/fs/binfmt_misc/$name" ] || hearth_as_root update-binfmts --enable "$name" ||
        hearth_die "update-binfmts --enable $name failed: $arch programs cannot run here"
    grep -qx enabled "/proc/sys/fs/binfmt_misc/$name" || hearth_die "binfmt entry $name is registered but disabled"
}
