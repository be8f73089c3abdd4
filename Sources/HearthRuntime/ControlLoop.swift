import HearthConfig
import HearthControl
import HearthHAL

/// What one tick saw and decided.
public struct TickReport: Sendable {
    /// When, on the loop's timeline.
    public var elapsed: Duration
    /// Every sensor's reading or the error that stood in for it, in board order.
    public var readings: [(name: String, role: SensorRole, reading: Result<Celsius, HALError>)]
    /// The supply's power meter reading, when the board has one.
    public var power: Result<PowerReading, HALError>?
    /// The fan's measured speed (`nil` inside for a fan without a tachometer), when the board has a fan.
    public var fanSpeed: Result<RPM?, HALError>?
    /// The safety supervisor's verdict.
    public var safety: SafetyDecision
    /// What the loops asked for, and what was applied.
    public var output: ControlOutput
    /// The power that actually reached a load: zero on a board without a hash engine.
    public var appliedPower: Watts
    public var setpoint: Celsius
    public var mode: Mode
    /// The fan could not be driven this tick.
    public var fanError: HALError?
    /// Hashes computed so far, when the load is a hash engine.
    public var hashes: UInt64?
}

/// One tick of the whole heater, the same on a Pi, on the simulated board and in `hearth simulate`:
/// read every sensor once, let the safety supervisor judge first, run the room loop, allocator
/// and fan loop, and apply the power target and fan duty.
public struct ControlLoop: Sendable {
    public let hardware: Hardware
    public private(set) var supervisor = SafetySupervisor()
    public private(set) var controller: HeaterController
    public var setpoint: Celsius
    public var mode: Mode
    private var lastTime: Duration?
    private var applied = Watts(0)
    private var duty: DutyCycle

    /// Accumulated energy drawn by the load, kWh.
    public private(set) var energyKWh = 0.0

    public init(
        hardware: Hardware, law: RoomLaw = .pid, setpoint: Celsius = Celsius(20), mode: Mode = .heat,
        restoredFaults: [String] = []
    ) {
        self.hardware = hardware
        supervisor.restore(restoredFaults, at: .zero)
        self.controller = HeaterController(settings: ControllerSettings(ratedPower: hardware.ratedPower), law: law)
        self.setpoint = setpoint
        self.mode = mode
        self.duty = hardware.fan?.safe ?? .full
    }

    /// Replaces the room loop's gains (tuning, autotune results).
    public mutating func setRoomGains(_ gains: PIDGains) {
        var settings = controller.settings
        settings.roomGains = gains
        controller = HeaterController(settings: settings, law: controller.law)
    }

    /// A person clears the latched faults.
    public mutating func clearFaults() -> SafetyEvent? { supervisor.clearFaults() }

    /// One tick; `demand`, when given, replaces the room loop's (an autotune's relay).
    public mutating func tick(time: Duration, demand: Watts? = nil) -> TickReport {
        let step = lastTime.map { time - $0 } ?? .zero
        hardware.simulation?(step)
        energyKWh += applied.value * step.seconds / 3_600_000
        lastTime = time

        let readings = hardware.sensors.map { sensor in
            (name: sensor.spec.name, role: sensor.spec.role,
             reading: Result { () throws(HALError) in try sensor.device.readTemperature() })
        }
        let power = hardware.powerMeter.map { meter in Result { () throws(HALError) in try meter.readPower() } }
        let fanSpeed = hardware.fan.map { drive in Result { () throws(HALError) in try drive.fan.speed() } }
        let safety = supervisor.check(SafetyInput(
            time: time, sensors: readings, fan: fanSpeed.map { (duty: duty, speed: $0) }, power: applied,
            ratedPower: hardware.ratedPower))

        func value(_ role: SensorRole) -> [Celsius?] { readings.filter { $0.role == role }.map { try? $0.reading.get() } }
        let room = (value(.room) + value(.intake)).first ?? nil
        // A board without a heat-sink sensor runs its fan loop on the room (at rest); one whose
        // heat-sink sensor failed has no chip reading at all: nothing heats, the fan runs full.
        let chips = value(.chip)
        let chip: Celsius? = chips.isEmpty ? room : (chips.contains { $0 == nil } ? nil : chips.compactMap { $0 }.max())
        let exhaust = value(.exhaust).compactMap { $0 }.max()
        let output = controller.tick(
            time: time, setpoint: setpoint, mode: mode, room: room, chip: chip, exhaust: exhaust, safety: safety,
            demand: demand)

        applied = hardware.load == nil ? .zero : output.powerTarget
        hardware.load?(applied)
        duty = output.fanDuty
        var fanError: HALError?
        if let fan = hardware.fan {
            do { try fan.fan.setDuty(duty) } catch { fanError = error }
        }
        return TickReport(
            elapsed: time, readings: readings, power: power, fanSpeed: fanSpeed, safety: safety, output: output,
            appliedPower: applied, setpoint: setpoint, mode: mode, fanError: fanError, hashes: hardware.hashes?())
    }
}
