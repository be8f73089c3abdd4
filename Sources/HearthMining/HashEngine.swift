import HearthHAL
import Synchronization

/// What turns the thermostat's power target into hashing: the CPU engine, the ASIC engine, or the
/// two behind a switch that falls back from the chips to the CPU.
public protocol HashEngine: AnyObject, Sendable {
    /// Replaces the work (`nil`: none); no share of the old work is reported once this returns.
    func setWork(_ template: WorkTemplate?)
    /// Sets the power the engine should draw; zero stops hashing.
    func setPowerTarget(_ target: Watts)
    /// Hashes computed since start (measured where the hardware only reports results).
    var hashes: UInt64 { get }
    /// What is hashing, for status and logs: "CPU (avx2, up to 4 threads)".
    var status: String { get }
    /// The hash chips, where a hash board hashes (model, chips, clock, cores); `nil` otherwise.
    var chain: ChainReport? { get }
    /// Starts the engine's threads (again after a stop); does nothing while they run.
    func start()
    /// Ends the engine's threads, leaving the hardware in its safe state, and waits for them, at
    /// most `timeout`. True when all ended: nothing of the engine touches the hardware any more.
    /// False when one is inside a call that has not returned (a blocked driver).
    @discardableResult func stop(waitingAtMost timeout: Duration) -> Bool
}

extension HashEngine {
    /// No chips: the CPU, or an engine that does not hash.
    public var chain: ChainReport? { nil }

    /// Ends the engine's threads and waits for them, at most `hashEngineStopWait`.
    @discardableResult public func stop() -> Bool { stop(waitingAtMost: hashEngineStopWait) }
}

/// How long `HashEngine.stop()` waits for the threads: a CPU chunk takes about a millisecond and
/// an ASIC step about 50 ms, so only a thread stuck in a driver call takes longer.
public let hashEngineStopWait = Duration.seconds(1)

extension CPUHashEngine: HashEngine {
    public var status: String { "CPU (\(kernel.rawValue), up to \(maxThreads) thread\(maxThreads == 1 ? "" : "s"))" }
}

/// A primary engine (the ASIC chain) with a fallback (the CPU) taken when the primary fails: at
/// start if no chip answers, or later if the chain stops answering. The switch is one way; the
/// work and power target the primary had carry over, and the status says why it happened.
public final class FallbackHashEngine: HashEngine {
    /// An engine and how it takes the thermostat's power target (the CPU's adds its idle draw).
    public struct Drive: Sendable {
        public var engine: any HashEngine
        public var power: @Sendable (Watts) -> Watts

        public init(_ engine: any HashEngine, power: @escaping @Sendable (Watts) -> Watts = { $0 }) {
            self.engine = engine
            self.power = power
        }
    }

    private struct State {
        var active: Drive?
        var failure: String?
        var work: WorkTemplate?
        var target = Watts(0)
        var hashesBefore: UInt64 = 0
    }

    private let state = Mutex(State())
    private let makeFallback: @Sendable () -> Drive?
    private let onSwitch: @Sendable (String) -> Void

    /// `makePrimary` builds the primary with the call that reports its failure; `makeFallback` is
    /// called once, when it fails (`nil` leaves compute off). `onSwitch` hears the new status.
    public init(
        makePrimary: (_ failed: @escaping @Sendable (String) -> Void) -> Drive, makeFallback: @escaping @Sendable () -> Drive?,
        onSwitch: @escaping @Sendable (String) -> Void
    ) {
        self.makeFallback = makeFallback
        self.onSwitch = onSwitch
        let primary = makePrimary { [weak self] reason in self?.primaryFailed(reason) }
        state.withLock { $0.active = primary }
    }

    /// A switch that starts on the fallback: the primary failed before it could start.
    public convenience init(failedPrimary reason: String, makeFallback: @escaping @Sendable () -> Drive?, onSwitch: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(makePrimary: { _ in Drive(NoEngine()) }, makeFallback: makeFallback, onSwitch: onSwitch)
        primaryFailed(reason)
    }

    /// Moves to the fallback (once); the primary is stopped.
    public func primaryFailed(_ reason: String) {
        let retired: (any HashEngine)? = state.withLock { state in
            guard state.failure == nil else { return nil }
            state.failure = reason
            return state.active?.engine
        }
        guard let retired else { return }
        retired.stop()
        let fallback = makeFallback()
        state.withLock { state in
            state.hashesBefore += retired.hashes
            state.active = fallback
            fallback?.engine.setWork(state.work)
            if let fallback { fallback.engine.setPowerTarget(fallback.power(state.target)) }
        }
        onSwitch(status)
    }

    public func setWork(_ template: WorkTemplate?) {
        state.withLock { state in
            state.work = template
            state.active?.engine.setWork(template)
        }
    }

    public func setPowerTarget(_ target: Watts) {
        state.withLock { state in
            state.target = target
            if let active = state.active { active.engine.setPowerTarget(active.power(target)) }
        }
    }

    public var hashes: UInt64 { state.withLock { $0.hashesBefore + ($0.active?.engine.hashes ?? 0) } }

    /// The active engine's chips, if it is the hash board's.
    public var chain: ChainReport? { state.withLock { $0.active }?.engine.chain }

    /// Whether an engine is hashing: false once the primary failed with no fallback.
    public var isHashing: Bool { state.withLock { $0.active != nil } }

    /// Whether the fallback has taken over.
    public var hasFallenBack: Bool { state.withLock { $0.failure != nil } }

    public var status: String {
        state.withLock { state in
            guard let failure = state.failure else { return state.active?.engine.status ?? "none" }
            return state.active.map { "\($0.engine.status), since the hash board failed: \(failure)" }
                ?? "none: the hash board failed (\(failure)) and there is no CPU engine to fall back on"
        }
    }

    public func start() { state.withLock { $0.active }?.engine.start() }

    @discardableResult
    public func stop(waitingAtMost timeout: Duration) -> Bool {
        state.withLock { $0.active }?.engine.stop(waitingAtMost: timeout) ?? true
    }
}

/// The engine of a board that does not hash: it takes work and targets and does nothing.
final class NoEngine: HashEngine {
    func setWork(_ template: WorkTemplate?) {}
    func setPowerTarget(_ target: Watts) {}
    var hashes: UInt64 { 0 }
    var status: String { "none" }
    func start() {}
    func stop(waitingAtMost timeout: Duration) -> Bool { true }
}
