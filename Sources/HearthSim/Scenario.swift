import HearthHAL

/// A room, a heater and what happens to them over time: the model's parameters, where the
/// temperatures start, and timed changes of the disturbances (outdoor temperature, window, sun,
/// other heat). The simulated world plays it on virtual time.
public struct Scenario: Hashable, Sendable {
    /// A change at a moment; fields left `nil` keep their value.
    public struct Event: Hashable, Sendable {
        public var at: Duration
        public var outdoor: Celsius?
        public var windowOpen: Bool?
        public var sun: Watts?
        public var otherHeat: Watts?
        /// A new setpoint for the thermostat (the world itself ignores it).
        public var setpoint: Celsius?
        /// A fault that starts now.
        public var fault: InjectedFault?

        public init(
            at: Duration, outdoor: Celsius? = nil, windowOpen: Bool? = nil, sun: Watts? = nil, otherHeat: Watts? = nil,
            setpoint: Celsius? = nil, fault: InjectedFault? = nil
        ) {
            self.at = at
            self.outdoor = outdoor
            self.windowOpen = windowOpen
            self.sun = sun
            self.otherHeat = otherHeat
            self.setpoint = setpoint
            self.fault = fault
        }

        func apply(to disturbances: inout Disturbances) {
            if let outdoor { disturbances.outdoor = outdoor }
            if let windowOpen { disturbances.windowOpen = windowOpen }
            if let sun { disturbances.sun = sun }
            if let otherHeat { disturbances.otherHeat = otherHeat }
        }
    }

    public var name: String
    public var parameters: ThermalParameters
    /// Room air, heater and chip at the start.
    public var roomStart: Celsius
    /// The walls at the start (they lag the air).
    public var envelopeStart: Celsius
    /// The disturbances at the start.
    public var initial: Disturbances
    /// Changes, in time order.
    public var events: [Event]
    /// The thermostat's setpoint at the start.
    public var setpoint: Celsius

    public init(
        name: String, parameters: ThermalParameters = ThermalParameters(), roomStart: Celsius = Celsius(18),
        envelopeStart: Celsius = Celsius(17), initial: Disturbances = Disturbances(), events: [Event] = [],
        setpoint: Celsius = Celsius(20)
    ) {
        self.setpoint = setpoint
        self.name = name
        self.parameters = parameters
        self.roomStart = roomStart
        self.envelopeStart = envelopeStart
        self.initial = initial
        self.events = events.sorted { $0.at < $1.at }
    }

    /// The default: a 20 m² room at 18 °C, 5 °C outdoors, the 400 W heater, nothing happening.
    public static let room400W = Scenario(name: "400w")
    /// The same room with the 1200 W heater.
    public static let room1200W = Scenario(name: "1200w", parameters: .heater1200W)

    /// The setpoint at `time`: the initial one, changed by every event up to then.
    public func setpoint(at time: Duration) -> Celsius {
        events.last { $0.at <= time && $0.setpoint != nil }?.setpoint ?? setpoint
    }

    /// The disturbances at `time`: the initial ones with every event up to then applied.
    public func disturbances(at time: Duration) -> Disturbances {
        var disturbances = initial
        for event in events where event.at <= time { event.apply(to: &disturbances) }
        return disturbances
    }

    /// The thermal model at the scenario's start.
    public func makeModel() -> ThermalModel {
        ThermalModel(parameters: parameters, disturbances: initial, start: roomStart, envelope: envelopeStart)
    }
}
