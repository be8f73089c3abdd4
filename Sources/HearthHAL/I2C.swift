/// A 7-bit I²C address in the range devices may use (0x08…0x77; the others are reserved).
public struct I2CAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address as sent on the bus, without the read/write bit.
    public let rawValue: UInt8

    /// The usable 7-bit range; addresses outside it are reserved by the I²C specification.
    public static let usable: ClosedRange<UInt8> = 0x08...0x77

    /// Returns `nil` for a reserved or 10-bit address.
    public init?(_ rawValue: Int) {
        guard rawValue >= Int(Self.usable.lowerBound), rawValue <= Int(Self.usable.upperBound) else { return nil }
        self.rawValue = UInt8(rawValue)
    }

    /// An address a chip picks from a base and its strap pins, e.g. TMP102's 0x48 + (0…3).
    /// Returns `nil` when the sum leaves the usable range.
    public init?(base: UInt8, strap: UInt8) {
        self.init(Int(base) + Int(strap))
    }

    public static func < (lhs: I2CAddress, rhs: I2CAddress) -> Bool { lhs.rawValue < rhs.rawValue }
    /// `0x48`.
    public var description: String { "0x" + hex(rawValue) }
}

/// One step of an I²C transaction. Consecutive operations are joined by a repeated start.
public enum I2COperation: Hashable, Sendable {
    /// Send these bytes.
    case write([UInt8])
    /// Receive this many bytes.
    case read(count: Int)
}

/// An I²C bus master.
///
/// One method to implement, `transaction`; `write`, `read` and `writeRead` are built on it, so a
/// mock records and checks one level, and a driver may switch between conveniences freely.
/// Errors are `HALError`s whose kind tells NACK on address from NACK on data, bus errors,
/// arbitration loss and timeouts apart.
public protocol I2CBus: Sendable {
    /// The bus's name for messages, e.g. `/dev/i2c-1`.
    var name: String { get }

    /// Runs the operations as one transaction to `address`: a start, the operations joined by
    /// repeated starts, and a stop. Returns the bytes of each `.read`, in order.
    func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(HALError) -> [[UInt8]]
}

extension I2CBus {
    /// Sends bytes to a device.
    public func write(_ address: I2CAddress, _ bytes: [UInt8]) throws(HALError) {
        _ = try transaction(address, [.write(bytes)])
    }

    /// Receives `count` bytes from a device.
    public func read(_ address: I2CAddress, count: Int) throws(HALError) -> [UInt8] {
        try transaction(address, [.read(count: count)]).first ?? []
    }

    /// Sends bytes, then with a repeated start receives `count` bytes: the usual register read.
    public func writeRead(_ address: I2CAddress, _ bytes: [UInt8], count: Int) throws(HALError) -> [UInt8] {
        try transaction(address, [.write(bytes), .read(count: count)]).first ?? []
    }
}
