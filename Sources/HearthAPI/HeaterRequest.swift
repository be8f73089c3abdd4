import HearthControl
import HearthHAL

/// What a person asks of the heater, checked the one way for every path that takes it (the HTTP
/// API, Home Assistant over MQTT): a refusal says what was asked and what is allowed.
public enum HeaterRequest {
    /// Why a request is refused, in words for the person who made it.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// A setpoint a person may ask for: a finite number within `Thermostat.setpointRange`, °C.
    public static func setpoint(_ value: Double) throws(Refusal) -> Celsius {
        let range = Thermostat.setpointRange
        guard value.isFinite, range.contains(value) else {
            throw Refusal("setpoint \(value) is outside \(range.lowerBound)…\(range.upperBound) °C")
        }
        return Celsius(value)
    }

    /// A mode by its name: off, heat, eco, boost or night.
    public static func mode(_ name: String) throws(Refusal) -> Mode {
        guard let mode = Mode(rawValue: name) else {
            throw Refusal("mode \"\(name)\" is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return mode
    }
}
