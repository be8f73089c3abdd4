import HearthHAL
import Synchronization

/// Microchip MCP9808: a ±0.25 °C digital temperature sensor, −40…125 °C, up to 0.0625 °C resolution.
public final class MCP9808: RegisterTemperatureSensor {
    /// The address for the A2 A1 A0 straps (0…7): 0x18 + straps.
    public static func address(straps: UInt8) -> I2CAddress? {
        guard straps < 8 else { return nil }
        return I2CAddress(base: 0x18, strap: straps)
    }

    enum Register {
        static let configuration: UInt8 = 0x01
        static let ambient: UInt8 = 0x05
        static let manufacturer: UInt8 = 0x06
        static let device: UInt8 = 0x07
        static let resolution: UInt8 = 0x08
    }

    static let manufacturerID: UInt16 = 0x0054
    static let deviceID: UInt8 = 0x04

    /// The resolution register's settings.
    public enum Resolution: UInt8, Sendable {
        /// 0.5 °C, 30 ms a conversion.
        case half = 0
        /// 0.25 °C, 65 ms.
        case quarter = 1
        /// 0.125 °C, 130 ms.
        case eighth = 2
        /// 0.0625 °C, 250 ms (the power-on setting).
        case sixteenth = 3
    }

    /// The chip's specified range; readings outside are refused.
    public static let range: ClosedRange<Double> = -40...125

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    private let resolution = Mutex<Resolution?>(nil)

    public init(bus: any I2CBus, address: I2CAddress = MCP9808.address(straps: 0)!, name: String? = nil) {
        self.bus = bus
        self.address = address
        self.name = name ?? "mcp9808@\(address)"
    }

    /// Checks the manufacturer and device IDs, so a wrong chip at the address is found at start
    /// rather than read as temperatures.
    public func verifyIdentity() throws(HALError) {
        let manufacturer = try bus.readRegister16(address, Register.manufacturer)
        let device = try bus.readRegister16(address, Register.device)
        guard manufacturer == Self.manufacturerID, UInt8(device >> 8) == Self.deviceID else {
            throw HALError(
                .badData,
                "not an MCP9808: manufacturer ID 0x\(String(manufacturer, radix: 16)), device ID 0x\(String(device >> 8, radix: 16))",
                device: bus.name, address: address, register: Register.manufacturer)
        }
    }

    /// Sets the resolution; cached only once the write succeeded.
    public func setResolution(_ value: Resolution) throws(HALError) {
        try bus.writeRegister8(address, Register.resolution, value.rawValue)
        resolution.withLock { $0 = value }
    }

    /// The resolution as last written, or `nil` if it has not been.
    public var cachedResolution: Resolution? { resolution.withLock { $0 } }

    /// The ambient temperature register (alert flags included in the raw value).
    public static let temperatureRegister = Register.ambient
    public static let part = "MCP9808"

    /// Bits 15–13 are alert flags, bit 12 the sign, bits 11–0 the temperature in 1/16 °C.
    public static func celsius(fromRegister raw: UInt16) -> Double {
        Double(signExtend(raw & 0x1FFF, bits: 13)) / 16
    }

    /// The register value for a temperature (flags clear), rounded to 1/16 °C and clamped.
    static func register(fromCelsius celsius: Double) -> UInt16 {
        let counts = Int(min(max((celsius * 16).rounded(), -4096), 4095))
        return UInt16(truncatingIfNeeded: counts) & 0x1FFF
    }
}
