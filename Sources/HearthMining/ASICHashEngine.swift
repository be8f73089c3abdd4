import Foundation
import HearthHAL
import Synchronization

/// What a hash board draws: `idle` powered up and clocked but given no work, rising in proportion
/// to the clock up to `fullLoad` at `maxFrequency` (the core voltage is fixed).
public struct ASICPowerModel: Hashable, Sendable {
    /// The draw, watts, with the chips powered and clocked but given no work.
    public var idle: Watts
    /// The draw, watts, hashing at `maxFrequency`.
    public var fullLoad: Watts
    /// The lowest clock the board runs at, MHz.
    public var minFrequency: Double
    /// The highest clock the board runs at, MHz: where it draws `fullLoad`.
    public var maxFrequency: Double

    /// A board's draw: `idle` and `fullLoad` in watts, the clock range in MHz. Nothing is checked
    /// here (the board file's loader does).
    public init(idle: Watts, fullLoad: Watts, minFrequency: Double, maxFrequency: Double) {
        self.idle = idle
        self.fullLoad = fullLoad
        self.minFrequency = minFrequency
        self.maxFrequency = maxFrequency
    }

    /// The draw at `mhz`, watts: from `idle`, in proportion to the clock, to `fullLoad` at
    /// `maxFrequency`. A clock outside the board's range is not held to it.
    public func power(at mhz: Double) -> Watts { idle + (fullLoad - idle) * (mhz / maxFrequency) }

    /// The clock for a power target, within the board's range; `nil` (the chain off) for a
    /// target below half of what the lowest clock draws.
    public func frequency(for target: Watts) -> Double? {
        guard target.value > 0, target > power(at: minFrequency) * 0.5 else { return nil }
        let mhz = (target - idle) / (fullLoad - idle) * maxFrequency
        return min(max(mhz, minFrequency), maxFrequency)
    }
}

/// The ASIC engine's logic, without a thread or a clock of its own, over any `HashBoard`: each
/// `step` brings the chain up or down as the power target asks, moves its clock one ramp step, sends a job when the work
/// changed or the last one is old, and reads and checks what came back. Every nonce is hashed
/// again here: one whose hash misses the chain's ticket, or whose rolled version bits fall
/// outside the mask, counts as a hardware error and goes nowhere; one for a job no longer held
/// is stale and dropped. Tests drive it on virtual time against the twin.
public struct ASICMiner {
    /// How the miner drives the chain: its power model, how often it sends work, and how long it waits.
    public struct Settings: Hashable, Sendable {
        /// The board's draw against its clock: how a power target becomes a clock.
        public var power: ASICPowerModel
        /// How long a job is hashed before the next (with a fresh extranonce2) replaces it.
        public var jobInterval: Duration
        /// The least time without a good nonce before the chain is taken for failed; longer when
        /// the clock is so low that nonces come slowly (twenty times the expected interval).
        public var silenceLimit: Duration
        /// How long each step waits for frames from the chips.
        public var readTimeout: Duration

        /// The expected hash rate, which the silence limit is measured against, comes from the
        /// board (its clock, chips and small cores per chip).
        public init(
            power: ASICPowerModel, jobInterval: Duration = .seconds(2), silenceLimit: Duration = .seconds(60),
            readTimeout: Duration = .milliseconds(50)
        ) {
            self.power = power
            self.jobInterval = jobInterval
            self.silenceLimit = silenceLimit
            self.readTimeout = readTimeout
        }
    }

    /// Where the chain stands.
    public enum Phase: Hashable, Sendable {
        /// Held in reset with its supply off.
        case off
        /// Started: powered, out of reset, its chips set up and given work.
        case running
        /// Given up on, with the reason; the chain is held in reset.
        case failed(String)
    }

    /// A job as sent: what a nonce for its ID is checked against.
    private struct Slot {
        var template: WorkTemplate
        var extranonce2: [UInt8]
        var header: BlockHeader
        /// The nonces already returned, with their version bits: a repeat is not new work.
        var seen: Set<UInt64> = []
    }

