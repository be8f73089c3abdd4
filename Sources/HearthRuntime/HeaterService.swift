import Foundation
import HearthControl
import HearthHAL
import Logging
import ServiceLifecycle
import Synchronization

/// The heater's control task: one `ControlLoop` tick at a fixed rate, on an injected clock, with
/// what changed logged. It starts by putting every output in its safe state (fans full, hash
/// board off and in reset) and puts them back there when it ends, for whatever reason.
public final class HeaterService<C: Clock>: Service where C.Duration == Duration {
    private let hardware: Hardware
    private let clock: C
    /// Time between ticks.
    public let period: Duration
    /// How long a tick may read and drive the hardware before it is taken for hung (a bus or a
    /// driver that does not return): then another thread puts the outputs in their safe state and
    /// latches "tick overrun", while the API goes on answering from the last snapshot.
    public let tickDeadline: Duration
    private let maxTicks: Int?
    let logger: Logger
    /// Ticks between two summary lines in the log.
    private let summaryEvery: Int
    private let systemd: SystemdNotifier
    /// The kernel's watchdog, when the daemon feeds it: petted every tick, disarmed on a clean stop.
    private let hardwareWatchdog: (any Watchdog)?

    /// The schedule, when there is one, and the wall clock's place in the week.
    private let weekTime: @Sendable () -> WeekTime
    /// The wall clock, seconds since 1970, stamped on each snapshot.
    private let wallClock: @Sendable () -> Double
    /// What the hash engine and the pool show, read once a tick into the snapshot.
    private let feeds: Feeds

    /// Where the service's snapshots get their engine and pool, and where each goes once published.
    public struct Feeds: Sendable {
        /// What is hashing now (it changes when the hash board fails and the CPU takes over), e.g.
        /// "none" or "simulated" where nothing hashes, with its chips where a hash board hashes; the
        /// service fills in the hash rate. `nil` leaves the snapshot without an engine.
        public var engine: @Sendable () -> TickSnapshot.Engine?
        /// The pool's state; `nil` when no pool is configured.
        public var pool: @Sendable () -> TickSnapshot.Pool?
        /// The accounts with the tick added (`HeatAccounts.record`); `nil` when none are kept.
        public var accounts: @Sendable (TickSnapshot) -> TickSnapshot.Accounts?
        /// Called with every snapshot, after it is published (the history records from it).
        public var publish: @Sendable (TickSnapshot) -> Void
        /// Called with the latched faults whenever they change (a tick latched one, a person
        /// cleared them), before the tick or the clearing returns: the state file keeps them.
        public var faultsChanged: @Sendable ([String]) -> Void

        /// Feeds; by default no engine, no pool, and nothing told.
        public init(
            engine: @escaping @Sendable () -> TickSnapshot.Engine? = { nil }, pool: @escaping @Sendable () -> TickSnapshot.Pool? = { nil },
            accounts: @escaping @Sendable (TickSnapshot) -> TickSnapshot.Accounts? = { _ in nil },
            publish: @escaping @Sendable (TickSnapshot) -> Void = { _ in },
            faultsChanged: @escaping @Sendable ([String]) -> Void = { _ in }
        ) {
            self.engine = engine
            self.pool = pool
            self.accounts = accounts
            self.publish = publish
            self.faultsChanged = faultsChanged
        }
    }

    /// The control state. The tick takes the loop out while it reads and drives the hardware, so
    /// that no lock is held during I/O: readers get the last snapshot meanwhile, and a person's
    /// word (a setpoint, a fault cleared) waits for the tick to put the loop back.
    private struct State {
        /// `nil` while a tick has it out.
        var loop: ControlLoop?
        var setpoint: Celsius
        var mode: Mode
        var thermostat: Thermostat?
        /// The faults a person cleared while a tick had the loop out, as they were shown to them:
        /// cleared when the loop comes back, unless the tick latched another meanwhile.
        var clearPending: [String]?
        /// The latched faults as last handed to `faultsChanged`.
        var keptFaults: [String]
        /// The hash rate, smoothed over about ten seconds, and the sample it was last updated from.
        var hashRate = 0.0
        var hashSample: (elapsed: Duration, hashes: UInt64)?
        var ticks = 0
        /// When the tick that has the loop out began.
        var tickStart: C.Instant?
        /// How long the running tick had run when it was taken for hung; latched when it returns.
        var overrun: Duration?
        var latest: TickSnapshot?
        var failing: Set<String> = []
        /// Starts heating early for a scheduled rise; `nil`: off.
        var optimalStart: OptimalStart?
        /// The room's warm-up rate at full power, learned tick by tick.
        var warmUp = WarmUpModel()
    }
    private let state: Mutex<State>
    /// Held while the latched faults are handed over to be kept: whoever hands them over reads
    /// the newest list inside it, so an older list never lands after a newer one.
    private let keeping = Mutex(())

