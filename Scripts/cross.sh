# Hearth's arm64 cross toolchain, made of Debian's packages alone. Source it, don't run it
# (Scripts/build-release.sh --arch arm64 does).
#
# The compiler is Debian sid's swiftlang (6.2): the only Debian Swift of 6.2 or later, and it needs
# a newer glibc than this machine's, so it runs in a sid chroot of its own. The target's libraries
# (glibc, libstdc++, libgpiod, libi2c, zlib and Swift's own static runtime, all for arm64) are sid's
# arm64 packages, extracted into a sysroot without running anything from them. A Swift SDK bundle
# over that sysroot tells SwiftPM where each part is. Everything lives in HEARTH_CROSS_CACHE
# (default .build-cross, about 7 GB), is made once and then reused while its stamp names the same
# inputs; what is downloaded is printed as it is.

HEARTH_CROSS_CACHE=${HEARTH_CROSS_CACHE:-$PWD/.build-cross}
# The sid chroot's packages: the compiler, git for SwiftPM's checkouts, and the host's C library
# headers (SwiftPM compiles Package.swift for the host).
HEARTH_CROSS_HOST_PACKAGES=(swiftlang git pkgconf libc6-dev)
# The target's: Swift's runtime for arm64 (static, in swiftlang's libexec), and every library
# Hearth links, as static archives for a static executable.
HEARTH_CROSS_TARGET_PACKAGES=(swiftlang libswiftlang libc6-dev libgcc-16-dev libstdc++-16-dev libgpiod-dev libi2c-dev zlib1g-dev)

hearth_cross_fresh() { [ -f "$1/.done" ] && [ "$(cat "$1/.done")" = "$2" ]; }

