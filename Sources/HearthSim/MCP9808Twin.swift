import HearthHAL
import Synchronization

/// A register-level MCP9808: a pointer register, 16-bit registers most significant byte first
/// (the resolution register is 8-bit), the ambient temperature converted at each read to the
/// configured resolution, and the manufacturer (0x0054) and device (0x0400) IDs.
public final class MCP9808Twin: TemperatureTwin, SimI2CDevice, @unchecked Sendable {
    private struct Registers {
        var bus = PointerRegisters()
        var configuration: UInt16 = 0
        var resolution: UInt8 = 3
    }
    private let registers = Mutex(Registers())

    public override init(temperature: Celsius) {
        super.init(temperature: temperature)
    }

    /// The resolution register as the driver last wrote it.
    public var resolution: UInt8 { registers.withLock { $0.resolution } }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("MCP9808")
        guard let pointer = bytes.first else { return }
        guard pointer <= 8 else { throw HALError(.nackData, "MCP9808 has no register 0x\(String(pointer, radix: 16))") }
        registers.withLock { registers in
            registers.bus.point(at: pointer)
            switch (pointer, bytes.count) {
            case (1, 3...): registers.configuration = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            case (8, 2...): registers.resolution = bytes[1] & 0b11
            default: break
            }
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("MCP9808")
        let measured = self.measured
        return registers.withLock { registers in
            let (configuration, resolution) = (registers.configuration, registers.resolution)
            return registers.bus.send(count: count) { pointer in
                switch pointer {
                case 5: bigEndian(Self.encode(measured, resolution: resolution))
                case 1: bigEndian(configuration)
                case 6: [0x00, 0x54]
                case 7: [0x04, 0x00]
                case 8: [resolution]
                default: [0, 0]
                }
            }
        }
    }

    /// Sign in bit 12, 1/16 °C in bits 11–0, to the nearest step of the resolution (the low bits it
    /// does not convert are 0).
    static func encode(_ temperature: Celsius, resolution: UInt8) -> UInt16 {
        let step = Double([8, 4, 2, 1][Int(resolution & 3)])
        let sixteenths = Int(min(max((temperature.value * 16 / step).rounded() * step, -4096), 4095))
        return UInt16(truncatingIfNeeded: sixteenths) & 0x1FFF
    }
}