    /// The hash board this miner drives; the miner's owner must not use it meanwhile.
    public let board: any HashBoard
    /// The settings given at init.
    public let settings: Settings
    /// Where the chain stands now. `failed` is for good: `step` does nothing after it.
    public private(set) var phase = Phase.off
    /// Hashes done, as the nonces returned at the ticket difficulty tell.
    public private(set) var hashes: UInt64 = 0
    /// Nonces dropped because their job had been replaced.
    public private(set) var staleNonces = 0
    /// Nonces whose hash missed the ticket or whose version bits were not the chain's to roll.
    public private(set) var hardwareErrors = 0
    /// Nonces returned a second time for the same job and version.
    public private(set) var duplicateNonces = 0
    private var template: WorkTemplate?
    private var slots: [UInt8: Slot] = [:]
    private var extranonce2Counter: UInt64 = 0
    private var nextJob = Duration.zero
    private var lastNonce = Duration.zero
    private var versionMask: UInt32?
    private let ticket: Target
    private let hashesPerNonce: UInt64

    /// A miner of `board`, which is held off until the first step that has work and a target. A
    /// board whose ticket difficulty is not a positive number is failed at once (and never started).
    public init(board: any HashBoard, settings: Settings) {
        self.board = board
        self.settings = settings
        let difficulty = board.ticketDifficulty
        guard difficulty > 0, difficulty.isFinite else {
            ticket = Target(difficulty: 1)
            hashesPerNonce = 1
            phase = .failed("the hash board on \(board.name) has a ticket difficulty of \(difficulty), not a positive number")
            return
        }
        ticket = Target(difficulty: difficulty)
        // 2³² × 2³² (the largest ticket a board file allows) is one past what a UInt64 holds.
        let perNonce = max(difficulty * 4_294_967_296, 1)
        hashesPerNonce = perNonce < 0x1p64 ? UInt64(perNonce) : .max
    }

    /// The chain's clock now, MHz; zero when off.
    public var frequency: Double { phase == .running ? board.frequency : 0 }

    /// One turn: the chain follows `target` and `work`; returns the shares found (each meets the
    /// template's share target). `stillWanted` is asked during a start, which takes about half a
    /// second: if the target has gone to zero meanwhile (the heater's safe state), the start is
    /// abandoned and the chain left off.
    public mutating func step(now: Duration, target: Watts, work: WorkTemplate?, stillWanted: () -> Bool = { true }) -> [Share] {
        if case .failed = phase { return [] }
        do throws(HALError) {
            return try run(now: now, target: target, work: work, stillWanted: stillWanted)
        } catch {
            fail("\(error)")
            return []
        }
    }

    private mutating func run(now: Duration, target: Watts, work: WorkTemplate?, stillWanted: () -> Bool) throws(HALError) -> [Share] {
        guard let frequency = settings.power.frequency(for: target), let work else {
            if phase == .running { try stopChain() }
            return []
        }
        if phase == .off {
            guard try board.start(abandoningIf: { !stillWanted() }) != nil else { return [] }
            phase = .running
            template = nil
            versionMask = nil
            lastNonce = now
        }
        try board.step(toward: frequency)
        if work != template {
            template = work
            slots = [:]
            if versionMask != work.versionMask {
                try board.setVersionMask(work.versionMask)
                versionMask = work.versionMask
            }
            try sendJob(now: now)
        } else if now >= nextJob {
            try sendJob(now: now)
        }
        var shares: [Share] = []
        for found in try board.nonces(timeout: settings.readTimeout) {
            if let share = check(found, now: now) { shares.append(share) }
        }
        if now - lastNonce > silenceLimit {
            fail("no good nonce from the chain on \(board.name) for \(now - lastNonce) (\(hardwareErrors) bad, \(staleNonces) stale, \(board.badFrames) broken frames)")
        }
        return shares
    }

