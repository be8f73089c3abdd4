import HearthControl
import HearthHAL

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
    /// The fan could not be driven at the last tick: the supervisor hears of it at this one.
    private var fanError: HALError?
    /// The load's engine was stopped for a latched fault, to start again once it is cleared.
    private var loadStopped = false

    /// Accumulated energy drawn by the load, kWh.
    public private(set) var energyKWh = 0.0

    public init(
        hardware: Hardware, law: RoomLawKind = .pid, setpoint: Celsius = Celsius(20), mode: Mode = .heat,
        restoredFaults: [String] = []
    ) {
        self.hardware = hardware
        supervisor.limits.idlePowerLimit = hardware.idlePowerLimit
        if let plausibility = hardware.plausibility { supervisor.limits = plausibility.applied(to: supervisor.limits) }
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

    /// The latched faults as the supervisor says them, oldest first.
    public var faults: [String] { supervisor.latched.map { "\($0.fault)" } }

    /// Latches a fault the loop's owner saw itself (a tick that overran); `nil` if already latched.
    public mutating func latch(_ fault: SafetyFault, at time: Duration) -> SafetyEvent? { supervisor.latch(fault, at: time) }

    /// A person clears the latched faults.
    public mutating func clearFaults() -> SafetyEvent? { supervisor.clearFaults() }

    /// One tick; `demand`, when given, replaces the room loop's (an autotune's relay).
    public mutating func tick(time: Duration, demand: Watts? = nil) -> TickSnapshot {
        let step = lastTime.map { time - $0 } ?? .zero
        hardware.simulation?.advance(by: step)
        energyKWh += applied.value * step.seconds / 3_600_000
        lastTime = time

        let readings = hardware.sensors.map { sensor in
            SensorReading(
                name: sensor.spec.name, role: sensor.spec.role,
                reading: Result { () throws(HALError) in try sensor.device.readTemperature() })
        }
        let power = hardware.powerMeter.map { meter in Result { () throws(HALError) in try meter.readPower() } }
        let fanSpeed = hardware.fan.map { drive in Result { () throws(HALError) in try drive.fan.speed() } }
        let safety = supervisor.check(SafetyInput(
            time: time, sensors: readings, fan: fanSpeed.map { (duty: duty, speed: $0) }, power: applied,
            ratedPower: hardware.ratedPower, measuredPower: try? power?.get().power, fanDriveError: fanError))
        let temperatures = ResolvedTemperatures(readings)
        let output = controller.tick(
            time: time, setpoint: setpoint, mode: mode, temperatures: temperatures, safety: safety, demand: demand)

        applied = hardware.load == nil ? .zero : output.powerTarget
        hardware.load?.apply(applied)
        duty = output.fanDuty
        fanError = nil
        if let fan = hardware.fan {
            do { try fan.fan.setDuty(duty) } catch { fanError = error }
        }
        // While a fault is latched the engine's threads are stopped, and joined, so that the
        // control task is the one writer of every output; once a person clears the fault the
        // engine starts again. A fault latched this tick: the engine ends first (its thread puts
        // the hash board in reset, supply off, as it ends), then the control task itself puts every
        // output in its safe state now (fans full too), not at the engine's next step.
        var safeStateErrors: [HALError] = []
        if !supervisor.latched.isEmpty {
            if !loadStopped, let load = hardware.load {
                loadStopped = true
                if !load.stop() {
                    safeStateErrors.append(HALError(.timeout, "the hash engine's thread did not end when stopped; the outputs are driven safe beside it"))
                }
            }
            if safety.events.contains(where: { if case .latched = $0 { true } else { false } }) {
                safeStateErrors += hardware.enterSafeState()
            }
        } else if loadStopped {
            loadStopped = false
            hardware.load?.start()
        }
        var snapshot = TickSnapshot(
            elapsed: time, readings: readings, temperatures: temperatures, power: power, fanSpeed: fanSpeed, fanError: fanError, safety: safety,
            output: output, appliedPower: applied, setpoint: setpoint, mode: mode,
            faults: faults, energyKWh: energyKWh, hashes: hardware.hashes)
        snapshot.safeStateErrors = safeStateErrors
        return snapshot
    }
}