    /// - Parameters:
    ///   - period: time between ticks (default 500 ms: 2 Hz).
    ///   - maxTicks: stop by itself after this many ticks (for smoke tests); `nil` runs until shut down.
    public init(
        hardware: Hardware, clock: C, period: Duration = .milliseconds(500), maxTicks: Int? = nil,
        logger: Logger, summaryEvery: Int = 60, setpoint: Celsius = Celsius(20), mode: Mode = .heat,
        restoredFaults: [String] = [], systemd: SystemdNotifier = SystemdNotifier(),
        schedule: Schedule? = nil, manualAtStart: Bool = false, hardwareWatchdog: (any Watchdog)? = nil,
        roomGains: PIDGains? = nil, optimalStart: OptimalStart? = nil, warmUp: WarmUpModel = WarmUpModel(),
        weekTime: @escaping @Sendable () -> WeekTime = { WeekTime(minuteOfWeek: 0) },
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, feeds: Feeds = Feeds(),
        tickDeadline: Duration? = nil
    ) {
        // Twice the period, and never under 2 s: a loaded machine must not look hung, and a hung
        // bus is a matter of seconds to a room, whose heat moves over minutes.
        self.tickDeadline = tickDeadline ?? max(period * 2, .seconds(2))
        self.systemd = systemd
        self.weekTime = weekTime
        self.wallClock = wallClock
        self.feeds = feeds
        self.hardwareWatchdog = hardwareWatchdog
        self.hardware = hardware
        var thermostat = schedule.map(Thermostat.init)
        // A setpoint or mode given at start holds until the schedule's next slot, as one set by hand.
        if manualAtStart { thermostat?.setManually(setpoint: setpoint, mode: mode, at: weekTime()) }
        var loop = ControlLoop(hardware: hardware, setpoint: setpoint, mode: mode, restoredFaults: restoredFaults)
        if let roomGains { loop.setRoomGains(roomGains) }
        self.state = Mutex(State(
            loop: loop, setpoint: setpoint, mode: mode, thermostat: thermostat, keptFaults: loop.faults,
            optimalStart: optimalStart, warmUp: warmUp))
        self.clock = clock
        self.period = period
        self.maxTicks = maxTicks
        self.logger = logger
        self.summaryEvery = max(summaryEvery, 1)
    }

    /// Whether a hand-set value overrides the schedule now.
    public var scheduleOverridden: Bool {
        let now = weekTime()
        return state.withLock { $0.thermostat?.isOverridden(at: now) ?? false }
    }

    /// Sets the setpoint and mode by hand; with a schedule they hold until its next slot. The
    /// next tick uses them.
    public func set(setpoint: Celsius?, mode: Mode?) {
        let now = weekTime()
        let (newSetpoint, newMode) = state.withLock { state in
            let target = (setpoint ?? state.setpoint, mode ?? state.mode)
            state.thermostat?.setManually(setpoint: target.0, mode: target.1, at: now)
            state.setpoint = target.0
            state.mode = target.1
            return target
        }
        logger.notice("set by hand: holding \(newSetpoint) in mode \(newMode.rawValue)")
    }

    /// The weekly schedule in force, if any.
    public var schedule: Schedule? { state.withLock { $0.thermostat?.schedule } }

    /// Replaces the weekly schedule (`nil`: none, the setpoint and mode stay as they are). A
    /// value set by hand under the old schedule ends with it: the new one holds from now.
    public func setSchedule(_ schedule: Schedule?) {
        state.withLock { $0.thermostat = schedule.map(Thermostat.init) }
        logger.notice("schedule replaced: \(schedule.map { "\($0.slots.count) slots" } ?? "none")")
    }

