import HearthHAL
import Synchronization

/// Texas Instruments INA260: current, bus voltage and power with a built-in 2 mΩ shunt;
/// 1.25 mA, 1.25 mV and 10 mW a count; up to 15 A and 36 V.
public final class INA260: PowerMeter {
    enum Register {
        static let configuration: UInt8 = 0x00
        static let current: UInt8 = 0x01
        static let voltage: UInt8 = 0x02
        static let power: UInt8 = 0x03
        static let manufacturer: UInt8 = 0xFE
        static let die: UInt8 = 0xFF
    }

    static let manufacturerID: UInt16 = 0x5449
    static let dieID: UInt16 = 0x227

    /// Samples averaged per reading (the AVG field, 0…7 → 1…1024).
    public enum Averaging: UInt16, Sendable {
        case one = 0, four, sixteen, sixtyFour, oneTwentyEight, twoFiftySix, fiveTwelve, oneThousandTwentyFour
    }

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    private let configuration = Mutex<UInt16?>(nil)

    public init(bus: any I2CBus, address: I2CAddress = INAStrap.address(a1: .ground, a0: .ground), name: String? = nil) {
        self.bus = bus
        self.address = address
        self.name = name ?? "ina260@\(address)"
    }

    /// Checks the manufacturer (0x5449, "TI") and die (0x227) IDs.
    public func verifyIdentity() throws(HALError) {
        let manufacturer = try bus.readRegister16(address, Register.manufacturer)
        let die = try bus.readRegister16(address, Register.die) >> 4
        guard manufacturer == Self.manufacturerID, die == Self.dieID else {
            throw HALError(
                .badData, "not an INA260: manufacturer 0x\(String(manufacturer, radix: 16)), die 0x\(String(die, radix: 16))",
                device: bus.name, address: address, register: Register.manufacturer)
        }
    }

    /// Continuous current and voltage conversions of 1.1 ms, averaged; cached once written.
    public func configure(averaging: Averaging = .sixteen) throws(HALError) {
        let value = Self.configuration(averaging: averaging)
        try bus.writeRegister16(address, Register.configuration, value)
        configuration.withLock { $0 = value }
    }

    public var cachedConfiguration: UInt16? { configuration.withLock { $0 } }

    /// Bits 14–12 read 110; AVG in 11–9; 1.1 ms (100) for both conversion times; mode 111.
    static func configuration(averaging: Averaging) -> UInt16 {
        0x6000 | averaging.rawValue << 9 | 0b100 << 6 | 0b100 << 3 | 0b111
    }

    public func readPower() throws(HALError) -> PowerReading {
        let current = try bus.readRegister16(address, Register.current)
        let voltage = try bus.readRegister16(address, Register.voltage)
        let power = try bus.readRegister16(address, Register.power)
        return Self.reading(current: current, voltage: voltage, power: power)
    }

    static func reading(current: UInt16, voltage: UInt16, power: UInt16) -> PowerReading {
        PowerReading(
            voltage: Volts(Double(voltage) * 0.001_25), current: Amperes(Double(Int16(bitPattern: current)) * 0.001_25),
            power: Watts(Double(power) * 0.01))
    }
}
