import HearthConfig
import HearthControl
import HearthHAL
import HearthLinux
import Logging
import ServiceLifecycle
import Synchronization

/// The heater's control task: one `ControlLoop` tick at a fixed rate, on an injected clock, with
/// what changed logged. It starts by putting every output in its safe state (fans full, hash
/// board off and in reset) and puts them back there when it ends, for whatever reason.
public final class HeaterService<C: Clock>: Service where C.Duration == Duration {
    private let hardware: Hardware
    private let clock: C
    private let period: Duration
    private let maxTicks: Int?
    let logger: Logger
    /// Ticks between two summary lines in the log.
    private let summaryEvery: Int
    private let systemd: SystemdNotifier
    /// The kernel's watchdog, when the daemon feeds it: petted every tick, disarmed on a clean stop.
    private let hardwareWatchdog: HardwareWatchdog?

    /// The schedule, when there is one, and the wall clock's place in the week.
    private let weekTime: @Sendable () -> WeekTime

    private struct State {
        var loop: ControlLoop
        var thermostat: Thermostat?
        /// The hash rate, smoothed over about ten seconds, and the sample it was last updated from.
        var hashRate = 0.0
        var hashSample: (elapsed: Duration, hashes: UInt64)?
        var ticks = 0
        var latest: TickReport?
        var failing: Set<String> = []
    }
    private let state: Mutex<State>

    /// - Parameters:
    ///   - period: time between ticks (default 500 ms: 2 Hz).
    ///   - maxTicks: stop by itself after this many ticks (for smoke tests); `nil` runs until shut down.
    public init(
        hardware: Hardware, clock: C, period: Duration = .milliseconds(500), maxTicks: Int? = nil,
        logger: Logger, summaryEvery: Int = 60, setpoint: Celsius = Celsius(20), mode: Mode = .heat,
        restoredFaults: [String] = [], systemd: SystemdNotifier = SystemdNotifier(),
        schedule: Schedule? = nil, manualAtStart: Bool = false, hardwareWatchdog: HardwareWatchdog? = nil,
        roomGains: PIDGains? = nil, weekTime: @escaping @Sendable () -> WeekTime = { WeekTime(minuteOfWeek: 0) }
    ) {
        self.systemd = systemd
        self.weekTime = weekTime
        self.hardwareWatchdog = hardwareWatchdog
        self.hardware = hardware
        var thermostat = schedule.map(Thermostat.init)
        // A setpoint or mode given at start holds until the schedule's next slot, as one set by hand.
        if manualAtStart { thermostat?.setManually(setpoint: setpoint, mode: mode, at: weekTime()) }
        var loop = ControlLoop(hardware: hardware, setpoint: setpoint, mode: mode, restoredFaults: restoredFaults)
        if let roomGains { loop.setRoomGains(roomGains) }
        self.state = Mutex(State(loop: loop, thermostat: thermostat))
        self.clock = clock
        self.period = period
        self.maxTicks = maxTicks
        self.logger = logger
        self.summaryEvery = max(summaryEvery, 1)
    }

    /// Hashes a second, smoothed over about ten seconds.
    public var hashRate: Double { state.withLock { $0.hashRate } }

    /// Whether a hand-set value overrides the schedule now.
    public var scheduleOverridden: Bool {
        let now = weekTime()
        return state.withLock { $0.thermostat?.isOverridden(at: now) ?? false }
    }