    /// Clears the latched faults on a person's word; returns them. While a tick is reading the
    /// hardware they are cleared (and the clearing kept) when it ends, unless that tick latched
    /// another meanwhile: then nothing is cleared, and the log says so.
    public func clearFaults() -> [String] {
        let (cleared, now) = state.withLock { state -> ([String], Bool) in
            guard var loop = state.loop else {
                let shown = state.latest?.faults ?? []
                state.clearPending = shown
                return (shown, false)
            }
            let faults = loop.faults
            _ = loop.clearFaults()
            state.loop = loop
            state.keptFaults = []
            return (faults, true)
        }
        if !cleared.isEmpty {
            if now { keepFaults() }
            logger.notice("faults cleared by hand\(now ? "" : " (at the end of the running tick)"): \(cleared.joined(separator: "; "))")
        }
        return cleared
    }

    /// How many ticks have run.
    public var ticks: Int { state.withLock { $0.ticks } }
    /// The count of the first tick to begin after now: the first that sees a change made now.
    public var nextTick: Int { state.withLock { $0.ticks + ($0.loop == nil ? 2 : 1) } }
    /// The last tick's snapshot; `nil` before the first tick.
    public var latest: TickSnapshot? { state.withLock { $0.latest } }
    /// What to remember across a restart: setpoint, mode, latched faults, energy drawn this run.
    /// The room's warm-up windows learned so far, to keep across a restart.
    public var warmUpObservations: [WarmUpModel.Observation] { state.withLock { $0.warmUp.observations } }

    public var persistent: (setpoint: Celsius, mode: Mode, faults: [String], energyKWh: Double) {
        state.withLock { state in
            let faults = state.clearPending != nil ? [] : state.loop?.faults ?? state.latest?.faults ?? []
            let energy = state.loop?.energyKWh ?? state.latest?.energyKWh ?? 0
            return (state.setpoint, state.mode, faults, energy)
        }
    }

    public func run() async throws {
        defer {
            systemd.stopping()
            // The kernel watchdog is let go only once the outputs are safe: otherwise it resets the board.
            if enterSafeState(reason: "the control task ended") {
                hardwareWatchdog?.stop()
            } else if hardwareWatchdog != nil {
                logger.critical("the safe state did not hold: the kernel watchdog stays armed and resets the board")
            }
        }
        enterSafeState(reason: "start")
        let monitor = TickMonitor(interval: min(tickDeadline / 10, .milliseconds(100))) { [weak self] in self?.checkForOverrun() }
        defer { monitor.stop() }
        do {
            try await cancelWhenGracefulShutdown { [self] in
                let start = clock.now
                var next = start
                while true {
                    tick(elapsed: start.duration(to: clock.now))
                    if let maxTicks, ticks >= maxTicks { return }
                    // Fixed rate without drift; after an overrun, the next tick is now, not a burst.
                    next = max(next.advanced(by: period), clock.now)
                    try await clock.sleep(until: next, tolerance: nil)
                }
            }
        } catch is CancellationError {
            logger.info("control task stopping")
        }
    }

