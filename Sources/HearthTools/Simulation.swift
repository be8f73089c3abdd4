import Foundation
import HearthConfig
import HearthControl
import HearthHAL
import HearthRuntime
import HearthSim

/// What a simulated run shows about the controller.
public struct SimulationReport: Hashable, Sendable, Codable {
    public var scenario: String
    public var controller: String
    public var hours: Double
    /// Integral of |room − setpoint| over the run, °C·h (the true room temperature, not a sensor's).
    public var iae: Double
    /// The most the room rose above the setpoint after first reaching it, °C.
    public var maxOvershoot: Double
    /// The share of the run the room spent within ±0.3 °C of the setpoint.
    public var timeInBand: Double
    /// The share of the last quarter of the run within ±0.2 °C: the steady state.
    public var steadyInBand: Double
    public var energyKWh: Double
    /// Hashes computed; zero until the hash engine exists (the power goes to a simulated load).
    public var hashes: Double
    /// Faults the supervisor latched, as it says them.
    public var faults: [String]
    /// The hottest the chip, heat sink and exhaust got, °C.
    public var maxChip: Double
    public var maxHeatSink: Double
    public var maxExhaust: Double
    /// Ticks from a scenario's first injected fault to compute off (`nil`: no fault, or never off).
    public var ticksToComputeOff: Int?
    /// Ticks from a scenario's first injected fault to the first fault the supervisor latched
    /// (`nil`: none latched after it).
    public var ticksToLatch: Int?
    /// Whether compute came back on after a fault latched (it must not).
    public var resumedAfterLatch: Bool
    /// The closest the model-based check came to its bound while nothing was latched: the largest
    /// |residual| / bound it judged (under 1: silent; `nil`: it never judged, e.g. no basis).
    public var modelPeak: Double?
    /// Whether the thermostat started early for a rising setpoint (optimal start).
    public var optimalStart = false
    /// For each rise of the scheduled setpoint, in order: the minutes after it that the room
    /// (the true air) came within 0.2 °C of it; 0 when it was there on time. A rise the room never
    /// reached is left out.
    public var minutesLate: [Double] = []

    /// Every key is written, `null` included, so readers can rely on them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(controller, forKey: .controller)
        try container.encode(hours, forKey: .hours)
        try container.encode(iae, forKey: .iae)
        try container.encode(maxOvershoot, forKey: .maxOvershoot)
        try container.encode(timeInBand, forKey: .timeInBand)
        try container.encode(steadyInBand, forKey: .steadyInBand)
        try container.encode(energyKWh, forKey: .energyKWh)
        try container.encode(hashes, forKey: .hashes)
        try container.encode(faults, forKey: .faults)
        try container.encode(maxChip, forKey: .maxChip)
        try container.encode(maxHeatSink, forKey: .maxHeatSink)
        try container.encode(maxExhaust, forKey: .maxExhaust)
        try container.encode(ticksToComputeOff, forKey: .ticksToComputeOff)
        try container.encode(ticksToLatch, forKey: .ticksToLatch)
        try container.encode(resumedAfterLatch, forKey: .resumedAfterLatch)
        try container.encode(modelPeak.map { $0.rounded(toPlaces: 3) }, forKey: .modelPeak)
        try container.encode(optimalStart, forKey: .optimalStart)
        try container.encode(minutesLate.map { $0.rounded(toPlaces: 1) }, forKey: .minutesLate)
    }

    enum CodingKeys: String, CodingKey {
        case scenario, controller, hours, iae, faults, hashes
        case maxOvershoot = "max_overshoot", timeInBand = "time_in_band", steadyInBand = "steady_in_band"
        case energyKWh = "energy_kwh", maxChip = "max_chip", maxHeatSink = "max_heat_sink", maxExhaust = "max_exhaust"
        case ticksToComputeOff = "ticks_to_compute_off", ticksToLatch = "ticks_to_latch", resumedAfterLatch = "resumed_after_latch"
        case modelPeak = "model_peak", optimalStart = "optimal_start", minutesLate = "minutes_late"
    }
}

