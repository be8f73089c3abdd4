import HearthHAL
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The simulated heater in its room: the thermal model, the I²C bus with the sensor twins on it,
/// the fan, and the GPIO outputs, all moved together on virtual time by `advance(by:)`.
public final class SimWorld: Sendable {
    /// Where on the heater a sensor twin sits, i.e. which temperature of the model it measures.
    public enum Probe: String, Hashable, Sendable {
        /// Room air (a room or intake sensor).
        case air
        /// The air leaving the heater.
        case exhaust
        /// The heat sink: where a board's chip-role sensor is clamped.
        case heatSink
        /// The hash chip die.
        case chip
        /// The controller board, which sits in the warm air beside the heat sink.
        case board
        /// The air outside the house.
        case outdoor
    }

    /// Temperature-sensor chips the world has twins of.
    public enum SensorChip: String, Hashable, Sendable {
        case tmp102, mcp9808, lm75, lm75b, sht3x, sht4x
    }

    public let bus: SimI2CBus
    public let fan: SimFan
    private struct State {
        var model: ThermalModel
        /// Timed changes still to come, in order.
        var events: [Scenario.Event] = []
        var power = Watts(0)
        /// A supply that no longer follows its target (`supplyStuckOn`): what it draws instead.
        var stuckPower: Watts?
        /// What the hash board really draws: its target, unless its supply is stuck.
        var drawn: Watts { stuckPower ?? power }
        var twins: [(twin: TemperatureTwin, probe: Probe, address: I2CAddress)] = []
        var meters: [PowerMeterTwin] = []
        var adcs: [I2CAddress: ADS1115Twin] = [:]
        var thermistors: [(adc: ADS1115Twin, channel: Int, thermistor: SimThermistor, probe: Probe)] = []
        /// What an exhaust sensor sees: the exhaust air through the sensor's own thermal lag.
        var sensedExhaust: Celsius?
        var lines: [String: SimDigitalLine] = [:]
    }
    private let state: Mutex<State>
    /// The longest step the model and fan are advanced by at once.
    public let step: Duration

    /// The measurement noise given to each temperature twin added (zero: exact readings).
    public let sensorNoise: Celsius

    public init(
        model: ThermalModel = ThermalModel(), fan: SimFan = SimFan(), step: Duration = .milliseconds(100),
        sensorNoise: Celsius = .zero
    ) {
        self.bus = SimI2CBus()
        self.fan = fan
        self.step = step
        self.sensorNoise = sensorNoise
        self.state = Mutex(State(model: model))
    }

    /// A world playing a scenario: its room and heater, and its changes as virtual time passes.
    public convenience init(
        scenario: Scenario, fan: SimFan = SimFan(), step: Duration = .milliseconds(100), sensorNoise: Celsius = .zero
    ) {
        self.init(model: scenario.makeModel(), fan: fan, step: step, sensorNoise: sensorNoise)
        state.withLock { $0.events = scenario.events }
    }

    /// Puts a twin of `chip` at `address` on the bus, measuring `probe`; returns it for fault injection.
    @discardableResult
    public func addSensor(_ chip: SensorChip, at address: I2CAddress, measuring probe: Probe) -> TemperatureTwin {
        let start = temperature(at: probe)
        let twin: TemperatureTwin & SimI2CDevice = switch chip {
        case .tmp102: TMP102Twin(temperature: start)
        case .mcp9808: MCP9808Twin(temperature: start)
        case .lm75: LM75Twin(temperature: start, bits: 9)
        case .lm75b: LM75Twin(temperature: start, bits: 11)
        case .sht3x: SHT3xTwin(temperature: start)
        case .sht4x: SHT4xTwin(temperature: start)
        }
        twin.noise = sensorNoise
        bus.attach(twin, at: address)
        state.withLock { $0.twins.append((twin, probe, address)) }
        return twin
    }

    /// Puts an NTC thermistor on input `channel` of the ADS1115 twin at `address` (added on first use).
    @discardableResult
    public func addThermistor(
        _ thermistor: SimThermistor, adc address: I2CAddress, channel: Int, measuring probe: Probe
    ) -> ADS1115Twin {
        let temperature = self.temperature(at: probe)
        return state.withLock { state in
            let adc = state.adcs[address] ?? ADS1115Twin()
            if state.adcs[address] == nil {
                state.adcs[address] = adc
                bus.attach(adc, at: address)
            }
            adc.setInput(channel, thermistor.volts(at: temperature))
            state.thermistors.append((adc, channel, thermistor, probe))
            return adc
        }
    }

    /// Starts a fault now (scenarios start theirs at their time).
    public func inject(_ fault: InjectedFault) {
        state.withLock { inject(fault, into: &$0) }
    }

    private func inject(_ fault: InjectedFault, into state: inout State) {
        switch fault {
        case .fanStall: fan.fault.stalled = true
        case .tachLost: fan.fault.tachLost = true
        case .busLockup: bus.inject(.lockedUp)
        case .supplyStuckOn: state.stuckPower = Watts(state.model.parameters.ratedPower)
        default: break
        }
        for index in state.twins.indices {
            let (twin, probe, address) = state.twins[index]
            switch fault {
            case .stuck(probe): twin.fault.stuckAt = twin.measured
            case .drift(probe, let rate): twin.fault.driftPerHour = rate
            case .jump(probe, let step): twin.fault.offset += step
            case .gone(probe): twin.fault.absent = true
            case .offMount(probe): state.twins[index].probe = .air
            case .nackBurst(probe, let count): bus.inject(.nackBurst(address, count: count))
            default: break
            }
        }
    }

