import HearthHAL
import Synchronization

/// Texas Instruments TMP102: a ±0.5 °C digital temperature sensor, 12-bit (−55…128 °C) or, in
/// extended mode, 13-bit (−55…150 °C), 0.0625 °C per count.
public final class TMP102: RegisterTemperatureSensor {
    /// Where the ADD0 pin is strapped; it picks the address.
    public enum Strap: UInt8, Sendable, CaseIterable {
        case ground = 0, supply = 1, sda = 2, scl = 3
    }

    /// The conversion rate (CR1:CR0).
    public enum ConversionRate: UInt16, Sendable {
        case quarterHertz = 0, oneHertz = 1, fourHertz = 2, eightHertz = 3
    }

    /// The address for a strap: 0x48 + (0…3).
    public static func address(_ strap: Strap) -> I2CAddress {
        I2CAddress(base: 0x48, strap: strap.rawValue)!
    }

    enum Register {
        static let temperature: UInt8 = 0x00
        static let configuration: UInt8 = 0x01
        static let low: UInt8 = 0x02
        static let high: UInt8 = 0x03
    }

    enum ConfigBits {
        /// Extended (13-bit) mode, in the second byte.
        static let extended: UInt16 = 1 << 4
        /// Shutdown, in the first byte.
        static let shutdown: UInt16 = 1 << 8
        static let rateShift: UInt16 = 6
        static let rateMask: UInt16 = 0b11 << 6
        /// The power-on value: 4 Hz, comparator mode, 12-bit.
        static let powerOn: UInt16 = 0x60A0
    }

    /// Readings outside this are refused.
    public static let range: ClosedRange<Double> = -55...150

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    /// The configuration register as last written successfully; `nil` until the first write.
    private let configuration = Mutex<UInt16?>(nil)

    public init(bus: any I2CBus, address: I2CAddress = TMP102.address(.ground), name: String? = nil) {
        self.bus = bus
        self.address = address
        self.name = name ?? "tmp102@\(address)"
    }

    /// Writes the configuration: continuous conversion at `rate`, 12- or 13-bit. The cached copy
    /// changes only once the write succeeded.
    public func configure(extended: Bool, rate: ConversionRate = .fourHertz) throws(HALError) {
        var value = ConfigBits.powerOn & ~(ConfigBits.extended | ConfigBits.rateMask | ConfigBits.shutdown)
        value |= rate.rawValue << ConfigBits.rateShift
        if extended { value |= ConfigBits.extended }
        try bus.writeRegister16(address, Register.configuration, value)
        configuration.withLock { $0 = value }
    }

    /// The configuration as last written, or `nil` if it has not been.
    public var cachedConfiguration: UInt16? { configuration.withLock { $0 } }

    public static let temperatureRegister = Register.temperature
    public static let part = "TMP102"

    /// The temperature a register value means. Bit 0 says which format: set in extended mode
    /// (13-bit, left-justified by 3), clear in normal mode (12-bit, left-justified by 4).
    public static func celsius(fromRegister raw: UInt16) -> Double {
        if raw & 1 == 1 {
            return Double(signExtend(raw >> 3, bits: 13)) * 0.0625
        }
        return Double(signExtend(raw >> 4, bits: 12)) * 0.0625
    }

    /// The register value for a temperature (rounded to the nearest count, clamped to the format).
    static func register(fromCelsius celsius: Double, extended: Bool) -> UInt16 {
        let bits = extended ? 13 : 12
        let limit = Double(1 << (bits - 1))
        let counts = Int(min(max((celsius / 0.0625).rounded(), -limit), limit - 1))
        let field = UInt16(truncatingIfNeeded: counts) & UInt16((1 << bits) - 1)
        return extended ? field << 3 | 1 : field << 4
    }
}
