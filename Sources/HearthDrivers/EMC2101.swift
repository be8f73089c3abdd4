import HearthHAL
import Synchronization

/// Microchip EMC2101: a fan controller with a PWM output, a tachometer input, its own temperature
/// and a remote diode (a transistor on the heat sink). Every register is 8-bit, read and written
/// one byte at a time; the chip has one address, 0x4C.
///
/// The driver takes manual control of the fan (PROG set, the lookup table off) and drives the PWM
/// at 360 kHz / (2·PWM_F): PWM_F = 8 gives 22.5 kHz, within what 4-wire fans accept, with 16 steps
/// of duty. The speed is 5 400 000 / the tach count; a count of 0xFFFF is a stopped fan.
public final class EMC2101: Fan, TemperatureSensor {
    public static let address = I2CAddress(0x4C)!

    enum Register {
        static let internalTemperature: UInt8 = 0x00
        static let externalHigh: UInt8 = 0x01
        static let status: UInt8 = 0x02
        static let configuration: UInt8 = 0x03
        static let externalLow: UInt8 = 0x10
        static let tachLow: UInt8 = 0x46
        static let tachHigh: UInt8 = 0x47
        static let fanConfiguration: UInt8 = 0x4A
        static let fanSetting: UInt8 = 0x4C
        static let pwmFrequency: UInt8 = 0x4D
        static let product: UInt8 = 0xFD
        static let manufacturer: UInt8 = 0xFE
    }

    /// Configuration: pin 6 is the tach input (ALT_TCH), PWM output.
    static let configurationValue: UInt8 = 0x04
    /// Fan configuration: PROG (the fan setting drives the fan), 360 kHz base clock, no divider.
    static let fanConfigurationValue: UInt8 = 0x20
    static let products: Set<UInt8> = [0x16, 0x28]
    static let manufacturerID: UInt8 = 0x5D

    public static let range: ClosedRange<Double> = -40...125

    public let name: String
    public let bus: any I2CBus
    /// PWM_F: the PWM runs at 360 kHz / (2·PWM_F); 2·PWM_F is also full duty.
    public let pwmF: UInt8
    private let configured = Mutex(false)

    public init(bus: any I2CBus, pwmF: UInt8 = 8, name: String? = nil) {
        self.bus = bus
        self.pwmF = min(max(pwmF, 1), 31)
        self.name = name ?? "emc2101@\(Self.address)"
    }

    /// The PWM frequency the driver sets.
    public var frequency: Hertz { Hertz(360_000 / (2 * Double(pwmF))) }

    private func read(_ register: UInt8) throws(HALError) -> UInt8 { try bus.readRegister8(Self.address, register) }
    private func write(_ register: UInt8, _ value: UInt8) throws(HALError) { try bus.writeRegister8(Self.address, register, value) }

    /// Checks the product (0x16 EMC2101, 0x28 EMC2101-R) and manufacturer (0x5D) IDs.
    public func verifyIdentity() throws(HALError) {
        let product = try read(Register.product)
        let manufacturer = try read(Register.manufacturer)
        guard Self.products.contains(product), manufacturer == Self.manufacturerID else {
            throw HALError(
                .badData, "not an EMC2101: product 0x\(String(product, radix: 16)), manufacturer 0x\(String(manufacturer, radix: 16))",
                device: bus.name, address: Self.address, register: Register.product)
        }
    }

    /// Takes manual control of the fan at the driver's PWM frequency; remembered once every write succeeded.
    public func configure() throws(HALError) {
        try write(Register.configuration, Self.configurationValue)
        try write(Register.fanConfiguration, Self.fanConfigurationValue)
        try write(Register.pwmFrequency, pwmF)
        configured.withLock { $0 = true }
    }

    public var isConfigured: Bool { configured.withLock { $0 } }

    /// The fan-setting value for a duty: duty × 2·PWM_F, rounded, within the 6-bit register.
    static func setting(for duty: DutyCycle, pwmF: UInt8) -> UInt8 {
        UInt8(min((duty.value * 2 * Double(pwmF)).rounded(), min(63, 2 * Double(pwmF))))
    }

    public func setDuty(_ duty: DutyCycle) throws(HALError) {
        guard isConfigured else {
            throw HALError(.notSupported, "EMC2101 not configured for manual fan control", device: bus.name, address: Self.address)
        }
        try write(Register.fanSetting, Self.setting(for: duty, pwmF: pwmF))
    }

    /// The tach count, low byte first as the datasheet asks.
    public func readTachCount() throws(HALError) -> UInt16 {
        let low = try read(Register.tachLow)
        let high = try read(Register.tachHigh)
        return UInt16(high) << 8 | UInt16(low)
    }

    public func speed() throws(HALError) -> RPM? {
        RPM(Self.rpm(count: try readTachCount()))
    }

    /// 5 400 000 / count; 0xFFFF (no edge seen) is a stopped fan.
    static func rpm(count: UInt16) -> Double {
        count == 0xFFFF || count == 0 ? 0 : 5_400_000 / Double(count)
    }

    /// The chip's own temperature, whole degrees.
    public func readInternalTemperature() throws(HALError) -> Celsius {
        Celsius(Double(Int8(bitPattern: try read(Register.internalTemperature))))
    }

    /// The remote diode's temperature. The high byte is read first: that latches the low one.
    public func readTemperature() throws(HALError) -> Celsius {
        let high = try read(Register.externalHigh)
        let low = try read(Register.externalLow)
        if high == 0x7F, low == 0x00 || low == 0xE0 {
            throw HALError(
                .badData, "remote diode \(low == 0 ? "open" : "shorted")", device: bus.name, address: Self.address,
                register: Register.externalHigh)
        }
        return try checkRange(
            Self.celsius(high: high, low: low), Self.range, bus: bus, address: Self.address, register: Register.externalHigh,
            chip: "EMC2101")
    }

    /// High byte: signed whole degrees; low byte bits 7–5: eighths.
    static func celsius(high: UInt8, low: UInt8) -> Double {
        Double(Int8(bitPattern: high)) + Double(low >> 5) * 0.125
    }
}
