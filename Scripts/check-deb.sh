#!/usr/bin/env bash
# Checks a Hearth Debian package before it goes to a Pi: its control fields, that it holds the
# binaries, the unit, the configuration (as a conffile) and the board files, that the unit and the
# configuration point at files the package installs, and that the packaged hearth accepts the
# packaged board files and configuration.
#
#   Scripts/check-deb.sh DEB
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

deb=${1:?usage: Scripts/check-deb.sh DEB}
[ -f "$deb" ] || hearth_die "no $deb"
fail() { hearth_die "$deb: $*"; }

[ "$(dpkg-deb --field "$deb" Package)" = hearth ] || fail "Package is not hearth"
[ "$(dpkg-deb --field "$deb" Version)" = "$(hearth_version)" ] || fail "Version is not $(hearth_version)"
depends=$(dpkg-deb --field "$deb" Depends)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
# A dynamically linked hearthd needs libgpiod's and libi2c's packages; a static one (the arm64
# build) nothing but adduser, which the package's own script runs.
if readelf -d "$root/usr/bin/hearthd" | grep -q '(NEEDED)'; then needs=(libgpiod libi2c0 adduser); else needs=(adduser); fi
for needed in "${needs[@]}"; do
    [[ "$depends" == *"$needed"* ]] || fail "Depends ($depends) lacks $needed"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/hearth/hearth.toml ] || fail "the configuration is not a conffile"

for file in usr/bin/hearthd usr/bin/hearth usr/lib/systemd/system/hearthd.service etc/hearth/hearth.toml \
    usr/share/hearth/Board/sim.toml usr/share/hearth/Board/raspberry-pi-4b.toml usr/lib/udev/rules.d/60-hearth.rules; do
    [ -e "$root/$file" ] || fail "does not hold /$file"
done
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$root/usr/lib/systemd/system/hearthd.service")
[ -x "$root$exec_start" ] || fail "the unit starts $exec_start, which the package does not install"
stop_post=$(sed -n 's/^ExecStopPost=\([^ ]*\).*/\1/p' "$root/usr/lib/systemd/system/hearthd.service")
[ -n "$stop_post" ] && [ -x "$root$stop_post" ] || fail "the unit's ExecStopPost ($stop_post) is not a binary the package installs"
board=$(sed -n 's/^board *= *"\(.*\)".*/\1/p' "$root/etc/hearth/hearth.toml")
[ -f "$root$board" ] || fail "the configuration names the board $board, which the package does not install"

"$root/usr/bin/hearth" board check "$root"/usr/share/hearth/Board/*.toml >/dev/null || fail "its board files do not pass hearth board check"
# The configuration, with its absolute paths moved into the unpacked tree.
sed "s|\"/usr/share/hearth/|\"$root/usr/share/hearth/|" "$root/etc/hearth/hearth.toml" >"$root/hearth.toml"
"$root/usr/bin/hearth" config check "$root/hearth.toml" >/dev/null || fail "its configuration does not pass hearth config check"
# Outside any checkout, the packaged tool finds the simulated board beside itself (../share/hearth/Board).
(cd / && "$root/usr/bin/hearth" simulate --scenario 400w --duration 10m >/dev/null) \
    || fail "its hearth simulate does not find the board files it installs"
hearth_say "$deb: ok ($(dpkg-deb --field "$deb" Architecture), Depends: $depends)"
