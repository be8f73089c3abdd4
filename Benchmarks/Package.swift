// swift-tools-version: 6.2
//
// Hearth's package-benchmark suites, a package of their own so that the benchmark harness and its
// dependencies stay out of the firmware's build. Run from this folder:
//   swift package benchmark                      # every kernel this CPU runs, one thread each
//   swift package benchmark --filter shani
import PackageDescription

let package = Package(
    name: "HearthBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Hearth", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HashKernels",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HearthMining", package: "Hearth"),
            ],
            path: "Benchmarks/HashKernels",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