    /// Sets the setpoint and mode by hand; with a schedule they hold until its next slot.
    public func set(setpoint: Celsius?, mode: Mode?) {
        let now = weekTime()
        let (newSetpoint, newMode) = state.withLock { state in
            let target = (setpoint ?? state.loop.setpoint, mode ?? state.loop.mode)
            state.thermostat?.setManually(setpoint: target.0, mode: target.1, at: now)
            state.loop.setpoint = target.0
            state.loop.mode = target.1
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

    /// Clears the latched faults on a person's word; returns them.
    public func clearFaults() -> [String] {
        let cleared = state.withLock { state -> [String] in
            let faults = state.loop.supervisor.latched.map { "\($0.fault)" }
            _ = state.loop.clearFaults()
            return faults
        }
        if !cleared.isEmpty { logger.notice("faults cleared by hand: \(cleared.joined(separator: "; "))") }
        return cleared
    }

    /// How many ticks have run.
    public var ticks: Int { state.withLock { $0.ticks } }
    /// The last tick's report.
    public var latest: TickReport? { state.withLock { $0.latest } }
    /// What to remember across a restart: setpoint, mode, latched faults, energy drawn this run.
    public var snapshot: (setpoint: Celsius, mode: Mode, faults: [String], energyKWh: Double) {
        state.withLock { ($0.loop.setpoint, $0.loop.mode, $0.loop.supervisor.latched.map { "\($0.fault)" }, $0.loop.energyKWh) }
    }

    public func run() async throws {
        defer {
            systemd.stopping()
            enterSafeState(reason: "the control task ended")
            hardwareWatchdog?.stop()
        }
        enterSafeState(reason: "start")
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
        let (report, count, newlyFailed, recovered, scheduled) = state.withLock { state in
            // The schedule (or a hand-set value still in force) sets the target before the tick.
            var scheduled: (setpoint: Celsius, mode: Mode)?
            if let target = state.thermostat?.target(at: now), target.setpoint != state.loop.setpoint || target.mode != state.loop.mode {
                state.loop.setpoint = target.setpoint
                state.loop.mode = target.mode
                scheduled = target
            }
            let report = state.loop.tick(time: elapsed)
            state.ticks += 1
            if let hashes = report.hashes {
                if let last = state.hashSample, elapsed > last.elapsed {
                    let seconds = (elapsed - last.elapsed) / .seconds(1)
                    let rate = Double(hashes &- last.hashes) / seconds
                    let weight = min(seconds / 10, 1)
                    state.hashRate += (rate - state.hashRate) * weight
                }
                state.hashSample = (elapsed, hashes)
            }
            state.latest = report
            var newlyFailed: [(String, HALError)] = []
            var recovered: [String] = []
            for reading in report.readings {
                switch reading.reading {
                case .failure(let error):
                    if state.failing.insert(reading.name).inserted { newlyFailed.append((reading.name, error)) }
                case .success:
                    if state.failing.remove(reading.name) != nil { recovered.append(reading.name) }
                }
            }
            return (report, state.ticks, newlyFailed, recovered, scheduled)
        }
        if let scheduled {
            logger.notice("schedule at \(now): holding \(scheduled.setpoint) in mode \(scheduled.mode.rawValue)")
        }
        for (name, error) in newlyFailed {
            logger.error("sensor \(name) failed", metadata: ["error": "\(error)"])
        }
        for name in recovered {
            logger.notice("sensor \(name) reads again")
        }
        for event in report.safety.events {
            switch event {
            case .latched: logger.critical("\(event)")
            case .doubt, .throttled: logger.warning("\(event)")
            default: logger.notice("\(event)")
            }
        }
        if let error = report.fanError { logger.error("fan could not be driven", metadata: ["error": "\(error)"]) }
        // systemd: ready after the first tick, alive at every tick, a status line with the summary.
        if count == 1 { systemd.ready(status: Self.summary(report)) }
        systemd.watchdog()
        do {
            try hardwareWatchdog?.pet()
        } catch {
            logger.error("watchdog: \(error)")
        }
        if count == 1 || count % summaryEvery == 0 {
            if count > 1 { systemd.status(Self.summary(report)) }
            logger.info("tick \(count): \(Self.summary(report))")
        } else {
            logger.debug("tick \(count): \(Self.summary(report))")
        }
    }

    static func summary(_ report: TickReport) -> String {
        var parts = report.readings.map { reading in
            switch reading.reading {
            case .success(let value): "\(reading.name) \(value)"
            case .failure(let error): "\(reading.name) FAILED (\(error.kind))"
            }
        }
        switch report.power {
        case .success(let power): parts.append("supply \(power.power) at \(power.voltage)")
        case .failure(let error): parts.append("supply FAILED (\(error.kind))")
        case nil: break
        }
        switch report.fanSpeed {
        case .success(let speed?): parts.append("fan \(Int(speed.value.rounded())) rpm")
        case .failure(let error): parts.append("fan FAILED (\(error.kind))")
        case .success(nil), nil: break
        }
        parts.append("setpoint \(report.setpoint) (\(report.mode.rawValue))")
        parts.append("power \(report.appliedPower)\(report.safety.computeOff ? " (compute off)" : "")")
        parts.append("fan duty \(report.output.fanDuty)")
        if let hashes = report.hashes { parts.append("\(hashes) hashes") }
        return parts.joined(separator: ", ")
    }

    private func enterSafeState(reason: String) {
        let failures = hardware.enterSafeState()
        if failures.isEmpty {
            logger.info("safe state (\(reason)): fans full, hash board off and in reset")
        }
        for failure in failures {
            logger.critical("could not reach the safe state (\(reason))", metadata: ["error": "\(failure)"])
        }
    }
}
