#!/usr/bin/env bash
# Packs hearthd and hearth into a Debian package: the binaries, the systemd unit, the default
# configuration (a conffile, so an upgrade keeps the owner's edits) and the board files.
#
#   Scripts/package-deb.sh [--arch ARCH | --bin DIR] [--output DIR] [--allow-unpackaged-libraries]
#
# --arch: pack dist/ARCH (default: this machine's), as Scripts/build-release.sh --arch ARCH leaves
# it; --bin: pack hearthd and hearth from another folder; --output: where the .deb goes (default
# dist/). The package's Depends are the Debian packages of the shared libraries the binary links
# (none for the static arm64 build), found with dpkg for this machine's architecture and from a
# table for another. A library no Debian package
# provides (the Swift runtime of a build without --static-swift-stdlib) stops the packing, as the
# package would not run; --allow-unpackaged-libraries lets it through, for testing this script
# with a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

bin=""
output=dist
allow_unpackaged=0
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) bin=dist/$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --output) output=$2; shift 2 ;;
        --allow-unpackaged-libraries) allow_unpackaged=1; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) hearth_die "unknown argument $1 (see --help)" ;;
    esac
done
hearth_need_packages binutils  # readelf
bin=${bin:-dist/$(dpkg --print-architecture)}
for program in hearthd hearth; do
    [ -x "$bin/$program" ] || hearth_die "no $bin/$program: build it first (Scripts/build-release.sh)"
done

arch=$(hearth_elf_arch "$bin/hearthd")
version=$(hearth_version)
[ -n "$version" ] || hearth_die "cannot read the version from Sources/HearthConfig/Version.swift"

# The package that holds each shared library hearthd links.
depends=()
unpackaged=()
for soname in $(readelf -d "$bin/hearthd" "$bin/hearth" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
    package=""
    if [ "$arch" = "$(dpkg --print-architecture)" ]; then
        # awk reads to the end: stopping at the first match would kill ldconfig with SIGPIPE,
        # which pipefail turns into a failure.
        path=$(ldconfig -p | awk -v lib="$soname" '$1 == lib && !found { print $NF; found = 1 }')
        [ -n "$path" ] && package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
        [ -z "$package" ] && [ -n "$path" ] && package=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    fi
    if [ -z "$package" ]; then
        case "$soname" in
            libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | libutil.so.1 | ld-linux*) package=libc6 ;;
            libstdc++.so.6) package=libstdc++6 ;;
            libgcc_s.so.1) package=libgcc-s1 ;;
            libgpiod.so.2) package=libgpiod2 ;;
            libgpiod.so.3) package=libgpiod3 ;;
            libi2c.so.0) package=libi2c0 ;;
            libz.so.1) package=zlib1g ;;
            *)
                [ "$allow_unpackaged" = 1 ] || hearth_die "hearthd links $soname, which no Debian package provides: build with Scripts/build-release.sh (static Swift runtime), or add the library's package to this script's table"
                unpackaged+=("$soname")
                continue ;;
        esac
    fi
    depends+=("$package")
done
[ ${#unpackaged[@]} -eq 0 ] ||
    hearth_say "warning: in no Debian package, so the package runs only where they are: ${unpackaged[*]}"
depends_line=$(printf '%s\n' "${depends[@]}" adduser | sort -u | paste -sd, - | sed 's/,/, /g')

root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
install -D -m 755 "$bin/hearthd" "$root/usr/bin/hearthd"
install -D -m 755 "$bin/hearth" "$root/usr/bin/hearth"
install -d "$root/usr/share/hearth/Board" "$root/usr/share/doc/hearth"
install -m 644 Board/*.toml Board/README.md "$root/usr/share/hearth/Board/"
install -m 644 README.md CHANGELOG.md "$root/usr/share/doc/hearth/"
# The unit and the configuration, pointed at where the package puts things.
# Under /usr/lib, where merged-/usr systems (Debian 12 on, Raspberry Pi OS bookworm on) keep them.
install -D -m 644 /dev/null "$root/usr/lib/systemd/system/hearthd.service"
sed 's|/usr/local/bin/|/usr/bin/|g' Board/hearthd.service >"$root/usr/lib/systemd/system/hearthd.service"
install -D -m 644 Board/60-hearth.rules "$root/usr/lib/udev/rules.d/60-hearth.rules"
install -D -m 640 /dev/null "$root/etc/hearth/hearth.toml"
sed 's|/usr/local/share/hearth/Board/|/usr/share/hearth/Board/|' Config/hearth.toml >"$root/etc/hearth/hearth.toml"

install -d "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: hearth
Version: $version
Architecture: $arch
Maintainer: Hearth developers <hearth@localhost>
Section: misc
Priority: optional
Depends: $depends_line
Installed-Size: $(du -sk "$root" | cut -f1)
Homepage: https://github.com/hearth-heater/hearth
Description: firmware for a space heater whose heating element is a Bitcoin miner
 hearthd holds a room's temperature with the heat of its hash engine (ASIC chips or the
 board's CPU), mines on a Stratum pool, and serves an HTTP API, cgminer's API and
 Prometheus metrics. hearth checks board and configuration files, calibrates sensors,
 simulates the heater and benchmarks hashing.
CONTROL
echo /etc/hearth/hearth.toml >"$root/DEBIAN/conffiles"
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # The daemon's own user, in the groups that own the I2C, GPIO and serial devices.
    if ! getent passwd hearth >/dev/null; then
        adduser --system --group --no-create-home --home /var/lib/hearth hearth
    fi
    for group in i2c gpio dialout; do
        if getent group "$group" >/dev/null; then adduser hearth "$group" >/dev/null; fi
    done
    chgrp hearth /etc/hearth/hearth.toml
    chmod 640 /etc/hearth/hearth.toml
    # The watchdog devices to the hearth group now, not only at the next boot.
    if command -v udevadm >/dev/null; then udevadm trigger --subsystem-match=watchdog || true; fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        # An upgrade restarts a running daemon; a first install leaves enabling to the owner
        # (Scripts/install.sh, or systemctl enable --now hearthd) once the file is edited.
        if systemctl is-active --quiet hearthd; then systemctl restart hearthd; fi
    fi
fi
POSTINST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
# Stopping the daemon leaves the hash board off and the fans at their safe duty.
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl disable --now hearthd >/dev/null 2>&1 || true
fi
PRERM
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
if [ "$1" = purge ]; then rm -rf /var/lib/hearth; fi
POSTRM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

mkdir -p "$output"
deb="$output/hearth_${version}_${arch}.deb"
# HEARTH_DEB_COMPRESSION=none packs in seconds (the tests); xz makes the smallest package.
dpkg-deb --root-owner-group "-Z${HEARTH_DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null
hearth_say "packed $deb (Depends: $depends_line)"
echo "$deb"
