// swift-tools-version: 6.2
//
// Hearth: firmware core of a space heater whose heating element is a Bitcoin miner.
// Layers (README.md, Layout, has the whole graph): an arrow only points down.
//   HearthHAL (protocols and units, no I/O: buses, lines, sensors, HashBoard, Watchdog)
//     ├─► HearthLinux (real backends; CGPIOD, CI2C, CGPIOShim)      ├─► HearthDrivers (chips, the BM13xx chain)
//     ├─► HearthMining (kernels, engines over HashBoard) ─► HearthStratum (with HearthNet)
//     ├─► HearthSim (thermal model, twins)                          └─► HearthControl (laws, safety, TickSnapshot)
//   HearthHistory (30 s samples of the ticks, a week in SQLite) ─► HearthAPI (reads TickSnapshot)
//   HearthAPI ─┬─► HearthMQTT (Home Assistant) ─┐
//   HearthConfig ─► HearthRuntime ◄─┴───────────────────────────────┘ ─► HearthTools ─► hearth;  HearthRuntime ─► hearthd
import PackageDescription

/// Every Swift target of ours: Swift 6 mode (complete concurrency checking) and no warnings.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "Hearth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hearthd", targets: ["hearthd"]),
        .executable(name: "hearth", targets: ["hearth"]),
        .library(name: "HearthHAL", targets: ["HearthHAL"]),
        .library(name: "HearthMining", targets: ["HearthMining"]),
        .library(name: "HearthLinux", targets: ["HearthLinux"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // TLS pools (stratum+ssl://).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        // The week of history (SQLite's own C source vendored: no system package, cross-compiles as it is).
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        // Tests only: the reference SHA-256, the test pool's certificates, and property-based tests.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // libgpiod, 1.6 (Debian 12, Raspberry Pi OS bookworm) or 2.x (Debian 13, trixie).
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        // <linux/i2c-dev.h> and <i2c/smbus.h>, plus an ioctl(2) that Swift can call.
        .systemLibrary(
            name: "CI2C",
            providers: [.apt(["libi2c-dev"])]
        ),
        // One small GPIO API over whichever libgpiod the build finds.
        .target(
            name: "CGPIOShim",
            dependencies: ["CGPIOD"],
            cSettings: [.enableWarning("all"), .enableWarning("extra"), .treatAllWarnings(as: .error)]
        ),
        .target(name: "HearthHAL", swiftSettings: strict),
        // Scripted test doubles of the HAL protocols, for the tests of every layer above.
        .target(name: "HearthHALTesting", dependencies: ["HearthHAL"], swiftSettings: strict),
        .target(
            name: "HearthLinux",
            dependencies: ["HearthHAL", "CGPIOShim", "CI2C"],
            swiftSettings: strict
        ),
        // Chip drivers, written only against the HAL.
        .target(name: "HearthDrivers", dependencies: ["HearthHAL"], swiftSettings: strict),
        // The simulated world: a thermal model of a heated room and register-level twins of the chips.
        .target(name: "HearthSim", dependencies: ["HearthHAL", "HearthDrivers", "HearthMining"], swiftSettings: strict),
        // SHA-256d kernels for instruction sets Swift cannot reach portably (SHA-NI), chosen by cpuid.
        .target(
            name: "CSHA256",
            cSettings: [
                .enableWarning("all"), .enableWarning("extra"), .treatAllWarnings(as: .error),
                .unsafeFlags(["-O3"]),
            ]
        ),
        // SHA-256d, block headers and targets, the hash engines (over the HAL's hash board, not a driver).
        .target(name: "HearthMining", dependencies: ["HearthHAL", "CSHA256"], swiftSettings: strict),
        // The Stratum V1 client: the protocol as pure state, on a SwiftNIO TCP connection.
        .target(
            name: "HearthStratum",
            dependencies: [
                "HearthMining", "HearthNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // A TCP server that closes every connection it accepted, however it stops (for the cgminer API
        // and the test pool), a one-request HTTP client (for `hearth fault clear`), and TLS clients (pools, MQTT).
        .target(
            name: "HearthNet",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The heater's history: ticks made into 30 s samples, a week of them in SQLite (written off
        // the control task; a bad file replaced and reported), the ranges and points a chart reads.
        .target(
            name: "HearthHistory",
            dependencies: [
                "HearthControl", "HearthHAL", .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The heater's HTTP API (Hummingbird): status, setpoint, mode, fault clearing, ESP-Miner's system info.
        .target(
            name: "HearthAPI",
            dependencies: [
                "HearthHAL", "HearthControl", "HearthHistory", "HearthNet", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Home Assistant over MQTT: an MQTT 3.1.1 client on SwiftNIO (the codec as pure values), and
        // the heater as one discovered device whose commands take the API's path (HeaterBackend).
        .target(
            name: "HearthMQTT",
            dependencies: [
                "HearthAPI", "HearthControl", "HearthHAL", "HearthNet",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The thermostat, fan loop, power allocator and safety supervisor: pure logic, time passed in.
        .target(name: "HearthControl", dependencies: ["HearthHAL"], swiftSettings: strict),
        // Real mainnet blocks (genesis, 99960, 99993) for the tests of mining and Stratum.
        .target(
            name: "HearthTestFixtures", dependencies: ["HearthMining"], resources: [.copy("Fixtures")],
            swiftSettings: strict),
        // A Stratum pool on loopback that rehashes every share, for the Stratum and daemon tests.
        .target(
            name: "HearthStratumTesting",
            dependencies: [
                "HearthStratum", "HearthMining", "HearthTestFixtures", "HearthNet",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        // Fakes of the kernel interfaces behind HearthLinux's seams, for tests.
        .target(name: "HearthLinuxTesting", dependencies: ["HearthLinux"], swiftSettings: strict),
        // The files a person writes: configuration, board, calibration, scenario and state files,
        // and the daemon's options resolved from them and the command line.
        .target(
            name: "HearthConfig",
            dependencies: [
                "HearthHAL", "HearthDrivers", "HearthSim", "HearthControl", "HearthMining", "HearthStratum", "HearthNet",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // The running heater: a board's devices opened on their backend, the control service that
        // ticks and publishes one snapshot per tick, and the daemon with its services.
        .target(
            name: "HearthRuntime",
            dependencies: [
                "HearthConfig", "HearthHAL", "HearthLinux", "HearthDrivers", "HearthSim", "HearthControl", "HearthMining",
                "HearthStratum", "HearthAPI", "HearthHistory", "HearthMQTT", "HearthNet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What only the `hearth` tool uses: simulation reports, autotune, calibration sessions, benchmarks.
        .target(
            name: "HearthTools",
            dependencies: [
                "HearthConfig", "HearthRuntime", "HearthHAL", "HearthDrivers", "HearthSim", "HearthControl", "HearthMining", "HearthHistory",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hearthd",
            dependencies: [
                "HearthConfig", "HearthRuntime", "HearthControl", "HearthHAL", "HearthStratum",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hearth",
            dependencies: [
                "HearthConfig", "HearthRuntime", "HearthTools", "HearthLinux", "HearthControl", "HearthDrivers", "HearthHAL",
                "HearthMining", "HearthStratum", "HearthNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Runs inside the hardware-in-the-loop VM (Scripts/hil-vm.sh): the Linux backends against the
        // kernel's gpio-sim and i2c-stub chips.
        .executableTarget(
            name: "hearth-hil", dependencies: ["HearthHAL", "HearthLinux", "HearthDrivers"], swiftSettings: strict),
        .testTarget(name: "HearthHALTests", dependencies: ["HearthHAL", "HearthHALTesting"], swiftSettings: strict),
        .testTarget(
            name: "HearthLinuxTests", dependencies: ["HearthLinux", "HearthLinuxTesting", "HearthDrivers", "HearthSim", "HearthMining"],
            swiftSettings: strict),
        .testTarget(name: "HearthSimTests", dependencies: ["HearthSim"], swiftSettings: strict),
        .testTarget(
            name: "HearthMiningTests",
            dependencies: [
                "HearthMining", "HearthDrivers", "HearthSim", "HearthTestFixtures", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthStratumTests",
            dependencies: [
                "HearthStratum", "HearthStratumTesting", "HearthMining", "HearthHAL", "HearthTestFixtures",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "HearthAPITests",
            dependencies: [
                "HearthAPI", "HearthControl", "HearthHAL", "HearthHistory", "HearthNet",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(name: "HearthNetTests", dependencies: ["HearthNet"], swiftSettings: strict),
        .testTarget(
            name: "HearthHistoryTests",
            dependencies: [
                "HearthHistory", "HearthControl", "HearthHAL", .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: strict),
        // Against a real mosquitto (the Debian package), started by the tests on a free port.
        .testTarget(
            name: "HearthMQTTTests",
            dependencies: [
                "HearthMQTT", "HearthAPI", "HearthControl", "HearthHAL", "HearthNet", "HearthTestFixtures",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "HearthControlTests", dependencies: ["HearthControl", "HearthSim"], swiftSettings: strict),
        .testTarget(
            name: "HearthDriversTests", dependencies: ["HearthDrivers", "HearthHALTesting", "HearthSim"],
            swiftSettings: strict),
        .testTarget(
            name: "HearthConfigTests",
            dependencies: ["HearthConfig", "HearthTestFixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HearthRuntimeTests",
            dependencies: [
                "HearthRuntime", "HearthConfig", "HearthHALTesting", "HearthLinuxTesting", "HearthStratumTesting", "HearthTestFixtures",
                "HearthNet", "HearthHistory", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HearthToolsTests",
            dependencies: ["HearthTools", "HearthConfig", "HearthRuntime", "HearthTestFixtures"],
            swiftSettings: strict
        ),
    ]
)

// The Stratum fuzzer (Scripts/fuzz-stratum.sh): only with HEARTH_FUZZ set, since it is built with
// -sanitize=fuzzer and calls libFuzzer's driver.
if Context.environment["HEARTH_FUZZ"] != nil {
    package.targets += [
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "hearth-fuzz-stratum", dependencies: ["HearthStratum", "CFuzzerDriver"], swiftSettings: strict),
    ]
    package.products.append(.executable(name: "hearth-fuzz-stratum", targets: ["hearth-fuzz-stratum"]))
}

// The second libgpiod pass of Scripts/test.sh (HEARTH_GPIO_LAYER_ONLY set) builds and tests only
// the GPIO layer: the shim, the HAL and the Linux backends, and their tests. The other API's build
// then skips the daemon, the simulator and their dependencies, which it would not exercise.
if Context.environment["HEARTH_GPIO_LAYER_ONLY"] != nil {
    let layer: Set<String> = [
        "CGPIOD", "CI2C", "CGPIOShim", "HearthHAL", "HearthLinux", "HearthLinuxTesting", "HearthLinuxTests",
        "HearthDrivers", "hearth-hil", "HearthSim", "HearthMining", "CSHA256",  // the last three for the hash chain's pty test
    ]
    package.targets.removeAll { !layer.contains($0.name) }
    package.products = [
        .library(name: "HearthLinux", targets: ["HearthLinux"]), .executable(name: "hearth-hil", targets: ["hearth-hil"]),
    ]
    package.dependencies = []
}
