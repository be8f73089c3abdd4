#!/usr/bin/env bash
# Installs Hearth on a Pi over ssh: copies the Debian package for the Pi's architecture, installs
# it with apt (which brings libgpiod and libi2c), enables and starts hearthd, and checks that it
# answers on its API.
#
#   Scripts/install.sh [--deb FILE] [--no-start] HOST
#
# HOST is anything ssh takes (pi@heater.local, an ~/.ssh/config name); the user there needs sudo.
# --deb defaults to dist/hearth_<version>_<the Pi's arch>.deb (Scripts/build-release.sh on the
# Pi or with a Swift SDK, then Scripts/package-deb.sh). --no-start installs and enables the unit
# without starting it, to edit /etc/hearth/hearth.toml first.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

deb=""
start=1
host=""
while [ $# -gt 0 ]; do
    case "$1" in
        --deb) deb=$2; shift 2 ;;
        --no-start) start=0; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) hearth_die "unknown option $1 (see --help)" ;;
        *) [ -z "$host" ] || hearth_die "one host at a time"; host=$1; shift ;;
    esac
done
[ -n "$host" ] || hearth_die "which Pi? Scripts/install.sh HOST (see --help)"

ssh=(ssh -o BatchMode=yes -o ConnectTimeout=10 "$host")
hearth_say "asking $host for its architecture"
arch=$("${ssh[@]}" dpkg --print-architecture) || hearth_die "cannot run commands on $host over ssh (keys set up? BatchMode is on)"
if [ -z "$deb" ]; then
    deb=dist/hearth_$(hearth_version)_$arch.deb
    [ -f "$deb" ] || hearth_die "no $deb: build it for $arch (Scripts/build-release.sh, Scripts/package-deb.sh) or name one with --deb"
fi
[ -f "$deb" ] || hearth_die "no $deb"
package_arch=$(dpkg-deb --field "$deb" Architecture)
[ "$package_arch" = "$arch" ] || hearth_die "$deb is for $package_arch; $host is $arch"

remote=/tmp/$(basename "$deb")
hearth_say "copying $deb to $host"
scp -q -o BatchMode=yes "$deb" "$host:$remote"
hearth_say "installing on $host"
"${ssh[@]}" "sudo apt-get install -y -qq $remote && rm -f $remote"
if [ "$start" = 1 ]; then
    "${ssh[@]}" "sudo systemctl enable --now hearthd"
    hearth_say "waiting for hearthd on $host"
    for _ in $(seq 1 20); do
        if "${ssh[@]}" "systemctl is-active --quiet hearthd && curl -fsS http://127.0.0.1:8080/api/status" >/dev/null 2>&1; then
            "${ssh[@]}" "systemctl status --no-pager --lines 5 hearthd" || true
            hearth_say "hearthd runs on $host; its settings are in /etc/hearth/hearth.toml (then: sudo systemctl restart hearthd)"
            exit 0
        fi
        sleep 1
    done
    "${ssh[@]}" "sudo journalctl -u hearthd --no-pager --lines 30" || true
    hearth_die "hearthd on $host did not answer on 127.0.0.1:8080 within 20 s (its log is above)"
else
    "${ssh[@]}" "sudo systemctl enable hearthd"
    hearth_say "installed and enabled; edit /etc/hearth/hearth.toml on $host, then: sudo systemctl start hearthd"
fi