/// The full control stack on the simulated heater, on virtual time: the sim board's drivers on
/// their twins, the safety supervisor, the room and fan loops and the allocator, the power target
/// turned into heat by a simulated load standing in for the hash board.
public struct Simulation {
    public var scenario: Scenario
    public var law: RoomLawKind
    public var board: BoardProfile
    public var tick: Duration
    /// The room loop's gains; `nil` keeps the controller's defaults.
    public var roomGains: PIDGains?
    /// Start heating early for each rise of the scenario's setpoint (the daemon's optimal start,
    /// learning the room's warm-up rate as the run goes); `nil`: every setpoint on time.
    public var optimalStart: OptimalStart?

    public init(
        scenario: Scenario, law: RoomLawKind = .pid, board: BoardProfile, tick: Duration = .milliseconds(500),
        roomGains: PIDGains? = nil, optimalStart: OptimalStart? = nil
    ) {
        self.scenario = scenario
        self.law = law
        self.board = board
        self.tick = tick
        self.roomGains = roomGains
        self.optimalStart = optimalStart
    }

    /// The scenario's setpoints as a weekly schedule from Monday 00:00 (a run of up to a week).
    var schedule: Schedule? {
        let changes = scenario.events.compactMap { event in
            event.setpoint.map { Schedule.Slot(start: WeekTime(minuteOfWeek: Int(event.at.seconds / 60)), setpoint: $0) }
        }
        return Schedule([Schedule.Slot(start: WeekTime(minuteOfWeek: 0), setpoint: scenario.setpoint)] + changes.filter { $0.start.minute > 0 })
    }

    public func run(for duration: Duration) throws(HALError) -> SimulationReport {
        // Sensors with the flicker of real ones (±0.05 °C), so a frozen value stands out.
        let world = SimWorld(scenario: scenario, sensorNoise: Hardware.simulatedSensorNoise)
        var loop = ControlLoop(hardware: try Hardware.openSim(board, world: world), law: law, setpoint: scenario.setpoint)
        if let roomGains { loop.setRoomGains(roomGains) }
        let firstFault = scenario.events.first { $0.fault != nil }?.at

        var report = SimulationReport(
            scenario: scenario.name, controller: law.rawValue, hours: duration.seconds / 3600, iae: 0, maxOvershoot: 0,
            timeInBand: 0, steadyInBand: 0, energyKWh: 0, hashes: 0, faults: [], maxChip: -100, maxHeatSink: -100,
            maxExhaust: -100, ticksToComputeOff: nil, resumedAfterLatch: false)
        var ticks = 0, inBand = 0, steadyTicks = 0, steadyIn = 0
        var lastSetpoint = scenario.setpoint
        // Overshoot counts once the room, heated from below a setpoint, has reached it; a room
        // above a lowered setpoint is left to cool, which a heater cannot hurry.
        var approachingFromBelow = true
        var reached = false
        let dt = tick.seconds
        var time = Duration.zero
        var early = optimalStart, warmUp = WarmUpModel(), room: Celsius?, outdoor: Celsius?
        let schedule = optimalStart == nil ? nil : self.schedule
        report.optimalStart = optimalStart != nil
        var rise: (at: Duration, to: Double)?
        while time < duration {
            time += tick
            ticks += 1
            // The measures are against the schedule; the loop may be sent ahead of it.
            let setpoint = scenario.setpoint(at: time)
            loop.setpoint = setpoint
            if var start = early, let schedule {
                loop.setpoint = start.target(
                    at: WeekTime(minuteOfWeek: Int(time.seconds / 60)), schedule: schedule, current: (setpoint, .heat), room: room,
                    outdoor: outdoor, model: warmUp
                ).setpoint
                early = start
            }
            let wasLatched = loop.supervisor.isLatched
            let snapshot = loop.tick(time: time)
            room = snapshot.room
            outdoor = snapshot.temperatures.outdoor
            warmUp.observe(
                time: time, room: snapshot.room?.value, outdoor: outdoor?.value,
                fullPower: snapshot.appliedPower.value >= 0.9 * loop.hardware.ratedPower.value)
            if let error = snapshot.fanError {
                report.faults.append("fan could not be driven at \(Int(time.seconds)) s: \(error)")
            }
            if wasLatched && snapshot.appliedPower > .zero { report.resumedAfterLatch = true }
            if !wasLatched, let judged = loop.supervisor.modelJudgement, judged.bound > 0 {
                report.modelPeak = max(report.modelPeak ?? 0, abs(judged.residual) / judged.bound)
            }
            if let firstFault, time > firstFault, snapshot.appliedPower == .zero, report.ticksToComputeOff == nil {
                report.ticksToComputeOff = Int(((time - firstFault).seconds / dt).rounded(.up))
            }
            if let firstFault, time > firstFault, report.ticksToLatch == nil,
                snapshot.safety.events.contains(where: { if case .latched = $0 { true } else { false } })
            {
                report.ticksToLatch = Int(((time - firstFault).seconds / dt).rounded(.up))
            }

            // Measures, on the world's truth.
            let model = world.model
            let error = model.air.value - setpoint.value
            if setpoint != lastSetpoint {
                reached = false
                approachingFromBelow = error < 0
                if setpoint > lastSetpoint { rise = (time, setpoint.value) }
                lastSetpoint = setpoint
            }
            if let pending = rise, model.air.value >= pending.to - 0.2 {
                report.minutesLate.append(max((time - pending.at).seconds / 60 - tick.seconds / 60, 0))
                rise = nil
            }
            if error < 0 { approachingFromBelow = true }
            if approachingFromBelow && error >= 0 { reached = true }
            if reached { report.maxOvershoot = max(report.maxOvershoot, error) }
            report.iae += abs(error) * dt / 3600
            if abs(error) <= 0.3 { inBand += 1 }
            if time > duration * 0.75 {
                steadyTicks += 1
                if abs(error) <= 0.2 { steadyIn += 1 }
            }
            report.energyKWh += snapshot.appliedPower.value * dt / 3_600_000
            report.maxChip = max(report.maxChip, model.chip.value)
            report.maxHeatSink = max(report.maxHeatSink, model.body.value)
            report.maxExhaust = max(report.maxExhaust, model.exhaust.value)
        }
        report.timeInBand = Double(inBand) / Double(max(ticks, 1))
        report.steadyInBand = Double(steadyIn) / Double(max(steadyTicks, 1))
        report.faults = loop.supervisor.latched.map { "\($0.fault) (at \(Int($0.at.seconds)) s)" } + report.faults
        return report
    }
}

