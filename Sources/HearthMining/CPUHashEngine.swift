import Foundation
import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Work for the engine: a header template whose nonce the engine fills, and the share target.
public struct MiningJob: Hashable, Sendable {
    public var id: String
    public var header: BlockHeader
    /// The target a share must meet (the pool's, usually far easier than the block's).
    public var shareTarget: Target

    public init(id: String, header: BlockHeader, shareTarget: Target) {
        self.id = id
        self.header = header
        self.shareTarget = shareTarget
    }
}

/// A nonce that meets a job's share target.
public struct Share: Hashable, Sendable {
    public var jobID: String
    public var nonce: UInt32
    /// The header hash, internal byte order.
    public var hash: [UInt8]
    public var difficulty: Double
}

/// How the board's processor turns work into watts: idle, and with every core hashing flat out.
public struct CPUPowerModel: Hashable, Sendable {
    public var idle: Watts
    public var fullLoad: Watts
    public var cores: Int

    public init(idle: Watts, fullLoad: Watts, cores: Int) {
        self.idle = idle
        self.fullLoad = fullLoad
        self.cores = max(cores, 1)
    }

    /// Threads and duty for a power target: as few threads as carry the extra watts, each hashing
    /// for `duty` of every period. The power above idle is taken as shared evenly by the cores.
    public func plan(for target: Watts) -> (threads: Int, duty: Double) {
        let perCore = (fullLoad - idle).value / Double(cores)
        let extra = (target - idle).value
        guard extra > 0, perCore > 0 else { return (0, 0) }
        let coresNeeded = min(extra / perCore, Double(cores))
        let threads = Int(coresNeeded.rounded(.up))
        return (threads, coresNeeded / Double(threads))
    }
}

/// When a hashing thread works and when it rests, for a duty cycle: within every period, hash
/// until `duty` of it has been worked, then rest to the period's end. It keeps the books across
/// periods, so a slice that ran long is paid back in the next rest: the realised duty converges
/// on the target. Pure: time comes in.
public struct DutyPlanner: Hashable, Sendable {
    public var period: Duration
    public private(set) var worked = Duration.zero
    public private(set) var elapsed = Duration.zero

    public init(period: Duration = .milliseconds(100)) {
        self.period = period
    }

    /// After `slice` of work or rest (`working` says which), how long to rest before working again
    /// (`.zero`: keep working).
    public mutating func record(_ slice: Duration, working: Bool, duty: Double) -> Duration {
        elapsed += slice
        if working { worked += slice }
        // Ahead of the duty: rest until worked / elapsed is back at the duty, at most a period.
        let ahead: Duration = worked - elapsed * duty
        guard ahead > .zero else { return .zero }
        let rest: Duration = ahead / max(duty, 1e-9)
        return min(rest, period)
    }

    /// The duty realised so far.
    public var realised: Double { elapsed > .zero ? worked / elapsed : 0 }
}

/// The CPU hash engine: plain threads (never Swift's cooperative pool) scanning disjoint nonce
/// ranges of the current job with the fastest kernel the CPU has, at the duty and thread count
/// that a power target asks. A new job reaches every thread between two chunks of about a
/// millisecond's work; a share found for a job that has since been replaced is dropped, never
/// reported.
public final class CPUHashEngine: Sendable {
    private struct Work {
        var job: MiningJob?
        var scanner: NonceScanner?
        var threads = 0
        var duty = 0.0
    }

    public let maxThreads: Int
    public let kernel: NonceScanner.Kernel
    private let model: CPUPowerModel
    private let onShare: @Sendable (Share) -> Void
    private let work = Mutex(Work())
    private let generation = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(false)
    private let hashCount = Atomic<UInt64>(0)
    /// Nonces per chunk between checks for a new job: about a millisecond's work.
    static let chunk: UInt32 = 1 << 14

    public init(
        model: CPUPowerModel, kernel: NonceScanner.Kernel = .best, onShare: @escaping @Sendable (Share) -> Void
    ) {
        self.model = model
        self.maxThreads = model.cores
        self.kernel = kernel
        self.onShare = onShare
    }

    /// Hashes computed since start.
    public var hashes: UInt64 { hashCount.load(ordering: .relaxed) }

    /// Replaces the job (`nil`: no work). Every thread leaves the old one at its next chunk, and
    /// no share of the old job is reported once this returns. `onShare` is called with the job
    /// lock held: it must only hand the share on.
    public func setJob(_ job: MiningJob?) {
        let scanner = job.map { NonceScanner(header: $0.header, target: $0.shareTarget) }
        work.withLock { work in
            work.job = job
            work.scanner = scanner
            generation.add(1, ordering: .releasing)
        }
    }

    /// Sets the power the engine should draw; zero stops hashing.
    public func setPowerTarget(_ target: Watts) {
        let plan = model.plan(for: target)
        work.withLock { work in
            work.threads = plan.threads
            work.duty = plan.duty
        }
    }

    /// Starts the threads.
    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for index in 0..<maxThreads {
            let thread = Thread { [self] in worker(index) }
            thread.start()
        }
    }

    /// Tells the threads to stop; each ends at its next chunk or rest.
    public func stop() {
        running.store(false, ordering: .releasing)
    }

    private func worker(_ index: Int) {
        var planner = DutyPlanner()
        var nonce: UInt32 = 0
        var seen = UInt64.max
        let clock = ContinuousClock()
        while running.load(ordering: .acquiring) {
            let current = generation.load(ordering: .acquiring)
            let (job, scanner, threads, duty) = work.withLock { ($0.job, $0.scanner, $0.threads, $0.duty) }
            guard let job, let scanner, index < threads, duty > 0 else {
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            if current != seen {
                // A new job: this thread's share of the nonce space, from its start.
                seen = current
                nonce = UInt32(truncatingIfNeeded: UInt64(index) * (UInt64(1) << 32) / UInt64(maxThreads))
                planner = DutyPlanner()
            }
            let started = clock.now
            let last = nonce &+ (Self.chunk - 1)
            let found = scanner.scan(nonce...max(last, nonce), kernel: kernel)
            hashCount.add(UInt64(Self.chunk), ordering: .relaxed)
            nonce = last &+ 1
            // Stale work is never reported: under the same lock `setJob` takes, the job must still
            // be the one scanned, so once `setJob` returns no share of the old job can follow.
            if !found.isEmpty {
                let shares = found.map { found in
                    var header = job.header
                    header.nonce = found
                    let hash = header.hash
                    return Share(jobID: job.id, nonce: found, hash: hash, difficulty: Target.difficulty(of: hash))
                }
                work.withLock { _ in
                    guard generation.load(ordering: .acquiring) == current else { return }
                    shares.forEach(onShare)
                }
            }
            let rest = planner.record(started.duration(to: clock.now), working: true, duty: duty)
            if rest > .zero {
                Thread.sleep(forTimeInterval: rest.seconds)
                _ = planner.record(rest, working: false, duty: duty)
            }
        }
    }
}
