import HearthHAL
import Synchronization

/// A register-level EMC2101 driving a simulated fan: the fan setting and PWM_F it is given become
/// the fan's PWM duty (setting / 2·PWM_F), the fan's speed comes back as the tach count
/// (5 400 000 / rpm, 0xFFFF below 82 rpm), and the remote diode reads the true temperature the
/// world sets, with its open and short faults.
public final class EMC2101Twin: TemperatureTwin, SimI2CDevice, @unchecked Sendable {
    /// A fault of the remote diode.
    public enum DiodeFault: Hashable, Sendable { case none, open, shorted }

    private struct Registers {
        var pointer: UInt8 = 0
        var values: [UInt8: UInt8] = [0x03: 0x00, 0x4A: 0x20, 0x4C: 0x00, 0x4D: 0x17, 0x4E: 0x01, 0xFD: 0x16, 0xFE: 0x5D]
        var latchedLow: UInt8 = 0
        var latchedTach: UInt8 = 0
        var internalTemperature = Celsius(30)
        var diode = DiodeFault.none
    }
    private let registers = Mutex(Registers())
    private let fan: SimFan

    public init(temperature: Celsius, fan: SimFan) {
        self.fan = fan
        super.init(temperature: temperature)
    }

    /// The chip's own temperature (the board near it), set by the world.
    public var internalTemperature: Celsius {
        get { registers.withLock { $0.internalTemperature } }
        set { registers.withLock { $0.internalTemperature = newValue } }
    }

    public var diode: DiodeFault {
        get { registers.withLock { $0.diode } }
        set { registers.withLock { $0.diode = newValue } }
    }

    public func register(_ address: UInt8) -> UInt8? { registers.withLock { $0.values[address] } }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("EMC2101")
        guard let pointer = bytes.first else { return }
        let duty: DutyCycle? = registers.withLock { registers in
            registers.pointer = pointer
            guard bytes.count >= 2 else { return nil }
            // The fan setting and the lookup table are writable only while PROG is set.
            if pointer == 0x4C, (registers.values[0x4A] ?? 0) & 0x20 == 0 { return nil }
            registers.values[pointer] = pointer == 0x4C ? bytes[1] & 0x3F : bytes[1]
            guard pointer == 0x4C || pointer == 0x4D else { return nil }
            let pwmF = Double(max(registers.values[0x4D] ?? 0x17, 1))
            return DutyCycle(Double(registers.values[0x4C] ?? 0) / (2 * pwmF))
        }
        if let duty {
            let frequency = Hertz(360_000 / (2 * Double(max(register(0x4D) ?? 0x17, 1))))
            try fan.pwm.apply(PWMSetting(frequency: frequency, duty: duty)!)
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("EMC2101")
        let measured = self.measured
        let rpm = fan.rpm.value
        let tach = rpm < 82 ? UInt16(0xFFFF) : UInt16(min((5_400_000 / rpm).rounded(), 65534))
        return registers.withLock { registers in
            var bytes: [UInt8] = []
            for _ in 0..<count {
                let value: UInt8
                switch registers.pointer {
                case 0x00:
                    value = UInt8(bitPattern: Int8(clamping: Int(registers.internalTemperature.value.rounded(.down))))
                case 0x01:
                    // Reading the high byte latches the low byte.
                    switch registers.diode {
                    case .open: (value, registers.latchedLow) = (0x7F, 0x00)
                    case .shorted: (value, registers.latchedLow) = (0x7F, 0xE0)
                    case .none:
                        let eighths = Int(min(max((measured.value * 8).rounded(), -512), 1023))
                        value = UInt8(bitPattern: Int8(clamping: eighths >> 3))
                        registers.latchedLow = UInt8(eighths & 7) << 5
                    }
                case 0x10: value = registers.latchedLow
                case 0x46:
                    // Reading the low byte latches the high byte.
                    registers.latchedTach = UInt8(tach >> 8)
                    value = UInt8(tach & 0xFF)
                case 0x47: value = registers.latchedTach
                default: value = registers.values[registers.pointer] ?? 0
                }
                bytes.append(value)
            }
            return bytes
        }
    }
}