extension SimulationReport {
    /// The report for people, a measure a line.
    public var summary: String {
        func f(_ value: Double, _ digits: Int = 2) -> String { "\(value.rounded(toPlaces: digits))" }
        var lines = [
            "scenario \(scenario), \(controller) controller, \(f(hours, 1)) h simulated",
            "IAE of room temperature   \(f(iae)) °C·h",
            "maximum overshoot         \(f(maxOvershoot)) °C",
            "time within ±0.3 °C       \(f(timeInBand * 100, 1)) %",
            "steady state within ±0.2  \(f(steadyInBand * 100, 1)) % (last quarter)",
            "energy                    \(f(energyKWh, 3)) kWh",
            "hashes                    \(Int(hashes)) (no hash engine in this build: the power heats a simulated load)",
            "hottest chip / heat sink / exhaust  \(f(maxChip, 1)) / \(f(maxHeatSink, 1)) / \(f(maxExhaust, 1)) °C",
        ]
        if let ticksToComputeOff { lines.append("compute off \(ticksToComputeOff) tick(s) after the fault") }
        if let ticksToLatch { lines.append("fault latched \(ticksToLatch) tick(s) after it") }
        if let modelPeak { lines.append("model check peak          \(f(modelPeak * 100, 1)) % of its bound (before any latch)") }
        if !minutesLate.isEmpty {
            let late = minutesLate.map { f($0, 1) }.joined(separator: ", ")
            lines.append("minutes late to each rise \(late)\(optimalStart ? " (optimal start)" : " (started on time)")")
        }
        lines.append(faults.isEmpty ? "faults                    none" : "faults:\n  " + faults.joined(separator: "\n  "))
        return lines.joined(separator: "\n")
    }
}