    /// The silence after which the chain is taken for failed, at the present clock.
    var silenceLimit: Duration {
        let rate = board.frequency * 1e6 * Double(board.smallCoresPerChip * max(board.chips, 1))
        let expected = Double(hashesPerNonce) / max(rate, 1)
        // A clock that is not a number (a broken board) leaves the configured limit; a silly long
        // one is held to what a Duration can carry (about 30 000 years).
        guard expected.isFinite else { return settings.silenceLimit }
        return max(settings.silenceLimit, .seconds(min(expected * 20, 1e12)))
    }

    private mutating func sendJob(now: Duration) throws(HALError) {
        guard let template else { return }
        let extranonce2 = template.extranonce2(extranonce2Counter)
        extranonce2Counter &+= 1
        let header = template.header(extranonce2: extranonce2)
        let id = board.nextJobID()
        slots[id] = Slot(template: template, extranonce2: extranonce2, header: header)
        try board.send(
            HashJob(
                id: id, version: header.version, previousHash: header.previousHash, merkleRoot: header.merkleRoot,
                time: header.time, bits: header.bits))
        nextJob = now + settings.jobInterval
    }

    private mutating func check(_ found: HashNonce, now: Duration) -> Share? {
        // Marked seen in place (a copy of the slot would copy its set).
        guard let fresh = slots[found.jobID]?.seen.insert(UInt64(found.versionBits) << 32 | UInt64(found.nonce)).inserted,
            let slot = slots[found.jobID]
        else {
            staleNonces += 1
            return nil
        }
        guard fresh else {
            duplicateNonces += 1
            return nil
        }
        let (nonce, rolled) = (found.nonce, found.versionBits)
        let mask = slot.template.versionMask
        guard rolled & ~mask == 0 else {
            hardwareErrors += 1
            return nil
        }
        var header = slot.header
        header.version = header.version & ~mask | rolled
        header.nonce = nonce
        let hash = header.hash
        guard ticket.isMet(by: hash) else {
            hardwareErrors += 1
            return nil
        }
        hashes &+= hashesPerNonce
        lastNonce = now
        guard slot.template.shareTarget.isMet(by: hash) else { return nil }
        return Share(jobID: slot.template.jobID, extranonce2: slot.extranonce2, header: header)
    }

    private mutating func stopChain() throws(HALError) {
        phase = .off
        slots = [:]
        try board.stop()
    }

    private mutating func fail(_ reason: String) {
        phase = .failed(reason)
        slots = [:]
        try? board.stop()
    }
}

/// The ASIC engine: one plain thread owns the hash board and steps an `ASICMiner` about every 50 ms.
/// A share is handed on only while its work is still the current one. When the chain fails, the
/// thread holds it in reset, ends, and then calls `onFailure` once with the reason.
public final class ASICHashEngine: HashEngine {
    private struct Inputs {
        var work: WorkTemplate?
        var generation: UInt64 = 0
        var target = Watts(0)
    }

    private struct Report {
        var hashes: UInt64 = 0
        var frequency = 0.0
        var chips = 0
        var smallCoresPerChip = 0
        var failure: String?
    }

    private let description: String
    private let chipModel: String
    private let makeBoard: @Sendable () -> any HashBoard
    private let settings: ASICMiner.Settings
    private let onShare: @Sendable (Share) -> Void
    private let onFailure: @Sendable (String) -> Void
    private let inputs = Mutex(Inputs())
    private let report = Mutex(Report())
    private let thread = EngineThreads(name: "hearth asic")

