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
