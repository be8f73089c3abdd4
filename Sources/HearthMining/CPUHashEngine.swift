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
/// periods, so a slice that ran long (or a rest the OS stretched) is paid back in the next: the
/// realised duty converges on the target. The books are for one duty: a new duty opens new ones
/// (time worked at full power must not be paid back by resting at a low duty), and they forget
/// their past beyond `memory` periods, so a stall is not paid back for minutes. Pure: time comes in.
public struct DutyPlanner: Hashable, Sendable {
    public var period: Duration
    /// How many periods the books remember (older time counts for less and less).
    public var memory: Int
    public private(set) var worked = Duration.zero
    public private(set) var elapsed = Duration.zero
    /// The duty the books are kept for.
    public private(set) var duty: Double?

    public init(period: Duration = .milliseconds(100), memory: Int = 10) {
        self.period = period
        self.memory = memory
    }

    /// After `slice` of work or rest (`working` says which), how long to rest before working again
    /// (`.zero`: keep working).
    public mutating func record(_ slice: Duration, working: Bool, duty: Double) -> Duration {
        if self.duty != duty {
            (worked, elapsed, self.duty) = (.zero, .zero, duty)
        }
        elapsed += slice
        if working { worked += slice }
        if elapsed > period * memory {
            worked = worked / 2
            elapsed = elapsed / 2
        }
        // Ahead of the duty: rest until worked / elapsed is back at the duty, at most a period.
        let ahead: Duration = worked - elapsed * duty
        guard ahead > .zero else { return .zero }
        let rest: Duration = ahead / max(duty, 1e-9)
        return min(rest, period)
    }

    /// The duty realised over the books.
    public var realised: Double { elapsed > .zero ? worked / elapsed : 0 }
}

/// The CPU hash engine: plain threads (never Swift's cooperative pool), each scanning the 2^32
/// nonces of its own header, with the fastest kernel the CPU has, at the duty and thread count
/// that a power target asks. Each header comes from the current work template with an
/// extranonce2 taken from one engine-wide counter, so no two threads ever search the same space
/// and a thread that exhausts its nonces takes a fresh header rather than going round again. New
/// work reaches every thread between two chunks of about a millisecond's work (each thread sizes
/// its chunks to its kernel's speed, so the scalar kernel on a slow core is as quick to switch as
/// SHA-NI); a share found for work that has since been replaced is dropped, never reported.
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
    private let threads = EngineThreads(name: "hearth cpu")
    private let hashCount = Atomic<UInt64>(0)
    private let busyNanoseconds = Atomic<UInt64>(0)
    /// The generation each thread is hashing at this moment; `nil` while it rests or waits.
    private let hashing: Mutex<[UInt64?]>
    /// What a chunk (the work between two checks for new work) should take, and the bounds of
    /// its size in nonces.
    public static let chunkTime = Duration.milliseconds(1)
    public static let chunkSizes: ClosedRange<UInt32> = 256...(1 << 18)

    public init(
        model: CPUPowerModel, kernel: NonceScanner.Kernel = .best, onShare: @escaping @Sendable (Share) -> Void
    ) {
        self.model = model
        self.maxThreads = model.cores
        self.kernel = kernel
        self.onShare = onShare
        hashing = Mutex(Array(repeating: nil, count: model.cores))
    }

    /// Threads still hashing work older than the current: each finishes the chunk it is in (about
    /// a millisecond) and moves on; none reports a share of the old work. For the benchmark of
    /// how long a switch takes.
    public var threadsOnStaleWork: Int {
        let current = generation.load(ordering: .acquiring)
        return hashing.withLock { $0.count { $0 != nil && $0 != current } }
    }

    /// Hashes computed since start.
    public var hashes: UInt64 { hashCount.load(ordering: .relaxed) }

    /// The time all threads together have spent hashing since start: what the duty cycle rations.
    public var busyTime: Duration { .nanoseconds(Int64(busyNanoseconds.load(ordering: .relaxed))) }

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

    /// Starts the threads (again after a stop); does nothing while they run.
    public func start() {
        threads.start(maxThreads) { [self] index, keepGoing in
            worker(index, keepGoing: keepGoing)
            return nil
        }
    }

    /// Tells the threads to stop, each at the end of the chunk or rest it is in (a few
    /// milliseconds), and waits for them, at most `timeout`; true when all ended.
    @discardableResult
    public func stop(waitingAtMost timeout: Duration) -> Bool { threads.stop(waitingAtMost: timeout) }

    /// One thread's header: the template with the next extranonce2 of the engine.
    private struct Assignment {
        var generation: UInt64
        var extranonce2: [UInt8]
        var header: BlockHeader
        var scanner: NonceScanner
        var next: UInt32 = 0
        var exhausted = false
    }

    private func worker(_ index: Int, keepGoing: () -> Bool) {
        var planner = DutyPlanner()
        var assignment: Assignment?
        var chunk: UInt32 = 1 << 12
        let clock = ContinuousClock()
        while keepGoing() {
            let current = generation.load(ordering: .acquiring)
            let (template, threads, duty) = work.withLock { ($0.template, $0.threads, $0.duty) }
            guard let template, index < threads, duty > 0 else {
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            var scan: Assignment
            if let held = assignment, held.generation == current, !held.exhausted {
                scan = held
            } else {
                if assignment?.generation != current { planner = DutyPlanner() }
                let extranonce2 = template.extranonce2(extranonce2Counter.add(1, ordering: .relaxed).oldValue)
                let header = template.header(extranonce2: extranonce2)
                scan = Assignment(
                    generation: current, extranonce2: extranonce2, header: header,
                    scanner: NonceScanner(header: header, target: template.shareTarget))
            }
            hashing.withLock { $0[index] = current }
            let started = clock.now
            let first = scan.next
            let last = first &+ min(chunk - 1, UInt32.max - first)
            let found = scan.scanner.scan(first...last, kernel: kernel)
            hashing.withLock { $0[index] = nil }
            hashCount.add(UInt64(last - first) + 1, ordering: .relaxed)
            scan.next = last &+ 1
            scan.exhausted = last == .max
            assignment = scan
            // Stale work is never reported: under the same lock `setWork` takes, the work must
            // still be the one scanned, so once `setWork` returns no share of the old work follows.
            if !found.isEmpty {
                let shares = found.map { nonce in
                    var header = scan.header
                    header.nonce = nonce
                    return Share(jobID: template.jobID, extranonce2: scan.extranonce2, header: header)
                }
                work.withLock { _ in
                    guard generation.load(ordering: .acquiring) == current else { return }
                    shares.forEach(onShare)
                }
            }
            let took = started.duration(to: clock.now)
            busyNanoseconds.add(UInt64(max(took.nanoseconds, 0)), ordering: .relaxed)
            chunk = Self.nextChunk(after: chunk, took: took)
            let rest = planner.record(took, working: true, duty: duty)
            if rest > .zero {
                // The rest as slept, not as asked: the OS may stretch it, and the books pay that back.
                let resting = clock.now
                Thread.sleep(forTimeInterval: rest.seconds)
                _ = planner.record(resting.duration(to: clock.now), working: false, duty: duty)
            }
        }
    }

    /// The next chunk's size: halved when one took over twice `chunkTime`, doubled when it took
    /// under half, within `chunkSizes`.
    public static func nextChunk(after chunk: UInt32, took: Duration) -> UInt32 {
        if took > chunkTime * 2 { return max(chunk / 2, chunkSizes.lowerBound) }
        if took < chunkTime / 2 { return min(chunk * 2, chunkSizes.upperBound) }
        return chunk
    }
}
