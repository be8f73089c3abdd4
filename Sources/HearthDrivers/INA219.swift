import HearthHAL
import Synchronization

/// Texas Instruments INA219: bus voltage, and current and power through an external shunt, which
/// the chip computes once its calibration register holds `trunc(0.04096 / (current LSB × R_shunt))`.
public final class INA219: PowerMeter {
    enum Register {
        static let configuration: UInt8 = 0x00
        static let shunt: UInt8 = 0x01
        static let bus: UInt8 = 0x02
        static let power: UInt8 = 0x03
        static let current: UInt8 = 0x04
        static let calibration: UInt8 = 0x05
    }

    /// 32 V range, ±320 mV shunt range, 12-bit conversions, continuous: the power-on value.
    static let configurationValue: UInt16 = 0x399F

    /// Current, power and calibration for a shunt and the largest current to measure.
    public struct Scaling: Hashable, Sendable {
        /// Amperes a count of the current register.
        public let currentLSB: Double
        /// The calibration register value.
        public let calibration: UInt16
        /// Watts a count of the power register: 20 × the current LSB.
        public var powerLSB: Double { 20 * currentLSB }

        /// `nil` when the two cannot be measured together (the calibration leaves 1…0xFFFE).
        public init?(shuntOhms: Double, maxCurrent: Amperes) {
            guard shuntOhms > 0, maxCurrent.value > 0 else { return nil }
            currentLSB = maxCurrent.value / 32768
            let calibration = (0.04096 / (currentLSB * shuntOhms)).rounded(.towardZero)
            guard calibration >= 1, calibration <= 0xFFFE else { return nil }
            self.calibration = UInt16(calibration) & 0xFFFE
        }
    }

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    public let scaling: Scaling
    private let configured = Mutex(false)

    /// - Throws: `outOfRange` when the shunt and current cannot be calibrated.
    public init(
        bus: any I2CBus, address: I2CAddress = INAStrap.address(a1: .ground, a0: .ground), shuntOhms: Double,
        maxCurrent: Amperes, name: String? = nil
    ) throws(HALError) {
        guard let scaling = Scaling(shuntOhms: shuntOhms, maxCurrent: maxCurrent) else {
            throw HALError(
                .outOfRange, "no INA219 calibration for a \(shuntOhms) Ω shunt up to \(maxCurrent)", device: bus.name,
                address: address)
        }
        self.bus = bus
        self.address = address
        self.scaling = scaling
        self.name = name ?? "ina219@\(address)"
    }

    /// Writes configuration and calibration; remembered only once both writes succeeded.
    public func configure() throws(HALError) {
        try bus.writeRegister16(address, Register.configuration, Self.configurationValue)
        try bus.writeRegister16(address, Register.calibration, scaling.calibration)
        configured.withLock { $0 = true }
    }

    public var isConfigured: Bool { configured.withLock { $0 } }

    /// A reading. A chip that lost its calibration (a brown-out reset) is re-calibrated and the
    /// reading refused; an overflow of the chip's arithmetic is refused.
    public func readPower() throws(HALError) -> PowerReading {
        if try bus.readRegister16(address, Register.calibration) != scaling.calibration {
            configured.withLock { $0 = false }
            try configure()
            throw HALError(
                .badData, "the INA219 had lost its calibration (a reset?); restored, reading discarded", device: bus.name,
                address: address, register: Register.calibration)
        }
        let busRegister = try bus.readRegister16(address, Register.bus)
        guard busRegister & 1 == 0 else {
            throw HALError(
                .outOfRange, "math overflow: the current is beyond the calibrated range", device: bus.name, address: address,
                register: Register.bus)
        }
        let power = try bus.readRegister16(address, Register.power)
        let current = try bus.readRegister16(address, Register.current)
        return Self.reading(bus: busRegister, power: power, current: current, scaling: scaling)
    }

    static func reading(bus: UInt16, power: UInt16, current: UInt16, scaling: Scaling) -> PowerReading {
        PowerReading(
            voltage: Volts(Double(bus >> 3) * 0.004),
            current: Amperes(Double(Int16(bitPattern: current)) * scaling.currentLSB),
            power: Watts(Double(power) * scaling.powerLSB))
    }

    /// The shunt voltage register: 10 µV a count, signed.
    static func shuntVolts(_ register: UInt16) -> Double { Double(Int16(bitPattern: register)) * 0.000_01 }
}