# mmdebstrap SUITE DIR ARGS...: sid's Release file is re-signed weekly, but a mirror's copy may be
# older than its Valid-Until; the packages are still checked against its signed hashes.
hearth_cross_mmdebstrap() {
    local suite=$1 dir=$2 log
    shift 2
    log=$HEARTH_CROSS_CACHE/${dir##*/}.log
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! mmdebstrap --aptopt='Acquire::Check-Valid-Until "false"' "$@" "$suite" "$dir" "$(hearth_debian_mirror)" > "$log" 2>&1; then
        tail -n 20 "$log" >&2
        hearth_die "mmdebstrap $* $suite failed (log: $log)"
    fi
}

# Sets up the chroot, the sysroot for ARCH (arm64) and the SDK bundle hearth-ARCH.
hearth_cross_setup() {
    local arch=$1 chroot sysroot sdk stamp
    [ "$arch" = arm64 ] || hearth_die "no cross toolchain for $arch: Hearth cross-builds for arm64 only"
    [ "$(dpkg --print-architecture)" = amd64 ] || hearth_die "the cross toolchain runs on amd64; this machine is $(dpkg --print-architecture)"
    hearth_need_packages mmdebstrap
    mkdir -p "$HEARTH_CROSS_CACHE"
    HEARTH_CROSS_CACHE=$(cd "$HEARTH_CROSS_CACHE" && pwd)

    chroot=$HEARTH_CROSS_CACHE/sid
    stamp="sid ${HEARTH_CROSS_HOST_PACKAGES[*]}"
    if ! hearth_cross_fresh "$chroot" "$stamp"; then
        hearth_say "making the sid chroot with Swift 6.2 (${HEARTH_CROSS_HOST_PACKAGES[*]} and what they need, downloaded once)"
        hearth_cross_mmdebstrap sid "$chroot" --variant=apt --include="$(IFS=,; echo "${HEARTH_CROSS_HOST_PACKAGES[*]}")"
        echo "$stamp" > "$chroot/.done"
    fi

    sysroot=$HEARTH_CROSS_CACHE/sysroot-$arch
    stamp="sid $arch ${HEARTH_CROSS_TARGET_PACKAGES[*]}"
    if ! hearth_cross_fresh "$sysroot" "$stamp"; then
        hearth_say "extracting the $arch sysroot from sid (${HEARTH_CROSS_TARGET_PACKAGES[*]} and what they need, downloaded once)"
        hearth_cross_mmdebstrap sid "$sysroot" --variant=extract --architectures="$arch" \
            --include="$(IFS=,; echo "${HEARTH_CROSS_TARGET_PACKAGES[*]}")"
        # Extracted packages make no merged-/usr links (base-files would): the C library's linker
        # scripts name /lib/aarch64-linux-gnu/... inside the sysroot.
        for link in bin sbin lib; do
            [ -e "$sysroot/$link" ] || ln -s "usr/$link" "$sysroot/$link"
        done
        # The driver looks for the static runtime's start file (swiftrt.o) under usr/lib, while
        # Debian keeps Swift in usr/libexec/swift.
        for link in swift swift_static; do
            [ -e "$sysroot/usr/lib/$link" ] || ln -s "../libexec/swift/lib/$link" "$sysroot/usr/lib/$link"
        done
        [ -f "$sysroot/usr/libexec/swift/lib/swift_static/linux/libswiftCore.a" ] ||
            hearth_die "sid's $arch swiftlang has no usr/libexec/swift/lib/swift_static/linux/libswiftCore.a: the static Swift runtime Hearth links"
        echo "$stamp" > "$sysroot/.done"
    fi

    # The SDK bundle: swift-sdk.json names the sysroot and Swift's runtime in it; the toolset links
    # with the compiler's own ld.lld (the system has no aarch64 linker in the chroot).
    sdk=$HEARTH_CROSS_CACHE/sdks/hearth-$arch.artifactbundle
    rm -rf "$sdk"
    mkdir -p "$sdk/sdk"
    cat > "$sdk/info.json" <<EOF
{ "schemaVersion": "1.0",
  "artifacts": { "hearth-$arch": { "type": "swiftSDK", "version": "1", "variants": [{ "path": "sdk" }] } } }
EOF
    cat > "$sdk/sdk/swift-sdk.json" <<EOF
{ "schemaVersion": "4.0",
  "targetTriples": { "aarch64-unknown-linux-gnu": {
    "sdkRootPath": "$sysroot",
    "swiftResourcesPath": "$sysroot/usr/libexec/swift/lib/swift",
    "swiftStaticResourcesPath": "$sysroot/usr/libexec/swift/lib/swift_static",
    "toolsetPaths": ["toolset.json"] } } }
EOF
    cat > "$sdk/sdk/toolset.json" <<EOF
{ "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] },
  "linker": { "path": "/usr/libexec/swift/bin/ld.lld" } }
EOF
    HEARTH_CROSS_SYSROOT=$sysroot
    HEARTH_CROSS_SDK=hearth-$arch
}

# Runs a command in the sid chroot, in this folder (bind-mounted at the same path), in a mount
# namespace of its own, so the mounts end with it: /proc (Swift finds its runtime through
# /proc/self/exe), /dev, the machine's Swift package mirror and git's rules that point at it.
hearth_cross_run() {
    local chroot=$HEARTH_CROSS_CACHE/sid
    unshare --mount --propagation private -- bash -euo pipefail -c '
        chroot=$1 here=$2
        shift 2
        mount -t proc proc "$chroot/proc"
        mount --rbind /dev "$chroot/dev"
        mkdir -p "$chroot$here"
        mount --bind "$here" "$chroot$here"
        if [ -d /opt/swift-packages ]; then
            mkdir -p "$chroot/opt/swift-packages"
            mount --bind /opt/swift-packages "$chroot/opt/swift-packages"
        fi
        [ -f /etc/gitconfig ] && cp /etc/gitconfig "$chroot/etc/gitconfig"
        cd "$here"
        exec chroot "$chroot" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
            /bin/sh -c "cd \"$here\" && exec \"\$@\"" sh "$@"
    ' hearth-cross "$chroot" "$PWD" "$@"
}
