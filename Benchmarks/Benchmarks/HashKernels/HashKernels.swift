import Benchmark
import HearthMining

/// One benchmark per SHA-256d kernel this CPU runs, on one thread: each iteration scans 64 Ki
/// nonces of the genesis header, so the throughput metric is in scans per second (times 65 536:
/// hashes per second), and the malloc count shows that the scan allocates nothing per nonce.
let benchmarks: @Sendable () -> Void = {
    let header = NonceScanner.knownAnswerHeader
    let scanner = NonceScanner(header: header)
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))
    for kernel in NonceScanner.Kernel.available {
        Benchmark("sha256d scan, 65536 nonces, \(kernel.rawValue)") { benchmark in
            var start: UInt32 = 0
            for _ in benchmark.scaledIterations {
                blackHole(scanner.scan(start...start + 65_535, kernel: kernel))
                start &+= 65_536
            }
        }
    }
}