    /// One tick of the control loop, and the log lines for what changed.
    func tick(elapsed: Duration) {
        let now = weekTime()
        // The schedule (or a hand-set value still in force) sets the target; the loop is taken
        // out, so that its I/O runs outside the lock.
        let taken = state.withLock { state -> (loop: ControlLoop, scheduled: (setpoint: Celsius, mode: Mode)?)? in
            guard var loop = state.loop else { return nil }
            var scheduled: (setpoint: Celsius, mode: Mode)?
            var target = state.thermostat?.target(at: now)
            // Optimal start: a scheduled rise begins early enough to be warm on time (not while a
            // value set by hand holds).
            if let current = target, let thermostat = state.thermostat, !thermostat.isOverridden(at: now), var start = state.optimalStart {
                target = start.target(
                    at: now, schedule: thermostat.schedule, current: current, room: state.latest?.room,
                    outdoor: state.latest?.temperatures.outdoor, model: state.warmUp)
                state.optimalStart = start
            }
            if let target, target.setpoint != state.setpoint || target.mode != state.mode {
                state.setpoint = target.setpoint
                state.mode = target.mode
                scheduled = target
            }
            loop.setpoint = state.setpoint
            loop.mode = state.mode
            state.loop = nil
            state.tickStart = clock.now
            return (loop, scheduled)
        }
        guard let taken else {
            logger.error("a tick began while the last one was still running; skipped")
            return
        }
        var loop = taken.loop
        let scheduled = taken.scheduled
        var snapshot = loop.tick(time: elapsed)
        snapshot.wallTime = wallClock()
        let engine = feeds.engine()
        snapshot.pool = feeds.pool()
        snapshot.accounts = feeds.accounts(snapshot)
        let (count, newlyFailed, recovered, faultsChanged, clearedLate, overran) = state.withLock { state in
            var clearedLate: Bool?
            if let shown = state.clearPending {
                // Only what the person saw: a fault this tick latched meanwhile stays latched.
                clearedLate = shown == snapshot.faults
                if clearedLate == true {
                    _ = loop.clearFaults()
                    snapshot.faults = []
                }
                state.clearPending = nil
            }
            // Taken for hung meanwhile: the fault latches now, and the outputs go safe again below
            // (the tick, returning late, gave the load its power).
            let overran = state.overrun
            if let overran {
                _ = loop.latch(.tickOverrun(overran), at: elapsed)
                snapshot.faults = loop.faults
                state.overrun = nil
            }
            state.tickStart = nil
            state.loop = loop
            state.ticks += 1
            state.warmUp.observe(
                time: elapsed, room: snapshot.room?.value, outdoor: snapshot.temperatures.outdoor?.value,
                fullPower: snapshot.appliedPower.value >= 0.9 * loop.hardware.ratedPower.value)
            if let hashes = snapshot.hashes {
                if let last = state.hashSample, elapsed > last.elapsed {
                    let seconds = (elapsed - last.elapsed) / .seconds(1)
                    let rate = Double(hashes &- last.hashes) / seconds
                    let weight = min(seconds / 10, 1)
                    state.hashRate += (rate - state.hashRate) * weight
                }
                state.hashSample = (elapsed, hashes)
            }
            snapshot.count = state.ticks
            snapshot.scheduleOverridden = state.thermostat?.isOverridden(at: now) ?? false
            snapshot.engine = engine.map { engine in
                var engine = engine
                engine.hashRate = state.hashRate
                return engine
            }
            state.latest = snapshot
            let faultsChanged = snapshot.faults != state.keptFaults
            state.keptFaults = snapshot.faults
            var newlyFailed: [(String, HALError)] = []
            var recovered: [String] = []
            for reading in snapshot.readings {
                switch reading.reading {
                case .failure(let error):
                    if state.failing.insert(reading.name).inserted { newlyFailed.append((reading.name, error)) }
                case .success:
                    if state.failing.remove(reading.name) != nil { recovered.append(reading.name) }
                }
            }
            return (state.ticks, newlyFailed, recovered, faultsChanged, clearedLate, overran)
        }
        if overran != nil { enterSafeState(reason: "the control tick that ran over its deadline returned") }
        if clearedLate == false {
            logger.warning("faults not cleared: another latched while the clearing waited for the tick; clear again once seen")
        }
        if faultsChanged { keepFaults() }
        feeds.publish(snapshot)
        if let scheduled {
            logger.notice("schedule at \(now): holding \(scheduled.setpoint) in mode \(scheduled.mode.rawValue)")
        }
        for (name, error) in newlyFailed {
            logger.error("sensor \(name) failed", metadata: ["error": "\(error)"])
        }
        for name in recovered {
            logger.notice("sensor \(name) reads again")
        }
        for event in snapshot.safety.events {
            switch event {
            case .latched: logger.critical("\(event)")
            case .doubt, .throttled: logger.warning("\(event)")
            default: logger.notice("\(event)")
            }
        }
        if let error = snapshot.fanError { logger.error("fan could not be driven", metadata: ["error": "\(error)"]) }
        for error in snapshot.safeStateErrors {
            logger.critical("a fault latched, and an output could not be put in its safe state", metadata: ["error": "\(error)"])
        }
        // systemd: ready after the first tick, alive at every tick, a status line with the summary.
        if count == 1 { systemd.ready(status: Self.summary(snapshot)) }
        systemd.watchdog()
        do {
            try hardwareWatchdog?.pet()
        } catch {
            logger.error("watchdog: \(error)")
        }
        if count == 1 || count % summaryEvery == 0 {
            if count > 1 { systemd.status(Self.summary(snapshot)) }
            logger.info("tick \(count): \(Self.summary(snapshot))")
        } else {
            logger.debug("tick \(count): \(Self.summary(snapshot))")
        }
    }

