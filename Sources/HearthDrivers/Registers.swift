import HearthHAL

extension HALError {
    /// The same error, saying which register of which device it concerned.
    func at(_ address: I2CAddress, register: UInt8) -> HALError {
        var copy = self
        copy.address = address
        copy.register = register
        return copy
    }
}

extension I2CBus {
    /// Reads a 16-bit register, most significant byte first (as TMP102, LM75, MCP9808, INA2xx send it).
    func readRegister16(_ address: I2CAddress, _ register: UInt8) throws(HALError) -> UInt16 {
        let bytes: [UInt8]
        do {
            bytes = try writeRead(address, [register], count: 2)
        } catch {
            throw error.at(address, register: register)
        }
        guard bytes.count == 2 else {
            throw HALError(.badData, "expected 2 bytes, got \(bytes.count)", device: name, address: address, register: register)
        }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Writes a 16-bit register, most significant byte first.
    func writeRegister16(_ address: I2CAddress, _ register: UInt8, _ value: UInt16) throws(HALError) {
        do {
            try write(address, [register, UInt8(value >> 8), UInt8(value & 0xFF)])
        } catch {
            throw error.at(address, register: register)
        }
    }

    /// Reads an 8-bit register.
    func readRegister8(_ address: I2CAddress, _ register: UInt8) throws(HALError) -> UInt8 {
        let bytes: [UInt8]
        do {
            bytes = try writeRead(address, [register], count: 1)
        } catch {
            throw error.at(address, register: register)
        }
        guard let byte = bytes.first else {
            throw HALError(.badData, "expected 1 byte, got none", device: name, address: address, register: register)
        }
        return byte
    }

    /// Writes an 8-bit register.
    func writeRegister8(_ address: I2CAddress, _ register: UInt8, _ value: UInt8) throws(HALError) {
        do {
            try write(address, [register, value])
        } catch {
            throw error.at(address, register: register)
        }
    }
}

/// Sign-extends the low `bits` bits of `value`.
func signExtend(_ value: UInt16, bits: Int) -> Int {
    let shift = 16 - bits
    return Int(Int16(bitPattern: value << UInt16(shift)) >> Int16(shift))
}

/// A reading outside what the chip can measure is bad data, not a temperature.
func checkRange(
    _ celsius: Double, _ range: ClosedRange<Double>, bus: any I2CBus, address: I2CAddress, register: UInt8, chip: String
) throws(HALError) -> Celsius {
    guard range.contains(celsius) else {
        throw HALError(
            .outOfRange, "\(chip) reported \(celsius) °C, outside its \(range.lowerBound)…\(range.upperBound) °C",
            device: bus.name, address: address, register: register)
    }
    return Celsius(celsius)
}

/// A temperature sensor whose reading is one 16-bit register (most significant byte first),
/// decoded by a pure function and checked against the chip's range: TMP102, LM75, MCP9808.
public protocol RegisterTemperatureSensor: TemperatureSensor {
    var bus: any I2CBus { get }
    var address: I2CAddress { get }
    /// The register that holds the temperature.
    static var temperatureRegister: UInt8 { get }
    /// What the chip can measure; a reading outside is refused.
    static var range: ClosedRange<Double> { get }
    /// The part's name, for messages.
    static var part: String { get }
    /// The temperature a register value means.
    static func celsius(fromRegister raw: UInt16) -> Double
}

extension RegisterTemperatureSensor {
    /// The temperature register as the chip sent it.
    public func readRaw() throws(HALError) -> UInt16 {
        try bus.readRegister16(address, Self.temperatureRegister)
    }

    public func readTemperature() throws(HALError) -> Celsius {
        try checkRange(
            Self.celsius(fromRegister: try readRaw()), Self.range, bus: bus, address: address,
            register: Self.temperatureRegister, chip: Self.part)
    }
}
