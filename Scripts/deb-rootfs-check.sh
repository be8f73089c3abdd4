#!/usr/bin/env bash
# Installs a Hearth package the way an owner does, `apt install ./hearth_VERSION_ARCH.deb`, into
# fresh Debian root file systems of the package's architecture (by default bookworm and trixie,
# the two Raspberry Pi OS releases), and runs it there:
#   hearth version; hearth board check of every packaged board file; hearth simulate
#   --scenario setpoint-step --duration 2h, whose JSON must equal this checkout's own
#   (HEARTH_REFERENCE_BIN: a folder with this machine's hearth; skipped without it); hearthd
#   --ticks 4 on the simulated board; and hearth stratum check against a pool on loopback given
#   by a host name, which the root's resolver finds through a DNS server (dnsmasq) on 127.0.0.2
#   named in the root's /etc/resolv.conf: the name resolves in the shipped binary.
#
#   Scripts/deb-rootfs-check.sh DEB [SUITE...]
#
# Another architecture's programs run through QEMU's user-mode emulation (binfmt_misc). The root
# file systems are made once with mmdebstrap (variant apt) and kept as tarballs in
# .build-rootfs/; each run unpacks a fresh copy.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh

deb=${1:?usage: Scripts/deb-rootfs-check.sh DEB [SUITE...]}
shift
[ -f "$deb" ] || hearth_die "no $deb"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
arch=$(dpkg-deb --field "$deb" Architecture)
hearth_need_binfmt "$arch"
hearth_need_packages mmdebstrap dnsmasq-base python3

cache=$PWD/.build-rootfs
mkdir -p "$cache"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# The pool, and the name server that knows it as pool.hearth.test.
python3 Scripts/testpool.py > "$work/pool-port" &
pids+=($!)
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.2 --port=53 --address=/pool.hearth.test/127.0.0.1 \
    --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log" --log-queries &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/pool-port" ] && break; sleep 0.1; done
pool_port=$(cat "$work/pool-port")
[ -n "$pool_port" ] || hearth_die "the test pool (Scripts/testpool.py) did not start"

# How often the name server has been asked for the pool's address.
dns_queries() {
    local count
    count=$(grep -c 'query\[A\] pool.hearth.test' "$work/dnsmasq.log" 2>/dev/null || true)
    echo "${count:-0}"
}

base_name=${deb##*/}
for suite in "${suites[@]}"; do
    tarball=$cache/$suite-$arch.tar
    if [ ! -f "$tarball" ]; then
        hearth_say "making a Debian $suite root file system for $arch (mmdebstrap, about 100 MB to download)"
        log=$cache/$suite-$arch.log
        mmdebstrap --variant=apt --format=tar --architectures="$arch" "$suite" "$tarball.part" "$(hearth_debian_mirror)" > "$log" 2>&1 ||
            { tail -n 20 "$log" >&2; hearth_die "mmdebstrap $suite for $arch failed (log: $log)"; }
        mv "$tarball.part" "$tarball"
    fi
    root=$work/$suite
    mkdir -p "$root"
    tar -xf "$tarball" -C "$root"
    cp "$deb" "$root/tmp/$base_name"
    cp /etc/resolv.conf "$root/etc/resolv.conf" # for apt; the checks after it ask the test's name server
    hearth_say "Debian $suite ($arch): apt install ./$base_name, then running it"
    queries=$(dns_queries)
    # In a mount namespace of its own, so that /proc and /dev go with it.
    if ! unshare --mount --propagation private -- bash -euo pipefail -c '
        root=$1 deb=$2 port=$3
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/sh -euc "
            cd /tmp
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq ./$deb > apt.log 2>&1 || { cat apt.log; exit 1; }
            echo nameserver 127.0.0.2 > /etc/resolv.conf
            echo \"hearth version: \$(hearth version | head -n 1)\"
            hearth board check /usr/share/hearth/Board/*.toml > /dev/null
            echo \"board check: \$(ls /usr/share/hearth/Board/*.toml | wc -l) board files pass\"
            hearth simulate --scenario setpoint-step --duration 2h --json > simulate.json
            hearthd --board /usr/share/hearth/Board/sim.toml --state /tmp/state.json --api off --cgminer-api off --ticks 4 --tick-rate 10 > hearthd.log 2>&1 ||
                { cat hearthd.log; exit 1; }
            echo \"hearthd: 4 ticks on the simulated board\"
            hearth stratum check --url stratum+tcp://pool.hearth.test:$port --user bc1qheater.den --timeout 30
        "
    ' deb-rootfs-check "$root" "$base_name" "$pool_port" 2>&1 | sed "s/^/  [$suite] /"; then
        hearth_die "the package does not install or run in Debian $suite ($arch)"
    fi
    [ "$(dns_queries)" -gt "$queries" ] ||
        hearth_die "in $suite, hearth stratum check reached the pool without asking the DNS server for pool.hearth.test"
    if [ -n "${HEARTH_REFERENCE_BIN:-}" ]; then
        "$HEARTH_REFERENCE_BIN/hearth" simulate --scenario setpoint-step --duration 2h --json > "$work/reference.json"
        cmp -s "$work/reference.json" "$root/tmp/simulate.json" ||
            hearth_die "in $suite, $arch's hearth simulate printed other JSON than this machine's (diff $work/reference.json $root/tmp/simulate.json)"
        echo "  [$suite] hearth simulate: the same JSON as this machine's build" >&2
    fi
    rm -rf "$root"
done
hearth_say "the $arch package installs and runs in Debian ${suites[*]}"