    /// Puts an EMC2101 twin at `address` driving the world's fan, its remote diode on `probe` and
    /// its own sensor on the board.
    @discardableResult
    public func addFanController(at address: I2CAddress, diode probe: Probe) -> EMC2101Twin {
        let twin = EMC2101Twin(temperature: temperature(at: probe), fan: fan)
        bus.attach(twin, at: address)
        state.withLock { $0.twins.append((twin, probe, address)) }
        return twin
    }

    /// Power-meter chips the world has twins of.
    public enum MeterChip: Hashable, Sendable {
        case ina260
        case ina219(shuntOhms: Double)
    }

    /// The heater's supply voltage.
    public static let supplyVoltage = Volts(48)
    /// What the controller board and fan draw beside the hash board.
    public static let baselinePower = Watts(5)

    /// Puts a power-meter twin at `address`, measuring the heater's supply.
    @discardableResult
    public func addPowerMeter(_ chip: MeterChip, at address: I2CAddress) -> PowerMeterTwin {
        let twin: PowerMeterTwin & SimI2CDevice = switch chip {
        case .ina260: INA260Twin()
        case .ina219(let shunt): INA219Twin(shuntOhms: shunt)
        }
        bus.attach(twin, at: address)
        state.withLock { state in
            state.meters.append(twin)
            Self.updateMeters(state)
        }
        return twin
    }

    private static func updateMeters(_ state: State) {
        let current = Amperes((state.drawn + baselinePower).value / supplyVoltage.value)
        for meter in state.meters { meter.set(voltage: supplyVoltage, current: current) }
    }

    /// A GPIO output line of the simulated board, made on first use.
    public func line(_ name: String) -> SimDigitalLine {
        state.withLock { state in
            if let line = state.lines[name] { return line }
            let line = SimDigitalLine(name: name)
            state.lines[name] = line
            return line
        }
    }

    /// The power the hash board draws now: all of it becomes heat in the chip.
    public var power: Watts {
        get { state.withLock { $0.power } }
        set { state.withLock { $0.power = newValue } }
    }

    /// A copy of the thermal model as it is now.
    public var model: ThermalModel { state.withLock { $0.model } }

    /// Changes the disturbances (outdoor temperature, window, sun, other heat).
    public func setDisturbances(_ disturbances: Disturbances) {
        state.withLock { $0.model.disturbances = disturbances }
    }

    /// The true temperature at a probe now.
    public func temperature(at probe: Probe) -> Celsius {
        state.withLock { Self.temperature(of: $0, at: probe) }
    }

    /// How fast a probe in the exhaust stream follows it: a sensor has a thermal mass of its own,
    /// and the exhaust air itself changes the moment the fan does.
    public static let exhaustSensorLag = Duration.seconds(20)

    private static func temperature(of state: State, at probe: Probe) -> Celsius {
        let model = state.model
        return switch probe {
        case .air: model.air
        case .exhaust: state.sensedExhaust ?? model.exhaust
        case .heatSink: model.body
        case .chip: model.chip
        case .board: model.air + (model.body - model.air) * 0.25
        case .outdoor: model.disturbances.outdoor
        }
    }

    /// Moves the whole world forward: fan, model, and every twin's true temperature.
    ///
    /// Time passes in chunks of at most a second: in each, the fan is advanced at once (its
    /// first-order lag is exact for any step) and the model in steps of at most `step` with the
    /// fan's mean speed over the chunk. Scenario events apply at the start of the step they fall
    /// in. The twins, which only matter when read, are brought up to date once at the end.
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        var left = duration
        while left > .zero {
            let chunk = min(left, .seconds(1))
            let speedBefore = fan.speedFraction
            fan.advance(by: chunk)
            let fanSpeed = (speedBefore + fan.speedFraction) / 2
            state.withLock { state in
                while let event = state.events.first, event.at <= state.model.elapsed {
                    event.apply(to: &state.model.disturbances)
                    if let fault = event.fault { inject(fault, into: &state) }
                    state.events.removeFirst()
                }
                state.model.advance(by: chunk, power: state.drawn, fanSpeed: fanSpeed, step: step)
                let sensed = state.sensedExhaust ?? state.model.exhaust
                let follow = 1 - exp(-chunk.seconds / Self.exhaustSensorLag.seconds)
                state.sensedExhaust = sensed + (state.model.exhaust - sensed) * follow
            }
            left -= chunk
        }
        state.withLock { state in
            for (twin, probe, _) in state.twins {
                twin.temperature = Self.temperature(of: state, at: probe)
                twin.elapse(duration)
            }
            Self.updateMeters(state)
            for entry in state.thermistors {
                entry.adc.setInput(entry.channel, entry.thermistor.volts(at: Self.temperature(of: state, at: entry.probe)))
            }
        }
    }
}

/// A GPIO output of the simulated board: it remembers its level and every change.
public final class SimDigitalLine: DigitalOutput {
    public let name: String
    private let history = Mutex<[Bool]>([])

    public init(name: String) { self.name = name }

    public func set(active: Bool) throws(HALError) { history.withLock { $0.append(active) } }

    /// The logical level now; `nil` before it was first driven.
    public var isActive: Bool? { history.withLock { $0.last } }
    /// Every level it was driven to, in order.
    public var changes: [Bool] { history.withLock { $0 } }
}
