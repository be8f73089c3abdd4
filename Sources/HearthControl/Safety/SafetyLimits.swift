import HearthHAL

/// The limits the safety supervisor enforces. The defaults suit the 400 W and 1200 W heaters of
/// the simulated room and the boards in `Board/`.
public struct SafetyLimits: Hashable, Sendable {
    /// Readings outside these are implausible, by role.
    public var plausible: [SensorRole: ClosedRange<Double>] = [
        .room: -30...60, .intake: -30...60, .exhaust: -30...110, .board: -30...100, .chip: -30...125,
    ]
    /// The fastest believable change, °C per second, by role.
    public var maxRate: [SensorRole: Double] = [.room: 2, .intake: 2, .exhaust: 10, .board: 5, .chip: 10]
    /// How far two reads of a working sensor may differ however close in time, °C: its noise and
    /// last bits (two 1/16 °C steps and some). A jump must be past the rate and this.
    public var jumpFlicker = 0.15
    /// Consecutive failed reads of one sensor, or failed writes of the fan's duty, that latch a
    /// fault (any failure already stops compute for that tick).
    public var lostAfterTicks = 3
    /// A sensor whose raw value does not change for this long, by role, after the power swung by
    /// `stuckPowerSwing` of the rated power is stuck (the room answers slowly, the heat sink fast).
    public var stuckAfter: [SensorRole: Duration] = [
        .room: .seconds(3600), .intake: .seconds(3600), .exhaust: .seconds(300), .board: .seconds(600), .chip: .seconds(300),
    ]
    /// The power swing, as a fraction of the rated power, that should move every sensor.
    public var stuckPowerSwing = 0.25
    /// A raw value that does not change at all for this long is frozen, whatever the power: a
    /// working sensor's last bit always flickers.
    public var frozenAfter = Duration.seconds(900)
    /// Thermal runaway: after `runawayAfter` at `runawayPower` of the rated power or more, the heat
    /// sink must be at least `runawayKelvinPerWatt` × power above the room. A sensor that fell off
    /// its mount reads the room and trips this.
    public var runawayAfter = Duration.seconds(300)
    /// The power, as a fraction of the rated power, at which the runaway check counts.
    public var runawayPower = 0.3
    /// The least rise of the heat sink over the room, kelvin per watt of power.
    public var runawayKelvinPerWatt = 0.01
    /// Heat sink (chip role): above `chipHot` throttle and run the fans full; at `chipDangerous`
    /// compute off, latched.
    public var chipHot = Celsius(75)
    /// See `chipHot`.
    public var chipDangerous = Celsius(90)
    /// Leave the throttle only after `resumeFor` below `chipResume`, then run at `resumePower` of
    /// the rated power for `resumeReducedFor`.
    public var chipResume = Celsius(65)
    /// See `chipResume`.
    public var resumeFor = Duration.seconds(60)
    /// See `chipResume`.
    public var resumePower = 0.7
    /// See `chipResume`.
    public var resumeReducedFor = Duration.seconds(600)
    /// The power allowed while throttled, as a fraction of the rated power.
    public var throttlePower = 0.5
    /// Exhaust and enclosure (board role) temperatures that stop compute, latched.
    public var exhaustDangerous = Celsius(80)
    /// See `exhaustDangerous`.
    public var boardDangerous = Celsius(85)
    /// A fan driven at `stallDuty` or more for at least `spinUp` that shows no more than
    /// `stallRPM` for `stallAfter` has stalled.
    public var stallDuty = 0.2
    /// See `stallDuty`.
    public var stallRPM = 200.0
    /// See `stallDuty`.
    public var spinUp = Duration.seconds(3)
    /// See `stallDuty`.
    public var stallAfter = Duration.milliseconds(500)
    /// The most the supply may draw with compute allowed no power (the board's idle draw with some
    /// margin, set per board); more than this for `loadOffAfterTicks` ticks in a row latches
    /// `loadWillNotTurnOff`. `nil` (the default): the check is off, as it must be on a board whose
    /// meter does not measure the load.
    public var idlePowerLimit: Watts?
    /// See `idlePowerLimit`: a few ticks, so a supply still winding down is not a fault.
    public var loadOffAfterTicks = 4
    /// What the board knows of its heater's heat sink, for the model-based plausibility check
    /// (`ModelPlausibilityLayer`). `nil` (the default): no basis, and that check stays silent.
    public var heatSinkModel: HeatSinkModel?
    /// The model-based check: a heat sink that sits more than this (K) off where the observer puts
    /// it, from the room reading, the measured power and the fan drive, for `modelResidualFor`,
    /// latches `sensorDisagreesWithModel`. It widens by `modelTransientShare` of how far the
    /// observer is from its own steady state, so a transient the model times a little wrongly
    /// is not a fault.
    public var modelResidual = 2.0
    /// See `modelResidual`.
    public var modelResidualFor = Duration.seconds(60)
    /// See `modelResidual`.
    public var modelTransientShare = 0.25
    /// How long the observer learns the heater's scale (steady heating counts) before it judges
    /// a heated heat sink; until then only the heat-free part of the model is trusted.
    public var modelLearnFor = Duration.seconds(120)
    /// A room (or intake) reading that does not change at all for this long while compute is
    /// allowed at least `flatWhileHeatedPower` of the rated power the whole time is stuck: the
    /// room's energy balance moves an air mass heated at full power, and the stirred air of a
    /// heated room makes a working sensor's last bit flicker. `nil` (the default): off, for a
    /// board whose room sensor may read steady to the bit (set per board: `flat_room_seconds`).
    public var flatWhileHeatedAfter: Duration?
    /// See `flatWhileHeatedAfter`.
    public var flatWhileHeatedPower = 0.9

    /// The defaults.
    public init() {}
}
