import HearthHAL
import Synchronization

/// Texas Instruments ADS1115: a 16-bit ADC with four single-ended inputs, read one single-shot
/// conversion at a time. Conversions on one chip are serialised, so several thermistors can share it.
public final class ADS1115: Sendable {
    /// Where the ADDR pin is tied: GND 0x48, VDD 0x49, SDA 0x4A, SCL 0x4B.
    public enum Strap: UInt8, Sendable { case ground = 0, supply = 1, sda = 2, scl = 3 }

    public static func address(_ strap: Strap) -> I2CAddress { I2CAddress(base: 0x48, strap: strap.rawValue)! }

    /// The programmable gain, as the full-scale range.
    public enum Range: UInt16, Sendable {
        case volts6_144 = 0, volts4_096, volts2_048, volts1_024, volts0_512, volts0_256

        public var fullScale: Double { [6.144, 4.096, 2.048, 1.024, 0.512, 0.256][Int(rawValue)] }
    }

    /// Samples a second.
    public enum Rate: UInt16, Sendable {
        case sps8 = 0, sps16, sps32, sps64, sps128, sps250, sps475, sps860
    }

    enum Register {
        static let conversion: UInt8 = 0x00
        static let configuration: UInt8 = 0x01
    }

    public let bus: any I2CBus
    public let address: I2CAddress
    /// How many times the configuration is read back, waiting for a conversion, before giving up.
    public let maxPolls: Int
    private let lock = Mutex(())

    public init(bus: any I2CBus, address: I2CAddress = ADS1115.address(.ground), maxPolls: Int = 50) {
        self.bus = bus
        self.address = address
        self.maxPolls = maxPolls
    }

    /// The configuration word that starts a single-shot conversion of `channel` against ground
    /// with the comparator off: OS, MUX 1xx, PGA, MODE single, DR, COMP_QUE 11.
    static func configuration(channel: Int, range: Range, rate: Rate) -> UInt16 {
        1 << 15 | UInt16(4 + channel) << 12 | range.rawValue << 9 | 1 << 8 | rate.rawValue << 5 | 0b11
    }

    /// Volts for a conversion result.
    static func volts(_ raw: UInt16, range: Range) -> Double {
        Double(Int16(bitPattern: raw)) * range.fullScale / 32768
    }

    /// Converts one input (0…3) against ground. The chip is polled (its OS bit reads 1 once
    /// idle) at most `maxPolls` times; a conversion that does not finish is a `timeout`.
    public func readVolts(channel: Int, range: Range = .volts4_096, rate: Rate = .sps860) throws(HALError) -> Volts {
        guard (0...3).contains(channel) else {
            throw HALError(.outOfRange, "ADS1115 has inputs 0…3, not \(channel)", device: bus.name, address: address)
        }
        return try lock.withLock { _ throws(HALError) -> Volts in
            try bus.writeRegister16(address, Register.configuration, Self.configuration(channel: channel, range: range, rate: rate))
            var polls = 0
            while try bus.readRegister16(address, Register.configuration) & 0x8000 == 0 {
                polls += 1
                guard polls < maxPolls else {
                    throw HALError(
                        .timeout, "conversion not ready after \(maxPolls) polls", device: bus.name, address: address,
                        register: Register.configuration)
                }
            }
            return Volts(Self.volts(try bus.readRegister16(address, Register.conversion), range: range))
        }
    }
}
