import HearthHAL

/// Which kernel `auto` takes: the fastest of those this CPU runs, by measuring each on one thread
/// rather than by a fixed ranking. (On an Intel Xeon with SHA-NI and AVX-512 the ranking took
/// SHA-NI at 10 MH/s where AVX-512 does 19; on AMD Zen, SHA-NI is the faster.)
public struct KernelChoice: Sendable, CustomStringConvertible {
    /// A kernel and the hashes a second it did on one thread.
    public struct Rate: Sendable, Hashable {
        public var kernel: NonceScanner.Kernel
        public var hashesPerSecond: Double

        /// A kernel's measured rate.
        public init(kernel: NonceScanner.Kernel, hashesPerSecond: Double) {
            self.kernel = kernel
            self.hashesPerSecond = hashesPerSecond
        }
    }

    /// The kernel taken.
    public var kernel: NonceScanner.Kernel
    /// Every candidate's rate, in the order they were measured.
    public var rates: [Rate]

    /// Takes the fastest of `candidates` by `rate` (hashes a second on one thread). A rate that is
    /// not a positive number never wins; of equal rates the later candidate wins (candidates come
    /// slowest-ranked first); with no candidate that measured, the scalar kernel.
    public static func fastest(
        of candidates: [NonceScanner.Kernel], rate: (NonceScanner.Kernel) -> Double
    ) -> KernelChoice {
        let rates = candidates.map { Rate(kernel: $0, hashesPerSecond: rate($0)) }
        var best: Rate?
        for measured in rates where measured.hashesPerSecond.isFinite && measured.hashesPerSecond > 0 {
            if measured.hashesPerSecond >= best?.hashesPerSecond ?? 0 { best = measured }
        }
        return KernelChoice(kernel: best?.kernel ?? .scalar, rates: rates)
    }

    /// Hashes a second of `kernel` on this thread, over about `budget` of scanning: whole
    /// chunks of nonces from `first` on, until the time is spent, timed on the monotonic clock.
    /// `hearth bench hash` runs it on each of its threads.
    public static func measure(_ kernel: NonceScanner.Kernel, budget: Duration = .milliseconds(30), from start: UInt32 = 0) -> Double {
        let scanner = NonceScanner(header: NonceScanner.knownAnswerHeader, target: Target(difficulty: 1e15))
        let clock = ContinuousClock()
        let began = clock.now
        var nonces: UInt64 = 0
        var first = start
        let chunk: UInt32 = kernel == .scalar ? 1 << 10 : 1 << 14
        repeat {
            if first > UInt32.max - chunk { first = 0 }
            _ = scanner.scan(first...(first + chunk - 1), kernel: kernel)
            first += chunk
            nonces += UInt64(chunk)
        } while began.duration(to: clock.now) < budget
        return Double(nonces) / began.duration(to: clock.now).seconds
    }

    /// The choice for this CPU, made once per process by measuring every kernel that passed its
    /// known-answer check (about 30 ms each), the first time an engine asks.
    public static let measured = fastest(of: NonceScanner.Kernel.available) { measure($0) }

    /// "shani (shani 21.3, avx2 11.1, scalar 0.92 MH/s on one thread)".
    public var description: String {
        let table = rates.map { "\($0.kernel.rawValue) \(Self.megahashes($0.hashesPerSecond))" }.joined(separator: ", ")
        return "\(kernel.rawValue) (\(table) MH/s on one thread)"
    }

    static func megahashes(_ rate: Double) -> String {
        let value = rate / 1e6
        let rounded = value >= 10 ? (value * 10).rounded() / 10 : (value * 100).rounded() / 100
        return "\(rounded)"
    }
}
