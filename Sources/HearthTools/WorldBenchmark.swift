import HearthDrivers
import HearthHAL
import HearthSim

/// The whole simulated world with a twin of every chip Hearth drives, read by the real drivers at
/// the control rate: what `hearth bench world` times.
public struct WorldBenchmark {
    /// What a run did.
    public struct Result: Sendable {
        public var simulated: Duration
        public var wall: Duration
        public var readings: Int
        public var failures: Int
        /// Simulated seconds per wall-clock second.
        public var speed: Double { simulated.seconds / max(wall.seconds, 1e-9) }
    }

    let world: SimWorld
    let sensors: [any TemperatureSensor]
    let meters: [any PowerMeter]
    let fans: [any Fan]

    /// The world of the 400 W scenario with TMP102 (room, exhaust), MCP9808 (heat sink), LM75B
    /// (board), SHT3x and SHT4x (room), two NTCs on an ADS1115, an EMC2101 (its diode on the chip),
    /// INA260 and INA219, and the PWM fan with its tach.
    public init() throws(HALError) {
        let world = SimWorld(scenario: .room400W)
        world.power = Watts(400)
        world.addSensor(.tmp102, at: I2CAddress(0x48)!, measuring: .air)
        world.addSensor(.tmp102, at: I2CAddress(0x49)!, measuring: .exhaust)
        world.addSensor(.mcp9808, at: I2CAddress(0x18)!, measuring: .heatSink)
        world.addSensor(.lm75b, at: I2CAddress(0x4F)!, measuring: .board)
        world.addSensor(.sht3x, at: I2CAddress(0x44)!, measuring: .air)
        world.addSensor(.sht4x, at: I2CAddress(0x46)!, measuring: .air)
        let thermistor = SimThermistor(seriesOhms: 10_000, curve: .beta(nominalOhms: 10_000, nominalCelsius: 25, beta: 3950))
        world.addThermistor(thermistor, adc: I2CAddress(0x4A)!, channel: 0, measuring: .air)
        world.addThermistor(thermistor, adc: I2CAddress(0x4A)!, channel: 1, measuring: .heatSink)
        world.addFanController(at: I2CAddress(0x4C)!, diode: .chip)
        world.addPowerMeter(.ina260, at: I2CAddress(0x40)!)
        world.addPowerMeter(.ina219(shuntOhms: 0.002), at: I2CAddress(0x41)!)

        let bus = world.bus
        let sht3x = SHT3x(bus: bus)
        try sht3x.start()
        let sht4x = SHT4x(bus: bus, variant: .c)
        try sht4x.start()
        let adc = ADS1115(bus: bus, address: I2CAddress(0x4A)!)
        let beta = NTCThermistor.Model.beta(nominalOhms: 10_000, nominalCelsius: 25, beta: 3950)
        let emc = EMC2101(bus: bus)
        try emc.verifyIdentity()
        try emc.configure()
        let ina260 = INA260(bus: bus)
        try ina260.configure()
        let ina219 = try INA219(bus: bus, address: I2CAddress(0x41)!, shuntOhms: 0.002, maxCurrent: Amperes(32.768))
        try ina219.configure()
        sensors = [
            TMP102(bus: bus, address: I2CAddress(0x48)!), TMP102(bus: bus, address: I2CAddress(0x49)!),
            MCP9808(bus: bus), LM75B(bus: bus, address: I2CAddress(0x4F)!), sht3x, sht4x,
            NTCThermistor(name: "ntc0", adc: adc, channel: 0, seriesOhms: 10_000, supply: Volts(3.3), model: beta),
            NTCThermistor(name: "ntc1", adc: adc, channel: 1, seriesOhms: 10_000, supply: Volts(3.3), model: beta),
            emc,
        ]
        meters = [ina260, ina219]
        fans = [emc, GPIOFan(name: "fan", pwm: world.fan.pwm, tach: world.fan.tach, now: { world.fan.now })]
        try emc.setDuty(.full)
        self.world = world
    }

    /// Runs `duration` of simulated time, reading every device every `tick` (unless `read` is
    /// false: the world alone); timed on `clock`.
    public func run(
        for duration: Duration, tick: Duration = .milliseconds(500), read: Bool = true,
        clock: ContinuousClock = ContinuousClock()
    ) -> Result {
        var readings = 0
        var failures = 0
        var simulated = Duration.zero
        let start = clock.now
        while simulated < duration {
            world.advance(by: tick)
            simulated += tick
            guard read else { continue }
            for sensor in sensors {
                readings += 1
                if (try? sensor.readTemperature()) == nil { failures += 1 }
            }
            for meter in meters {
                readings += 1
                if (try? meter.readPower()) == nil { failures += 1 }
            }
            for fan in fans {
                readings += 1
                if (try? fan.speed()) == nil { failures += 1 }
            }
        }
        return Result(simulated: simulated, wall: start.duration(to: clock.now), readings: readings, failures: failures)
    }
}
