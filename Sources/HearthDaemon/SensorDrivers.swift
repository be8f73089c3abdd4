import HearthDrivers
import HearthHAL

extension Hardware {
    /// The driver for an I²C sensor the board names, on `bus`, configured and checked; `nil` (with
    /// the reason) for a chip this build has no driver for yet.
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
        case .ntc(let address, _):
            return .failure(MissingDriver("sensor \"\(spec.name)\" (ADS1115 + NTC at \(address)): no driver in this build yet"))
        case .thermalZone, .hwmon:
            return .failure(MissingDriver("sensor \"\(spec.name)\": not an I²C sensor"))
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
