import HearthHAL
import Synchronization

/// A register-level TMP102: a pointer register, then four 16-bit registers sent most significant
/// byte first; the temperature register is converted from the true temperature at each read, in
/// 12-bit or (when the configuration's EM bit is set) 13-bit format, as the datasheet describes.
public final class TMP102Twin: TemperatureTwin, SimI2CDevice, @unchecked Sendable {
    private struct Registers {
        var bus = PointerRegisters()
        var configuration: UInt16 = 0x60A0
        var low: UInt16 = 0x4B00
        var high: UInt16 = 0x5000
    }
    private let registers = Mutex(Registers())

    public override init(temperature: Celsius) {
        super.init(temperature: temperature)
    }

    /// The configuration register as the driver last wrote it.
    public var configuration: UInt16 { registers.withLock { $0.configuration } }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("TMP102")
        guard let pointer = bytes.first else { return }
        guard pointer <= 3 else { throw HALError(.nackData, "TMP102 has no register 0x\(String(pointer, radix: 16))") }
        registers.withLock { registers in
            registers.bus.point(at: pointer)
            guard bytes.count >= 3 else { return }
            let value = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            switch pointer {
            case 1: registers.configuration = value & 0xFFF0 | registers.configuration & 0x000F
            case 2: registers.low = value
            case 3: registers.high = value
            default: break  // the temperature register is read-only
            }
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("TMP102")
        let measured = self.measured
        return registers.withLock { registers in
            let (configuration, low, high) = (registers.configuration, registers.low, registers.high)
            return registers.bus.send(count: count) { pointer in
                switch pointer {
                case 0: bigEndian(Self.encode(measured, extended: configuration & 0x10 != 0))
                case 1: bigEndian(configuration)
                case 2: bigEndian(low)
                default: bigEndian(high)
                }
            }
        }
    }

    /// 0.0625 °C a count (to the nearest), two's complement, left-justified: 12 bits (bit 0 clear) or 13 (bit 0 set).
    static func encode(_ temperature: Celsius, extended: Bool) -> UInt16 {
        let bits = extended ? 13 : 12
        let maximum = (1 << (bits - 1)) - 1
        let counts = min(max(Int((temperature.value * 16).rounded()), -(maximum + 1)), maximum)
        let field = UInt16(truncatingIfNeeded: counts) & UInt16((1 << bits) - 1)
        return extended ? field << 3 | 1 : field << 4
    }
}
