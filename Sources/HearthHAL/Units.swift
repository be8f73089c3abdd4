/// A physical quantity carried as a `Double` in the unit the type names.
///
/// Units are types so that a reading in °C can never be passed where watts are expected; every
/// value that crosses a module boundary in Hearth is one of these, never a bare `Double`.
/// Arithmetic between two values of the same unit and scaling by a plain number are provided;
/// anything else (watts from volts and amperes, say) is written out where it is meant.
public protocol Quantity: Comparable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The number, in this type's unit.
    var value: Double { get }
    /// Wraps a number that is already in this type's unit.
    init(_ value: Double)
    /// The unit's symbol, as printed after the number.
    static var symbol: String { get }
}

extension Quantity {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Self, rhs: Self) -> Self { Self(lhs.value + rhs.value) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(lhs.value - rhs.value) }
    public static func * (lhs: Self, rhs: Double) -> Self { Self(lhs.value * rhs) }
    public static func * (lhs: Double, rhs: Self) -> Self { Self(lhs * rhs.value) }
    public static func / (lhs: Self, rhs: Double) -> Self { Self(lhs.value / rhs) }
    /// The ratio of two values of the same unit.
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.value / rhs.value }
    public static prefix func - (operand: Self) -> Self { Self(-operand.value) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }

    /// Zero in this unit.
    public static var zero: Self { Self(0) }

    /// Whether the number is finite (neither NaN nor infinite).
    public var isFinite: Bool { value.isFinite }

    public var description: String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded) \(Self.symbol)"
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A temperature in degrees Celsius (also used for temperature differences).
public struct Celsius: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "°C"
}

/// A power in watts.
public struct Watts: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "W"
}

/// An energy in joules.
public struct Joules: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "J"
}

/// An electric potential in volts.
public struct Volts: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "V"
}

/// An electric current in amperes.
public struct Amperes: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "A"
}

/// A frequency in hertz.
public struct Hertz: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "Hz"

    /// The duration of one cycle; `nil` for a frequency that is not positive and finite.
    public var period: Duration? {
        guard value > 0, value.isFinite else { return nil }
        return .nanoseconds(Int64((1e9 / value).rounded()))
    }
}

/// A rotational speed in revolutions per minute.
public struct RPM: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "rpm"
}

/// Relative humidity in percent, 0…100.
public struct RelativeHumidity: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "%RH"
}

/// A rate of hashing in hashes per second.
public struct HashRate: Quantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static let symbol = "H/s"
}

/// A fraction of full scale, from 0 (off) to 1 (full): a fan's PWM duty, a compute duty.
///
/// The value is clamped into 0…1 on construction, and NaN becomes 1: a duty that was computed
/// from bad data drives the fan at full speed, which is the heater's safe state.
public struct DutyCycle: Quantity {
    public private(set) var value: Double
    public init(_ value: Double) {
        self.value = value.isNaN ? 1 : min(max(value, 0), 1)
    }
    public static let symbol = "duty"
    /// 0: off.
    public static let off = DutyCycle(0)
    /// 1: full.
    public static let full = DutyCycle(1)
    /// The duty as a percentage, 0…100.
    public var percent: Double { value * 100 }
    public var description: String { "\((percent * 10).rounded() / 10) %" }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }

    /// The duration in whole nanoseconds (rounded toward zero).
    public var nanoseconds: Int64 {
        let (whole, attoseconds) = components
        return whole * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
