import HearthHAL
import Logging
import ServiceLifecycle
import Synchronization

/// What one tick saw.
public struct TickReport: Sendable {
    /// When, on the service's clock, as time since the service started.
    public var elapsed: Duration
    /// Every sensor's reading or the error that stood in for it, in board order.
    public var readings: [(name: String, role: SensorRole, reading: Result<Celsius, HALError>)]
    /// The supply's power meter reading, when the board has one.
    public var power: Result<PowerReading, HALError>?
    /// The fan's measured speed (`nil` inside for a fan without a tachometer), when the board has a fan.
    public var fanSpeed: Result<RPM?, HALError>?
}

/// The heater's control task: one tick at a fixed rate, on an injected clock.
///
/// Each tick reads every sensor once. What this build does with the readings is report them: the
/// thermostat, fan loop and safety supervisor arrive with the control issue, and until then the
/// heater holds every output in its safe state (fans full, hash board off and in reset), which is
/// where it starts and where it is put back when the service ends for any reason.
public final class HeaterService<C: Clock>: Service where C.Duration == Duration {
    private let hardware: Hardware
    private let clock: C
    private let period: Duration
    private let maxTicks: Int?
    private let logger: Logger
    /// Ticks between two summary lines in the log.
    private let summaryEvery: Int

    private struct State {
        var ticks = 0
        var latest: TickReport?
        var failing: Set<String> = []
        var lastElapsed = Duration.zero
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - period: time between ticks (default 500 ms: 2 Hz).
    ///   - maxTicks: stop by itself after this many ticks (for smoke tests); `nil` runs until shut down.
    public init(
        hardware: Hardware, clock: C, period: Duration = .milliseconds(500), maxTicks: Int? = nil,
        logger: Logger, summaryEvery: Int = 60
    ) {
        self.hardware = hardware
        self.clock = clock
        self.period = period
        self.maxTicks = maxTicks
        self.logger = logger
        self.summaryEvery = max(summaryEvery, 1)
    }

    /// How many ticks have run.
    public var ticks: Int { state.withLock { $0.ticks } }
    /// The last tick's report.
    public var latest: TickReport? { state.withLock { $0.latest } }

    public func run() async throws {
        defer { enterSafeState(reason: "the control task ended") }
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

    /// One tick: read every sensor once, log what changed, keep the outputs safe.
    func tick(elapsed: Duration) {
        if let simulation = hardware.simulation {
            let step = state.withLock { state in
                defer { state.lastElapsed = elapsed }
                return elapsed - state.lastElapsed
            }
            simulation(step)
        }
        let readings = hardware.sensors.map { sensor in
            let reading = Result { () throws(HALError) in try sensor.device.readTemperature() }
            return (name: sensor.spec.name, role: sensor.spec.role, reading: reading)
        }
        let power = hardware.powerMeter.map { meter in
            Result { () throws(HALError) in try meter.readPower() }
        }
        let fanSpeed = hardware.fan.map { drive in
            Result { () throws(HALError) in try drive.fan.speed() }
        }
        let report = TickReport(elapsed: elapsed, readings: readings, power: power, fanSpeed: fanSpeed)
        let (count, newlyFailed, recovered) = state.withLock { state in
            state.ticks += 1
            state.latest = report
            var newlyFailed: [(String, HALError)] = []
            var recovered: [String] = []
            for reading in readings {
                switch reading.reading {
                case .failure(let error):
                    if state.failing.insert(reading.name).inserted { newlyFailed.append((reading.name, error)) }
                case .success:
                    if state.failing.remove(reading.name) != nil { recovered.append(reading.name) }
                }
            }
            return (state.ticks, newlyFailed, recovered)
        }
        for (name, error) in newlyFailed {
            logger.error("sensor \(name) failed; compute stays off, fans stay full", metadata: ["error": "\(error)"])
        }
        for name in recovered {
            logger.notice("sensor \(name) reads again")
        }
        if count == 1 || count % summaryEvery == 0 {
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
        return parts.isEmpty ? "no sensors" : parts.joined(separator: ", ")
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
