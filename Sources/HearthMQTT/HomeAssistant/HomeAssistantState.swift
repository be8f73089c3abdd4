import HearthAPI
import HearthControl
import HearthHAL

/// The heater's state as Home Assistant reads it: one retained message per topic, computed from
/// one tick's snapshot. Pure: the bridge decides when each goes out.
public struct HomeAssistantState: Hashable, Sendable {
    /// How often a topic's value may go out.
    public enum Pace: Hashable, Sendable {
        /// What a person set or must see at once (setpoint, mode, preset, action, faults): on change.
        case onChange
        /// Readings that move every tick (temperatures, power, energy...): on change, at most
        /// every few seconds.
        case measurement
    }

    /// One topic's payload, and how it goes out.
    public struct Value: Hashable, Sendable {
        public var payload: String
        public var pace: Pace
    }

    /// Topic → payload, and how each goes out.
    public var values: [String: Value] = [:]

    /// Home Assistant's "no value": a sensor that could not be read shows as unknown, not 0.
    public static let none = "None"

    /// The state of the heater at the tick of `snapshot`. `energyOffsetKWh` is the energy of the
    /// runs before this one (the state file's lifetime total), so the energy sensor only grows.
    public init(_ snapshot: TickSnapshot, device: HomeAssistantDevice, energyOffsetKWh: Double = 0) {
        func put(_ topic: String, _ payload: String, _ pace: Pace) { values[topic] = Value(payload: payload, pace: pace) }
        put(device.setpointTopic, Self.decimal(snapshot.setpoint.value, places: 2), .onChange)
        put(device.modeTopic, Self.mode(snapshot.mode), .onChange)
        put(device.presetTopic, Self.preset(snapshot.mode), .onChange)
        put(device.actionTopic, Self.action(snapshot), .onChange)
        put(device.problemTopic, snapshot.faults.isEmpty ? "OFF" : "ON", .onChange)
        put(device.faultsTopic, JSONValue.object(["faults": .array(snapshot.faults.map(JSONValue.string)), "count": .number(Double(snapshot.faults.count))]).text, .onChange)
        put(device.roomTopic, snapshot.room.map { Self.decimal($0.value, places: 2) } ?? Self.none, .measurement)
        for reading in snapshot.readings {
            put(device.temperatureTopic(reading.name), reading.value.map { Self.decimal($0.value, places: 2) } ?? Self.none, .measurement)
        }
        let power = snapshot.measuredPower ?? snapshot.appliedPower
        put(device.powerTopic, Self.decimal(power.value, places: 1), .measurement)
        put(device.energyTopic, Self.decimal(energyOffsetKWh + snapshot.energyKWh, places: 4), .measurement)
        put(device.hashRateTopic, Self.decimal((snapshot.engine?.hashRate ?? 0) / 1e9, places: 3), .measurement)
        if snapshot.fanSpeed != nil {
            put(device.fanTopic, snapshot.fanRPM.map { Self.decimal($0.value, places: 0) } ?? Self.none, .measurement)
        }
        put(device.sharesTopic, String(snapshot.pool?.accepted ?? 0), .measurement)
    }

    /// Home Assistant's HVAC mode for a Hearth mode: `off`, or `heat` for every mode that heats.
    public static func mode(_ mode: Mode) -> String { mode == .off ? "off" : "heat" }

    /// Home Assistant's preset for a Hearth mode: `eco`, `boost`, `night`, or `none`.
    public static func preset(_ mode: Mode) -> String {
        switch mode {
        case .eco, .boost, .night: mode.rawValue
        case .off, .heat: "none"
        }
    }

    /// `off` in mode off, `heating` while power reaches the load, `idle` otherwise (at the
    /// setpoint, or a fault latched).
    public static func action(_ snapshot: TickSnapshot) -> String {
        if snapshot.mode == .off { return "off" }
        return snapshot.appliedPower.value > 0 ? "heating" : "idle"
    }

    /// `value` rounded to `places` decimals, without trailing zeros beyond one ("21.5", "20.0", "3").
    static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return none }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if places == 0 { return String(Int64(rounded)) }
        return "\(rounded == 0 ? 0 : rounded)"
    }
}

/// A command from Home Assistant, checked as the HTTP API checks the same request
/// (`HeaterRequest`): a refusal says what came and why it is refused.
public enum HomeAssistantCommand: Hashable, Sendable {
    /// Set the setpoint and/or mode by hand, as `HeaterBackend.set(setpoint:mode:)`; both `nil`:
    /// nothing to change (`heat` asked while a heating preset holds).
    case set(setpoint: Celsius?, mode: Mode?)
    /// Clear the latched faults.
    case clearFaults

    /// The command a message on `topic` says; `nil` when `topic` is not a command topic of
    /// `device`. `current` is the mode in force, which `heat` keeps when it already heats (the
    /// preset holds). Hearth's own mode names are taken on the mode topic too, as the API takes them.
    public init?(topic: String, payload: String, device: HomeAssistantDevice, current: Mode?) throws(HeaterRequest.Refusal) {
        let text = payload.trimmingWhitespace
        switch topic {
        case device.setpointCommandTopic:
            guard let value = Double(text) else { throw HeaterRequest.Refusal("setpoint \"\(text)\" is not a number (°C)") }
            self = .set(setpoint: try HeaterRequest.setpoint(value), mode: nil)
        case device.modeCommandTopic:
            if text == "heat", let current, current != .off {
                self = .set(setpoint: nil, mode: nil)
            } else {
                self = .set(setpoint: nil, mode: try HeaterRequest.mode(text))
            }
        case device.presetCommandTopic:
            switch text {
            case "none": self = .set(setpoint: nil, mode: .heat)
            case "eco", "boost", "night": self = .set(setpoint: nil, mode: try HeaterRequest.mode(text))
            default: throw HeaterRequest.Refusal("preset \"\(text)\" is not one of eco, boost, night, none")
            }
        case device.clearFaultsCommandTopic:
            guard text == "PRESS" else { throw HeaterRequest.Refusal("the clear-faults button takes \"PRESS\", not \"\(text)\"") }
            self = .clearFaults
        default:
            return nil
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