    /// `makeBoard` is called on the engine's thread, which then owns the board; `description`
    /// names the hardware for status ("BM1366 on /dev/ttyAMA0"), `chipModel` the chips ("BM1366").
    public init(
        description: String, chipModel: String, settings: ASICMiner.Settings, makeBoard: @escaping @Sendable () -> any HashBoard,
        onShare: @escaping @Sendable (Share) -> Void, onFailure: @escaping @Sendable (String) -> Void
    ) {
        self.description = description
        self.chipModel = chipModel
        self.settings = settings
        self.makeBoard = makeBoard
        self.onShare = onShare
        self.onFailure = onFailure
    }

    /// Replaces the work (`nil`: none, and the chain goes off). A share of the old work found after
    /// this returns is dropped.
    public func setWork(_ template: WorkTemplate?) {
        inputs.withLock { inputs in
            inputs.work = template
            inputs.generation += 1
        }
    }

    /// Sets the power the chain should draw, watts. A target below half of what the lowest clock
    /// draws (zero included) turns the chain off. The engine's thread follows at its next step.
    public func setPowerTarget(_ target: Watts) { inputs.withLock { $0.target = target } }

    /// Hashes done since start, as the nonces returned at the ticket difficulty tell (the chips do
    /// not count them).
    public var hashes: UInt64 { report.withLock { $0.hashes } }

    /// What is hashing, for status: the chips, the hardware and the clock in MHz; `off` while no
    /// chip runs; the reason once the chain failed.
    public var status: String {
        report.withLock { report in
            if let failure = report.failure { return "ASIC (\(description)): failed: \(failure)" }
            guard report.chips > 0 else { return "ASIC (\(description), off)" }
            return "ASIC (\(report.chips) × \(description) at \((report.frequency * 100).rounded() / 100) MHz)"
        }
    }

    /// The chips: their model, how many answered, their clock and cores.
    public var chain: ChainReport? {
        report.withLock {
            ChainReport(model: chipModel, chips: $0.chips, frequency: $0.frequency, smallCoresPerChip: $0.smallCoresPerChip)
        }
    }

    /// Starts the engine's thread (again after a stop), which builds the board and steps the miner;
    /// the chain stays off until there is work and a power target. Does nothing while the thread
    /// runs, or once the chain has failed.
    public func start() {
        guard report.withLock({ $0.failure }) == nil else { return }
        thread.start(1) { [self] _, keepGoing in run(keepGoing: keepGoing) }
    }

    /// Asks the thread to end and waits for it, at most `timeout`: after the step it is in, it
    /// holds the chain in reset with its supply off, and ends. True when it has ended, so nothing
    /// of the engine drives the board's lines any more; an error from the board's `stop` is dropped.
    @discardableResult
    public func stop(waitingAtMost timeout: Duration) -> Bool { thread.stop(waitingAtMost: timeout) }

    /// The thread's life; what it returns (the failure's report) runs once the thread has ended.
    private func run(keepGoing: () -> Bool) -> (@Sendable () -> Void)? {
        var miner = ASICMiner(board: makeBoard(), settings: settings)
        let clock = ContinuousClock()
        let origin = clock.now
        while keepGoing() {
            let (work, generation, target) = inputs.withLock { ($0.work, $0.generation, $0.target) }
            let shares = miner.step(now: origin.duration(to: clock.now), target: target, work: work) {
                self.settings.power.frequency(for: self.inputs.withLock { $0.target }) != nil
            }
            inputs.withLock { inputs in
                guard inputs.generation == generation else { return }
                shares.forEach(onShare)
            }
            report.withLock { report in
                report.hashes = miner.hashes
                report.frequency = miner.frequency
                report.chips = miner.phase == .running ? miner.board.chips : 0
                report.smallCoresPerChip = miner.board.smallCoresPerChip
            }
            if case .failed(let reason) = miner.phase {
                report.withLock { $0.failure = reason }
                try? miner.board.stop()  // held in reset, unpowered, whatever failed
                return { [onFailure] in onFailure(reason) }
            }
            if miner.phase == .off { Thread.sleep(forTimeInterval: 0.05) }
        }
        try? miner.board.stop()
        return nil
    }
}
