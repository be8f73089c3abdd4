import HearthHAL
import HearthSim

/// A scenario file for the simulated heater:
///
/// ```toml
/// name = "winter-day"
/// heater = "400w"            # or "1200w": the default parameters to start from
/// room_start = 18.0
/// envelope_start = 16.0
/// outdoor = 2.0
///
/// [model]                    # any parameter of the thermal model, to override
/// air_capacity = 150000
///
/// [[event]]
/// at = "8h"
/// window = "open"
/// [[event]]
/// at = "8h30m"
/// window = "closed"
/// sun_watts = 250
/// setpoint = 21.5            # the thermostat's setpoint from then on
///
/// [[event]]
/// at = "12h"
/// fault = "fan-stall"        # any name of `hearth simulate --list`'s fault-<name> scenarios
/// ```
///
/// `setpoint` at the top level is the setpoint at the start (default 20 °C).
public enum ScenarioFile {
    /// The built-in scenarios by name: the two heaters at rest, the control scenarios, and a
    /// `fault-<name>` scenario for every fault the simulation can inject.
    public static var builtIn: [String: Scenario] {
        var scenarios: [String: Scenario] = ["400w": .room400W, "1200w": .room1200W]
        let hour = Duration.seconds(3600)
        var warm = Disturbances()
        warm.outdoor = Celsius(8)
        scenarios["cold-start"] = Scenario(
            name: "cold-start", parameters: .heater1200W, roomStart: Celsius(12), envelopeStart: Celsius(10),
            initial: { var cold = Disturbances(); cold.outdoor = Celsius(-5); return cold }(), setpoint: Celsius(21))
        scenarios["setpoint-step"] = Scenario(
            name: "setpoint-step", parameters: .heater1200W, roomStart: Celsius(17), envelopeStart: Celsius(16.5),
            initial: warm, events: [.init(at: hour * 6, setpoint: Celsius(22))], setpoint: Celsius(17))
        scenarios["window-open"] = Scenario(
            name: "window-open", parameters: .heater1200W, roomStart: Celsius(19), envelopeStart: Celsius(18), initial: warm,
            events: [.init(at: hour * 8, windowOpen: true), .init(at: hour * 8.5, windowOpen: false)], setpoint: Celsius(20))
        scenarios["sunny-afternoon"] = Scenario(
            name: "sunny-afternoon", roomStart: Celsius(19), envelopeStart: Celsius(18), initial: warm,
            events: [.init(at: hour * 12, sun: Watts(350)), .init(at: hour * 16, sun: Watts(0))], setpoint: Celsius(20))
        scenarios["night"] = Scenario(
            name: "night", parameters: .heater1200W, roomStart: Celsius(20), envelopeStart: Celsius(19), initial: warm,
            events: [
                .init(at: hour * 2, outdoor: Celsius(4), setpoint: Celsius(17)), .init(at: hour * 5, outdoor: Celsius(0)),
                .init(at: hour * 10, outdoor: Celsius(3), setpoint: Celsius(20)), .init(at: hour * 14, outdoor: Celsius(8)),
            ],
            setpoint: Celsius(20))
        // Two cold mornings: 17 °C through the night, 21 °C from 06:30 to 22:30. The first
        // morning teaches optimal start the room's warm-up rate; the second shows it.
        scenarios["morning-schedule"] = Scenario(
            name: "morning-schedule", parameters: .heater1200W, roomStart: Celsius(17), envelopeStart: Celsius(16),
            initial: { var cold = Disturbances(); cold.outdoor = Celsius(-5); return cold }(),
            events: [
                .init(at: hour * 6.5, setpoint: Celsius(21)), .init(at: hour * 22.5, setpoint: Celsius(17)),
                .init(at: hour * 30.5, setpoint: Celsius(21)), .init(at: hour * 46.5, setpoint: Celsius(17)),
            ],
            setpoint: Celsius(17))
        for (name, fault) in InjectedFault.named {
            scenarios["fault-\(name)"] = Scenario(
                name: "fault-\(name)", roomStart: Celsius(18), envelopeStart: Celsius(17.5), initial: warm,
                events: [.init(at: hour, fault: fault)], setpoint: Celsius(20))
        }
        return scenarios
    }

