import Foundation
import HearthHAL
import HearthMining
import Synchronization

/// `hearth bench hash`: SHA-256d hashes a second of one kernel on some threads, on real time.
public struct HashRateBenchmark: Sendable {
    /// The kernel measured.
    public var kernel: NonceScanner.Kernel
    /// Threads hashing at once (at least one).
    public var threads: Int
    /// How long it runs.
    public var duration: Duration

    /// A run of `kernel` on `threads` threads for `duration`.
    public init(kernel: NonceScanner.Kernel, threads: Int, duration: Duration) {
        self.kernel = kernel
        self.threads = max(threads, 1)
        self.duration = duration
    }

    /// Hashes a second over all threads: each measures the kernel as `auto` does
    /// (`KernelChoice.measure`), on its own nonce range, for the whole duration.
    public func run() -> Double {
        let rates = Mutex([Double](repeating: 0, count: threads))
        let (kernel, duration) = (kernel, duration)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let rate = KernelChoice.measure(kernel, budget: duration, from: UInt32(thread % 16) << 28)
            rates.withLock { $0[thread] = rate }
        }
        return rates.withLock { $0.reduce(0, +) }
    }
}

/// `hearth bench engine`: the CPU hash engine on real time. Its power model is one watt a thread,
/// so a target of d × threads watts asks for duty d; the duty realised is the share of the
/// threads' time spent hashing (what draws the power). A job switch lasts from setting the new
/// work until no thread is hashing the old.
public struct EngineBenchmark: Sendable {
    /// What one duty realised.
    public struct Duty: Sendable {
        /// The duty asked, 0…1.
        public var asked: Double
        /// The share of the threads' time spent hashing.
        public var realised: Double
        /// The hash rate over the rate flat out.
        public var hashRateRatio: Double
    }

    /// What a run measured.
    public struct Result: Sendable {
        /// Hashes a second flat out.
        public var hashesPerSecond: Double
        /// What each duty realised.
        public var duties: [Duty]
        /// Every job switch, shortest first.
        public var switches: [Duration]
        /// The median job switch.
        public var medianSwitch: Duration { switches.isEmpty ? .zero : switches[switches.count / 2] }
        /// The longest job switch.
        public var worstSwitch: Duration { switches.last ?? .zero }
    }

    /// The kernel the engine runs.
    public var kernel: NonceScanner.Kernel
    /// The engine's threads (at least one).
    public var threads: Int
    /// How long each duty is measured.
    public var duration: Duration
    /// Job switches timed (at least one).
    public var switches: Int
    /// The duties measured, besides flat out.
    public var duties = [0.1, 0.25, 0.5, 0.75]

    /// A run of the engine on `kernel` and `threads`, `duration` a duty, timing `switches` switches.
    public init(kernel: NonceScanner.Kernel, threads: Int, duration: Duration, switches: Int) {
        self.kernel = kernel
        self.threads = max(threads, 1)
        self.duration = duration
        self.switches = max(switches, 1)
    }

    /// Runs it: a few seconds a duty, on real time.
    public func run() -> Result {
        let engine = CPUHashEngine(
            model: CPUPowerModel(idle: .zero, fullLoad: Watts(Double(threads)), cores: threads), kernel: kernel, onShare: { _ in })
        engine.setWork(Self.work(0))
        engine.start()
        defer { engine.stop() }
        let clock = ContinuousClock()
        /// The hash rate and the share of the threads' time spent hashing, at a duty.
        func measure(duty: Double) -> (rate: Double, busy: Double) {
            engine.setPowerTarget(Watts(duty * Double(threads)))
            Thread.sleep(forTimeInterval: 0.5)  // the threads settle into the new plan
            let (hashes, busy, start) = (engine.hashes, engine.busyTime, clock.now)
            Thread.sleep(forTimeInterval: duration.seconds)
            let wall = start.duration(to: clock.now)
            return (Double(engine.hashes - hashes) / wall.seconds, (engine.busyTime - busy) / (wall * threads))
        }
        let full = measure(duty: 1).rate
        let measured = duties.map { duty in
            let result = measure(duty: duty)
            return Duty(asked: duty, realised: result.busy, hashRateRatio: result.rate / full)
        }
        engine.setPowerTarget(Watts(Double(threads)))
        Thread.sleep(forTimeInterval: 0.2)
        var latencies: [Duration] = []
        for index in 1...switches {
            let start = clock.now
            engine.setWork(Self.work(UInt32(index)))
            while engine.threadsOnStaleWork > 0 { usleep(20) }  // polling, without taking a core from the threads
            latencies.append(start.duration(to: clock.now))
            Thread.sleep(forTimeInterval: 0.01)
        }
        return Result(hashesPerSecond: full, duties: measured, switches: latencies.sorted())
    }

    /// Work no share can come of (difficulty 10¹⁵), a new job for each `time`.
    static func work(_ time: UInt32) -> WorkTemplate {
        WorkTemplate(
            jobID: "bench-\(time)", previousHash: [UInt8](repeating: 0, count: 32), coinbase1: Array("hearth".utf8),
            extranonce1: [0, 0, 0, 0], extranonce2Size: 4, coinbase2: Array("bench".utf8), merkleBranch: [],
            version: 0x2000_0000, bits: 0x1703_0ECD, time: time, shareTarget: Target(difficulty: 1e15))
    }
}
