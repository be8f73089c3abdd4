import HearthConfig
import HearthDrivers
import HearthHAL

/// Makes the drivers for a board's I²C chips on one bus, sharing one ADS1115 driver between the
/// thermistors on its inputs.
final class I2CDrivers {
    let bus: any I2CBus
    private var adcs: [I2CAddress: ADS1115] = [:]
    private var fanController: EMC2101?

    /// The board's EMC2101, checked and set for manual fan control on first use; one driver for
    /// both its fan and its temperature.
    func emc2101() throws(HALError) -> EMC2101 {
        if let fanController { return fanController }
        let controller = EMC2101(bus: bus)
        try controller.verifyIdentity()
        try controller.configure()
        fanController = controller
        return controller
    }

    init(bus: any I2CBus) { self.bus = bus }

    /// The driver for an I²C sensor the board names, configured and checked; or why there is none.
    func sensor(_ spec: BoardProfile.Sensor) throws(HALError) -> Result<any TemperatureSensor, Hardware.MissingDriver> {
        if case .ntc(let address, let ntc) = spec.source {
            let adc = adcs[address] ?? ADS1115(bus: bus, address: address)
            adcs[address] = adc
            let model: NTCThermistor.Model = if let sh = ntc.steinhartHart {
                .steinhartHart(a: sh[0], b: sh[1], c: sh[2])
            } else {
                .beta(nominalOhms: ntc.nominalOhms, nominalCelsius: ntc.nominalCelsius, beta: ntc.beta ?? 3950)
            }
            return .success(NTCThermistor(
                name: spec.name, adc: adc, channel: ntc.channel, seriesOhms: ntc.seriesOhms,
                supply: Volts(ntc.supplyVolts), model: model))
        }
        if case .i2c(.emc2101, _) = spec.source {
            return .success(try emc2101())
        }
        return try Hardware.i2cSensor(spec, on: bus)
    }

    func powerMeter(_ spec: BoardProfile.PowerMeter) throws(HALError) -> any PowerMeter {
        try Hardware.powerMeter(spec, on: bus)
    }
}

extension Hardware {
    /// The driver for a single-chip I²C sensor the board names, on `bus`, configured and checked;
    /// or why there is none.
    static func i2cSensor(
        _ spec: BoardProfile.Sensor, on bus: any I2CBus
    ) throws(HALError) -> Result<any TemperatureSensor, MissingDriver> {
        switch spec.source {
        case .i2c(.tmp102, let address):
            let sensor = TMP102(bus: bus, address: address, name: spec.name)
            try sensor.configure(extended: true)
            return .success(sensor)
        case .i2c(.mcp9808, let address):
            let sensor = MCP9808(bus: bus, address: address, name: spec.name)
            try sensor.verifyIdentity()
            try sensor.setResolution(.sixteenth)
            return .success(sensor)
        case .i2c(.lm75, let address):
            let sensor = LM75(bus: bus, address: address, name: spec.name)
            try sensor.setShutdown(false)
            return .success(sensor)
        case .i2c(.lm75b, let address):
            let sensor = LM75B(bus: bus, address: address, name: spec.name)
            try sensor.setShutdown(false)
            return .success(sensor)
        case .i2c(.sht3x, let address):
            let sensor = SHT3x(bus: bus, address: address, name: spec.name)
            try sensor.start()
            return .success(sensor)
        case .i2c(.sht4x, let address):
            guard let variant = SHT4x.Variant(rawValue: address.rawValue) else {
                throw HALError(.outOfRange, "an SHT4x answers at 0x44, 0x45 or 0x46, not \(address)", device: bus.name, address: address)
            }
            let sensor = SHT4x(bus: bus, variant: variant, name: spec.name)
            try sensor.start()
            return .success(sensor)
        case .i2c(let chip, let address):
            return .failure(MissingDriver("sensor \"\(spec.name)\" (\(chip.rawValue) at \(address)): no driver in this build yet"))
        case .ntc, .thermalZone, .hwmon:
            return .failure(MissingDriver("sensor \"\(spec.name)\": not a single-chip I²C sensor"))
        }
    }

    /// The driver for the board's power meter on `bus`, configured and checked.
    static func powerMeter(_ spec: BoardProfile.PowerMeter, on bus: any I2CBus) throws(HALError) -> any PowerMeter {
        switch spec.chip {
        case .ina260:
            let meter = INA260(bus: bus, address: spec.address, name: "power")
            try meter.verifyIdentity()
            try meter.configure()
            return meter
        case .ina219:
            // The board file requires a shunt for an INA219; the range is what ±320 mV across it allows.
            let shunt = spec.shuntOhms ?? 0.1
            let meter = try INA219(
                bus: bus, address: spec.address, shuntOhms: shunt, maxCurrent: Amperes(0.32 / shunt), name: "power")
            try meter.configure()
            return meter
        }
    }

    /// A part the board names that this build cannot drive, and why.
    struct MissingDriver: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