    /// A built-in scenario's name, or a scenario file.
    public static func load(_ nameOrFile: String) throws(ConfigError) -> Scenario {
        if let scenario = builtIn[nameOrFile] { return scenario }
        return try parse(try readText(nameOrFile), file: nameOrFile)
    }

    /// The thermal model's parameters a file may set, with their allowed ranges.
    static var modelKeys: [(key: String, path: WritableKeyPath<ThermalParameters, Double>, range: ClosedRange<Double>)] {[
        ("chip_capacity", \.chipCapacity, 1...10_000),
        ("body_capacity", \.bodyCapacity, 10...1_000_000),
        ("air_capacity", \.airCapacity, 1_000...100_000_000),
        ("envelope_capacity", \.envelopeCapacity, 1_000...1_000_000_000),
        ("chip_to_body", \.chipToBody, 0.1...10_000),
        ("body_to_air_still", \.bodyToAirStill, 0...10_000),
        ("body_to_air_fan", \.bodyToAirFan, 0...10_000),
        ("air_to_envelope", \.airToEnvelope, 0.1...100_000),
        ("envelope_to_outdoor", \.envelopeToOutdoor, 0.1...100_000),
        ("air_to_outdoor", \.airToOutdoor, 0...100_000),
        ("open_window", \.openWindow, 0...100_000),
        ("fan_airflow", \.fanAirflow, 0.000_1...10),
        ("draft_airflow", \.draftAirflow, 0.000_1...10),
        ("sun_to_air", \.sunToAir, 0...1),
        ("rated_power", \.ratedPower, 1...10_000),
    ]}

    public static func parse(_ text: String, file: String) throws(ConfigError) -> Scenario {
        enum Heater: String, CaseIterable { case w400 = "400w", w1200 = "1200w" }
        enum Window: String, CaseIterable { case open, closed }
        var document = try TOMLReader(file: file, text: text)
        let name = try document.string("name") ?? file
        let heater = try document.choice("heater", Heater.self) ?? .w400
        var scenario = heater == .w400 ? Scenario.room400W : Scenario.room1200W
        scenario.name = name
        if let start = try document.double("room_start", in: -40...60) {
            scenario.roomStart = Celsius(start)
            scenario.envelopeStart = Celsius(start)
        }
        if let start = try document.double("envelope_start", in: -40...60) { scenario.envelopeStart = Celsius(start) }
        if let outdoor = try document.double("outdoor", in: -60...60) { scenario.initial.outdoor = Celsius(outdoor) }
        if let setpoint = try document.double("setpoint", in: 5...30) { scenario.setpoint = Celsius(setpoint) }
        if var model = try document.table("model") {
            for entry in modelKeys {
                if let value = try model.double(entry.key, in: entry.range) { scenario.parameters[keyPath: entry.path] = value }
            }
            try model.finish()
        }
        var events: [Scenario.Event] = []
        for var reader in try document.tables("event") {
            let text = try reader.requiredString("at")
            guard let at = parseDuration(text) else {
                throw reader.error("at", "\"\(text)\" is not a duration such as 90s, 15m, 8h or 1h30m")
            }
            var event = Scenario.Event(at: at)
            event.outdoor = try reader.double("outdoor", in: -60...60).map(Celsius.init)
            event.windowOpen = try reader.choice("window", Window.self).map { $0 == .open }
            event.sun = try reader.double("sun_watts", in: 0...5_000).map(Watts.init)
            event.otherHeat = try reader.double("other_heat_watts", in: 0...10_000).map(Watts.init)
            event.setpoint = try reader.double("setpoint", in: 5...30).map(Celsius.init)
            if let name = try reader.string("fault") {
                guard let fault = InjectedFault.named[name] else {
                    throw reader.error("fault", "\"\(name)\" is not one of \(InjectedFault.named.keys.sorted().joined(separator: ", "))")
                }
                event.fault = fault
            }
            try reader.finish()
            events.append(event)
        }
        try document.finish()
        return Scenario(
            name: scenario.name, parameters: scenario.parameters, roomStart: scenario.roomStart,
            envelopeStart: scenario.envelopeStart, initial: scenario.initial, events: events, setpoint: scenario.setpoint)
    }
}
