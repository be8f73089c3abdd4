import Foundation
import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A header that meets a job's share target: what goes back to the pool.
public struct Share: Hashable, Sendable {
    public var jobID: String
    public var extranonce2: [UInt8]
    /// The header as hashed, nonce included.
    public var header: BlockHeader
    /// The header hash, internal byte order.
    public var hash: [UInt8]
    public var difficulty: Double

    public init(jobID: String, extranonce2: [UInt8], header: BlockHeader) {
        self.jobID = jobID
        self.extranonce2 = extranonce2
        self.header = header
        hash = header.hash
        difficulty = Target.difficulty(of: hash)
    }

    public var nonce: UInt32 { header.nonce }
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

/// The CPU hash engine: plain threads (never Swift's cooperative pool), each scanning the 2^32
/// nonces of its own header, with the fastest kernel the CPU has, at the duty and thread count
/// that a power target asks. Each header comes from the current work template with an
/// extranonce2 taken from one engine-wide counter, so no two threads ever search the same space
/// and a thread that exhausts its nonces takes a fresh header rather than going round again. New
/// work reaches every thread between two chunks of about a millisecond's work; a share found for
/// work that has since been replaced is dropped, never reported.
public final class CPUHashEngine: Sendable {
    private struct Work {
        var template: WorkTemplate?
        var threads = 0
        var duty = 0.0
    }

    public let maxThreads: Int
    public let kernel: NonceScanner.Kernel
    private let model: CPUPowerModel
    private let onShare: @Sendable (Share) -> Void
    private let work = Mutex(Work())
    private let generation = Atomic<UInt64>(0)
    private let extranonce2Counter = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(false)
    private let hashCount = Atomic<UInt64>(0)
    /// Nonces per chunk between checks for new work: about a millisecond's work.
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

    /// Replaces the work (`nil`: none). Every thread leaves the old work at its next chunk, and no
    /// share of it is reported once this returns. `onShare` is called with the work lock held: it
    /// must only hand the share on.
    public func setWork(_ template: WorkTemplate?) {
        work.withLock { work in
            work.template = template
            extranonce2Counter.store(0, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
        }
    }

    /// The work being hashed.
    public var currentWork: WorkTemplate? { work.withLock { $0.template } }

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

    /// One thread's header: the template with the next extranonce2 of the engine.
    private struct Assignment {
        var generation: UInt64
        var extranonce2: [UInt8]
        var header: BlockHeader
        var scanner: NonceScanner
        var next: UInt32 = 0
        var exhausted = false
    }

    private func worker(_ index: Int) {
        var planner = DutyPlanner()
        var assignment: Assignment?
        let clock = ContinuousClock()
        while running.load(ordering: .acquiring) {
            let current = generation.load(ordering: .acquiring)
            let (template, threads, duty) = work.withLock { ($0.template, $0.threads, $0.duty) }
            guard let template, index < threads, duty > 0 else {
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            if assignment == nil || assignment!.generation != current || assignment!.exhausted {
                if assignment?.generation != current { planner = DutyPlanner() }
                let extranonce2 = template.extranonce2(extranonce2Counter.add(1, ordering: .relaxed).oldValue)
                let header = template.header(extranonce2: extranonce2)
                assignment = Assignment(
                    generation: current, extranonce2: extranonce2, header: header,
                    scanner: NonceScanner(header: header, target: template.shareTarget))
            }
            let started = clock.now
            let first = assignment!.next
            let last = first &+ (Self.chunk - 1)
            let found = assignment!.scanner.scan(first...last, kernel: kernel)
            hashCount.add(UInt64(Self.chunk), ordering: .relaxed)
            assignment!.next = last &+ 1
            assignment!.exhausted = last == .max
            // Stale work is never reported: under the same lock `setWork` takes, the work must
            // still be the one scanned, so once `setWork` returns no share of the old work follows.
            if !found.isEmpty, let assignment {
                let shares = found.map { nonce in
                    var header = assignment.header
                    header.nonce = nonce
                    return Share(jobID: template.jobID, extranonce2: assignment.extranonce2, header: header)
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
