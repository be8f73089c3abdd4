import HearthHAL
import Synchronization

/// What both power-meter twins share: the true supply voltage and current the world sets, a
/// pointer register, 16-bit registers most significant byte first, and a device that can vanish.
public class PowerMeterTwin: @unchecked Sendable {
    struct State {
        var voltage = Volts(48)
        var current = Amperes(0)
        var absent = false
        var bus = PointerRegisters()
        var registers: [UInt8: UInt16] = [:]
    }
    let state: Mutex<State>

    init(registers: [UInt8: UInt16]) {
        state = Mutex(State(registers: registers))
    }

    /// The supply as it truly is.
    public func set(voltage: Volts, current: Amperes) {
        state.withLock {
            $0.voltage = voltage
            $0.current = current
        }
    }

    /// The device stops acknowledging its address.
    public var absent: Bool {
        get { state.withLock { $0.absent } }
        set { state.withLock { $0.absent = newValue } }
    }

    /// A register as the driver last wrote it (or its power-on value).
    public func register(_ pointer: UInt8) -> UInt16? { state.withLock { $0.registers[pointer] } }

    /// The measured registers, computed from the truth when read.
    func measured(_ pointer: UInt8, _ state: State) -> UInt16? { nil }

    func receiveBytes(_ bytes: [UInt8], chip: String) throws(HALError) {
        try state.withLock { (state: inout State) throws(HALError) in
            if state.absent { throw HALError(.nackAddress, "\(chip) no longer answers (injected)") }
            guard let pointer = bytes.first else { return }
            state.bus.point(at: pointer)
            if bytes.count >= 3 { state.registers[pointer] = UInt16(bytes[1]) << 8 | UInt16(bytes[2]) }
        }
    }

    func sendBytes(count: Int, chip: String) throws(HALError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(HALError) -> [UInt8] in
            if state.absent { throw HALError(.nackAddress, "\(chip) no longer answers (injected)") }
            let snapshot = state
            return state.bus.send(count: count) { pointer in
                bigEndian(measured(pointer, snapshot) ?? snapshot.registers[pointer] ?? 0)
            }
        }
    }
}

/// A register-level INA260: current, voltage and power from the truth at 1.25 mA, 1.25 mV and
/// 10 mW a count; ID registers 0x5449 and 0x2270.
public final class INA260Twin: PowerMeterTwin, SimI2CDevice, @unchecked Sendable {
    public init() {
        super.init(registers: [0x00: 0x6127, 0xFE: 0x5449, 0xFF: 0x2270])
    }

    public func receive(_ bytes: [UInt8]) throws(HALError) { try receiveBytes(bytes, chip: "INA260") }
    public func send(count: Int) throws(HALError) -> [UInt8] { try sendBytes(count: count, chip: "INA260") }

    override func measured(_ pointer: UInt8, _ state: State) -> UInt16? {
        let counts: (Double) -> UInt16 = { UInt16(min(max($0.rounded(), 0), 65535)) }
        switch pointer {
        case 0x01:
            let current = Int16(min(max((state.current.value / 0.001_25).rounded(), -32768), 32767))
            return UInt16(bitPattern: current)
        case 0x02: return counts(state.voltage.value / 0.001_25)
        case 0x03: return counts(abs(state.voltage.value * state.current.value) / 0.01)
        default: return nil
        }
    }
}

/// A register-level INA219 on a shunt: shunt voltage at 10 µV a count (±320 mV), bus voltage at
/// 4 mV in bits 15–3 with the overflow flag in bit 0, and current and power computed the way the
/// chip does from whatever calibration the driver wrote (zero until it writes one).
public final class INA219Twin: PowerMeterTwin, SimI2CDevice, @unchecked Sendable {
    public let shuntOhms: Double

    public init(shuntOhms: Double) {
        self.shuntOhms = shuntOhms
        super.init(registers: [0x00: 0x399F, 0x05: 0])
    }

    /// A power-on reset (a brown-out): the calibration is lost.
    public func reset() {
        state.withLock { $0.registers = [0x00: 0x399F, 0x05: 0] }
    }

    public func receive(_ bytes: [UInt8]) throws(HALError) { try receiveBytes(bytes, chip: "INA219") }
    public func send(count: Int) throws(HALError) -> [UInt8] { try sendBytes(count: count, chip: "INA219") }

    override func measured(_ pointer: UInt8, _ state: State) -> UInt16? {
        let shuntCounts = (state.current.value * shuntOhms / 0.000_01).rounded()
        let overflow = abs(shuntCounts) > 32000
        let shunt = Int(min(max(shuntCounts, -32000), 32000))
        let calibration = Int(state.registers[0x05] ?? 0)
        let current = shunt * calibration / 4096
        let bus = Int(min(max((state.voltage.value / 0.004).rounded(), 0), 8191))
        let currentOverflow = current > Int(Int16.max) || current < Int(Int16.min)
        switch pointer {
        case 0x01: return UInt16(bitPattern: Int16(shunt))
        case 0x02: return UInt16(bus << 3) | 0b10 | (overflow || currentOverflow ? 1 : 0)
        case 0x03: return UInt16(min(abs(Int(Int16(clamping: current))) * bus / 5000, 65535))
        case 0x04: return UInt16(bitPattern: Int16(clamping: current))
        default: return nil
        }
    }
}