    static func summary(_ snapshot: TickSnapshot) -> String {
        var parts = snapshot.readings.map { reading in
            switch reading.reading {
            case .success(let value): "\(reading.name) \(value)"
            case .failure(let error): "\(reading.name) FAILED (\(error.kind))"
            }
        }
        switch snapshot.power {
        case .success(let power): parts.append("supply \(power.power) at \(power.voltage)")
        case .failure(let error): parts.append("supply FAILED (\(error.kind))")
        case nil: break
        }
        switch snapshot.fanSpeed {
        case .success(let speed?): parts.append("fan \(Int(speed.value.rounded())) rpm")
        case .failure(let error): parts.append("fan FAILED (\(error.kind))")
        case .success(nil), nil: break
        }
        parts.append("setpoint \(snapshot.setpoint) (\(snapshot.mode.rawValue))")
        parts.append("power \(snapshot.appliedPower)\(snapshot.safety.computeOff ? " (compute off)" : "")")
        parts.append("fan duty \(snapshot.output.fanDuty)")
        if let hashes = snapshot.hashes { parts.append("\(hashes) hashes") }
        return parts.joined(separator: ", ")
    }

    /// Looks once for a tick that has run past its deadline; the monitor thread calls it a few
    /// times a deadline. A hung tick's loop is out of reach, so this puts the outputs in their
    /// safe state itself, shows the fault in the snapshot the API reads, and hands it to be kept;
    /// the supervisor latches it when the tick returns, if it ever does.
    func checkForOverrun() {
        let found = state.withLock { state -> SafetyFault? in
            guard let start = state.tickStart, state.overrun == nil else { return nil }
            let running = start.duration(to: clock.now)
            guard running > tickDeadline else { return nil }
            state.overrun = running
            let fault = SafetyFault.tickOverrun(running)
            let faults = (state.latest?.faults ?? state.keptFaults) + ["\(fault)"]
            if var latest = state.latest {
                latest.faults = faults
                latest.safety = SafetyDecision(maxPower: .zero, fansFull: true, events: [.latched(fault, at: latest.elapsed + running)])
                latest.appliedPower = .zero
                state.latest = latest
            }
            state.keptFaults = faults
            return fault
        }
        guard let found else { return }
        logger.critical("\(found); outputs to their safe state from the monitor")
        // The lines first, then the fault kept, then the fan: a fan on the hung bus may hang too.
        let failures = hardware.enterSafeState(fan: false)
        keepFaults()
        let fanFailures = hardware.enterSafeState(outputs: false)
        for failure in failures + fanFailures {
            logger.critical("could not reach the safe state (a control tick ran over its deadline)", metadata: ["error": "\(failure)"])
        }
    }

    /// Hands the newest list of latched faults to be kept (the state file), one hand-over at a
    /// time, each reading the list inside the turn.
    private func keepFaults() {
        keeping.withLock { _ in
            feeds.faultsChanged(state.withLock { $0.keptFaults })
        }
    }

    /// Puts the outputs in their safe state; whether every one of them got there.
    @discardableResult
    private func enterSafeState(reason: String) -> Bool {
        let failures = hardware.enterSafeState()
        if failures.isEmpty {
            logger.info("safe state (\(reason)): fans full, hash board off and in reset")
        }
        for failure in failures {
            logger.critical("could not reach the safe state (\(reason))", metadata: ["error": "\(failure)"])
        }
        return failures.isEmpty
    }
}

/// A thread of its own that runs a check at an interval until stopped: it goes on when the
/// control task is stuck in a hung transfer (the task's thread is blocked, this one is not).
final class TickMonitor: Sendable {
    private let running = Atomic(true)

    init(interval: Duration, check: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                Thread.sleep(forTimeInterval: interval.seconds)
                if running.load(ordering: .acquiring) { check() }
            }
        }
        thread.name = "hearth tick monitor"
        thread.start()
    }

    /// Ends the thread at its next wake.
    func stop() { running.store(false, ordering: .releasing) }
}
