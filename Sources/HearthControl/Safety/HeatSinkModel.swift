import HearthHAL

/// What a board knows of its heater's heat sink: the node of the room's thermal model that the
/// heater owns, and the one the model-based plausibility check runs as an observer.
///
/// ```
///  power P ─► heat sink (C) ──G(fan)── room air
///  C·dT_sink/dt = P − G(fan)·(T_sink − T_room)
///  G(fan) = G_still + (G_full − G_still)·fan
/// ```
///
/// The figures are a heater's, not a room's: what its maker measures on the bench (the heat
/// sink's rise over the room at the rated power with the fan full and stopped, and how fast it
/// settles with the fan full). They are given per rated watt, so a larger hash board on a
/// proportionally larger heat sink keeps them; the observer learns a scale on top of them
/// (`ModelPlausibilityLayer`), so they need only be right in shape, not to the watt.
public struct HeatSinkModel: Hashable, Sendable {
    /// The heat sink's steady rise over the room air at the rated power with the fan at full
    /// speed, kelvin (the sim's 400 W heater: about 14; its 1200 W one: about 16).
    public var riseFullFan: Double
    /// The same with the fan stopped (natural convection alone), kelvin; more than `riseFullFan`.
    public var riseStill: Double
    /// The heat sink's time constant with the fan full: how long it takes to go 63 % of the way to
    /// a new steady temperature (the sim's heaters: about 65 s).
    public var settleFullFan: Duration
    /// The fan's speed at full duty, rpm: where the board gives it and the tach reads, the
    /// conductance follows the fan's measured speed rather than its duty (a fan below its
    /// starting duty stands still, and its rotor lags every change).
    public var fanFullRPM: Double?

    /// A heat sink's figures; see the properties.
    public init(riseFullFan: Double, riseStill: Double, settleFullFan: Duration, fanFullRPM: Double? = nil) {
        self.riseFullFan = riseFullFan
        self.riseStill = riseStill
        self.settleFullFan = settleFullFan
        self.fanFullRPM = fanFullRPM
    }

    /// How fast the fan turns, 0…1 of full speed: the tach's reading over `fanFullRPM` where both
    /// are known, else the duty it was driven at (no fan: stopped).
    public func fanSpeed(duty: DutyCycle?, measured: RPM?) -> Double {
        if let full = fanFullRPM, full > 0, let measured, measured.value.isFinite { return min(max(measured.value / full, 0), 1) }
        return duty?.value ?? 0
    }

    /// The conductance from the heat sink to the room air, W/K, at `fan` (0…1 of full speed) for a
    /// heater of `ratedPower`, before any learned scale.
    public func conductance(fan: Double, ratedPower: Watts) -> Double {
        let fan = fan.isNaN ? 0 : min(max(fan, 0), 1)
        return ratedPower.value * (1 / riseStill + (1 / riseFullFan - 1 / riseStill) * fan)
    }

    /// The heat sink's thermal capacity, J/K, for a heater of `ratedPower`, before any learned scale.
    public func capacity(ratedPower: Watts) -> Double {
        settleFullFan.seconds * ratedPower.value / riseFullFan
    }
}
