import HearthHAL
import Synchronization

/// The temperature resolution of an LM75 part: a marker type chosen at compile time.
public protocol LM75Resolution: Sendable {
    /// Significant bits of the temperature register, left-justified in 16 bits.
    static var bits: Int { get }
    /// The part's name for messages.
    static var part: String { get }
}

/// The original LM75: 9 bits, 0.5 °C.
public enum LM75NineBit: LM75Resolution {
    public static let bits = 9
    public static let part = "LM75"
}

/// LM75A / LM75B: 11 bits, 0.125 °C.
public enum LM75ElevenBit: LM75Resolution {
    public static let bits = 11
    public static let part = "LM75B"
}

/// The LM75 register map, shared by every resolution.
enum LM75Register {
    static let temperature: UInt8 = 0x00
    static let configuration: UInt8 = 0x01
    static let hysteresis: UInt8 = 0x02
    static let overTemperature: UInt8 = 0x03
}

/// The original LM75.
public typealias LM75 = LM75Sensor<LM75NineBit>
/// NXP's LM75A / LM75B.
public typealias LM75B = LM75Sensor<LM75ElevenBit>

/// An LM75-family digital temperature sensor, −55…125 °C.
public final class LM75Sensor<Resolution: LM75Resolution>: RegisterTemperatureSensor {
    /// The address for the A2 A1 A0 straps (0…7): 0x48 + straps.
    public static func address(straps: UInt8) -> I2CAddress? {
        guard straps < 8 else { return nil }
        return I2CAddress(base: 0x48, strap: straps)
    }

    /// Bit 0 of the configuration register.
    static var shutdownBit: UInt8 { 0x01 }

    public static var range: ClosedRange<Double> { -55...125 }

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    private let configuration = Mutex<UInt8?>(nil)

    public init(bus: any I2CBus, address: I2CAddress = LM75Sensor.address(straps: 0)!, name: String? = nil) {
        self.bus = bus
        self.address = address
        self.name = name ?? "\(Resolution.part.lowercased())@\(address)"
    }

    /// Wakes the chip (or puts it to sleep); the cached configuration changes only once the write succeeded.
    public func setShutdown(_ shutdown: Bool) throws(HALError) {
        let value: UInt8 = shutdown ? Self.shutdownBit : 0
        try bus.writeRegister8(address, LM75Register.configuration, value)
        configuration.withLock { $0 = value }
    }

    /// The configuration as last written, or `nil` if it has not been.
    public var cachedConfiguration: UInt8? { configuration.withLock { $0 } }

    public static var temperatureRegister: UInt8 { LM75Register.temperature }
    public static var part: String { Resolution.part }

    /// Two's complement, left-justified: the top `bits` bits count 2^(bits−8)… °C steps.
    public static func celsius(fromRegister raw: UInt16) -> Double {
        let shift = 16 - Resolution.bits
        return Double(signExtend(raw >> UInt16(shift), bits: Resolution.bits)) / Double(1 << (Resolution.bits - 8))
    }

    static func register(fromCelsius celsius: Double) -> UInt16 {
        let scale = Double(1 << (Resolution.bits - 8))
        let limit = Double(1 << (Resolution.bits - 1))
        let counts = Int(min(max((celsius * scale).rounded(), -limit), limit - 1))
        return UInt16(truncatingIfNeeded: counts << (16 - Resolution.bits))
    }
}
