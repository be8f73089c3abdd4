import HearthDrivers
import HearthHAL
import Synchronization

/// A register-level DS4432U: two output registers (0xF8, 0xF9) of sign and magnitude, written as
/// register then value and read back with a register pointer; with the regulator it trims, the
/// core voltage its OUT0 sets.
public final class DS4432UTwin: SimI2CDevice {
    private struct Registers {
        var outputs: [UInt8] = [0, 0]
        var pointer: UInt8 = 0xF8
        var writes = 0
    }
    private let registers = Mutex(Registers())
    public let network: DS4432U.Network

    public init(network: DS4432U.Network) {
        self.network = network
    }

    /// OUT0's register.
    public var code: UInt8 { registers.withLock { $0.outputs[0] } }
    /// Register writes received.
    public var writes: Int { registers.withLock { $0.writes } }
    /// The regulator's output with OUT0 as it is: the current into the feedback node from the
    /// register's sign and magnitude, then the divider's balance.
    public var volts: Volts {
        let code = self.code
        let amperes = Double(code & 0x7F) / 127 * network.referenceVolts / network.fullScaleOhms * 127 / 16
        let sourced = code & 0x80 != 0 ? amperes : -amperes
        return Volts(network.feedbackVolts + network.upperOhms * (network.feedbackVolts / network.lowerOhms - sourced))
    }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        guard let register = bytes.first else { return }
        guard register == 0xF8 || register == 0xF9 else {
            throw HALError(.nackData, "DS4432U has no register 0x\(String(register, radix: 16))")
        }
        registers.withLock { registers in
            registers.pointer = register
            if bytes.count >= 2 {
                registers.outputs[Int(register - 0xF8)] = bytes[1]
                registers.writes += 1
            }
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        registers.withLock { registers in
            Array(repeating: registers.outputs[Int(registers.pointer - 0xF8)], count: count)
        }
    }
}
