import HearthHAL
import Synchronization

/// A register-level LM75 (9-bit) or LM75B (11-bit): a pointer register; temperature, Thyst and
/// Tos are 16-bit, most significant byte first; configuration is 8-bit. The temperature register
/// is converted at each read unless the chip is shut down, when it holds its last conversion.
public final class LM75Twin: TemperatureTwin, SimI2CDevice, @unchecked Sendable {
    private struct Registers {
        var bus = PointerRegisters()
        var configuration: UInt8 = 0
        var hysteresis: UInt16 = 0x4B00
        var overTemperature: UInt16 = 0x5000
        var lastConversion: UInt16?
    }
    private let registers = Mutex(Registers())
    /// 9 or 11.
    public let bits: Int

    public init(temperature: Celsius, bits: Int) {
        self.bits = bits
        super.init(temperature: temperature)
    }

    public var configuration: UInt8 { registers.withLock { $0.configuration } }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("LM75")
        guard let pointer = bytes.first else { return }
        guard pointer <= 3 else { throw HALError(.nackData, "LM75 has no register 0x\(String(pointer, radix: 16))") }
        registers.withLock { registers in
            registers.bus.point(at: pointer)
            switch (pointer, bytes.count) {
            case (1, 2...): registers.configuration = bytes[1]
            case (2, 3...): registers.hysteresis = UInt16(bytes[1]) << 8 | UInt16(bytes[2]) & 0xFF80
            case (3, 3...): registers.overTemperature = UInt16(bytes[1]) << 8 | UInt16(bytes[2]) & 0xFF80
            default: break
            }
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("LM75")
        let measured = self.measured
        let bits = self.bits
        return registers.withLock { registers in
            // A shut-down chip holds its last conversion.
            let temperature = registers.configuration & 1 == 1
                ? registers.lastConversion ?? 0 : Self.encode(measured, bits: bits)
            registers.lastConversion = temperature
            let (configuration, hysteresis, overTemperature) =
                (registers.configuration, registers.hysteresis, registers.overTemperature)
            return registers.bus.send(count: count) { pointer in
                switch pointer {
                case 0: bigEndian(temperature)
                case 1: [configuration]
                case 2: bigEndian(hysteresis)
                default: bigEndian(overTemperature)
                }
            }
        }
    }

    /// Two's complement, `bits` significant bits left-justified, to the nearest step.
    static func encode(_ temperature: Celsius, bits: Int) -> UInt16 {
        let scale = Double(1 << (bits - 8))
        let maximum = (1 << (bits - 1)) - 1
        let counts = min(max(Int((temperature.value * scale).rounded()), -(maximum + 1)), maximum)
        return UInt16(truncatingIfNeeded: counts << (16 - bits))
    }
}
