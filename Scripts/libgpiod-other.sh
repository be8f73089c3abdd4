#!/usr/bin/env bash
# Fetches the *other* libgpiod API than the system's into a folder of the build directory, so the
# GPIO shim can be built and tested against both: on Debian 12 / Raspberry Pi OS bookworm
# (libgpiod 1.6) it fetches trixie's libgpiod 2.x; on Debian 13 / trixie it fetches bookworm's 1.6.
#
# The packages come with `apt-get download` from a private apt list whose mirror is the one this
# machine's own apt sources use, with the suite changed; nothing is installed on the system.
# Prints the folder whose usr/ holds the extracted packages. Cached: a second run downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

out=${1:-.build-gpiod-other/libgpiod}
case "$(hearth_system_libgpiod_major)" in
    1) suite=trixie; packages=(libgpiod-dev libgpiod3); want=2 ;;
    2) suite=bookworm; packages=(libgpiod-dev libgpiod2); want=1 ;;
    *) hearth_die "libgpiod-dev is not installed; run Scripts/test.sh, which installs it" ;;
esac
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -f "$out/done-$suite" ]; then
    echo "$out"
    exit 0
fi

mirror=$(hearth_debian_mirror)
hearth_say "fetching ${packages[*]} from $mirror ($suite, $arch) into $out"

apt_dir="$out/apt"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$out/debs"
# No Signed-By: apt checks the suite against the keys the system trusts (/etc/apt/trusted.gpg.d),
# which on Debian 12 and 13 and Raspberry Pi OS hold both releases' archive keys.
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$mirror" "$suite" > "$apt_dir/sources.list.d/$suite.sources"
apt_options=(
    -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Architecture=$arch"
    -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=true"
)
apt-get "${apt_options[@]}" -qq update
(cd "$out/debs" && apt-get "${apt_options[@]}" -qq download "${packages[@]}")

rm -rf "$out/root"
for deb in "$out"/debs/*.deb; do dpkg-deb -x "$deb" "$out/root"; done
pc=$(find "$out/root" -name libgpiod.pc | head -n 1)
[ -n "$pc" ] || hearth_die "the downloaded packages hold no libgpiod.pc"
grep -q "^Version: $want\." "$pc" || hearth_die "expected libgpiod $want.x from $suite, got $(grep '^Version:' "$pc")"
mkdir -p "$out/pkgconfig"
sed "s|^prefix=.*|prefix=$out/root/usr|" "$pc" > "$out/pkgconfig/libgpiod.pc"
touch "$out/done-$suite"
echo "$out"
