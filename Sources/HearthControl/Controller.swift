import HearthHAL

/// What the heater is asked to do.
public enum Mode: String, Hashable, Sendable, CaseIterable, Codable {
    /// No heat; the fan only cools what is still warm.
    case off
    /// Hold the setpoint with the heater's full power.
    case heat
    /// Hold the setpoint on at most half the power, the fan at most 70 %.
    case eco
    /// Hold the setpoint with the full power, ignoring the configured power cap.
    case boost
    /// Hold the setpoint quietly: the fan at most 40 %; the power follows what that fan can carry away.
    case night

    /// The most power the mode allows, as a fraction of the rated power.
    public var powerCeiling: Double {
        switch self {
        case .off: 0
        case .heat, .boost, .night: 1
        case .eco: 0.5
        }
    }

    /// The most fan the mode allows (the safety supervisor may still demand full).
    public var fanCeiling: DutyCycle {
        switch self {
        case .off, .heat, .boost: .full
        case .eco: DutyCycle(0.7)
        case .night: DutyCycle(0.4)
        }
    }
}

/// The settings of the thermostat, power allocator and fan loop.
public struct ControllerSettings: Hashable, Sendable {
    /// What the heater draws flat out.
    public var ratedPower: Watts
    /// A limit below the rated power (a weak circuit, a quiet preference); `boost` ignores it.
    public var powerCap: Watts?
    /// Room temperature error (°C) to heat demand (W).
    public var roomGains = PIDGains(kp: 800, ki: 2, kd: 0)
    /// Heat-sink temperature error (°C) to fan duty (0…1).
    public var fanGains = PIDGains(kp: 0.08, ki: 0.002, kd: 0)
    /// The heat sink temperature the fan loop holds.
    public var chipTarget = Celsius(60)
    /// The exhaust temperature the fan loop keeps under: whichever of the two is further over its
    /// target drives the fan.
    public var exhaustTarget = Celsius(50)
    /// Above `chipTarget + derateStart` the power is scaled down, to zero at `chipTarget + derateEnd`.
    public var derateStart = Celsius(5)
    /// See `derateStart`.
    public var derateEnd = Celsius(15)
    /// The fan's least duty while compute runs: air always moves over a working heat sink.
    public var minimumFanWhileHashing = DutyCycle(0.25)

    /// The defaults for a heater of `ratedPower`, limited to `powerCap` if given.
    public init(ratedPower: Watts, powerCap: Watts? = nil) {
        self.ratedPower = ratedPower
        self.powerCap = powerCap
    }
}

/// What the control loops ask for this tick.
public struct ControlOutput: Hashable, Sendable {
    /// The room loop's demand before any limit.
    public var demand: Watts
    /// The power the hash engine is given.
    public var powerTarget: Watts
    /// The fan's duty.
    public var fanDuty: DutyCycle

    /// What the loops ask for.
    public init(demand: Watts, powerTarget: Watts, fanDuty: DutyCycle) {
        self.demand = demand
        self.powerTarget = powerTarget
        self.fanDuty = fanDuty
    }
}

/// The heater's control loops after the safety supervisor: the room loop (temperature error →
/// heat demand), the power allocator (demand limited by mode, cap, heat-sink temperature and the
/// supervisor's verdict → power target) and the fan loop (heat-sink temperature → duty, never
/// below a minimum while hashing, never above the mode's ceiling unless safety says full).
/// Pure value logic: time and readings come in, targets go out.
public struct HeaterController: Sendable {
    /// The settings; the room law and fan loop are made from them when the controller is made
    /// (new gains need a new controller).
    public var settings: ControllerSettings
    /// Which kind of room law runs.
    public let law: RoomLawKind
    private var room: any RoomLaw
    private var fan: PID
    private var lastMode: Mode?

    /// A controller that has seen no tick, running a fresh law of kind `law` made from `settings`.
    public init(settings: ControllerSettings, law: RoomLawKind = .pid) {
        self.settings = settings
        self.law = law
        room = law.makeLaw(for: settings)
        fan = PID(gains: settings.fanGains, outputRange: 0...1, derivativeFilter: .seconds(10), minimumChange: 0.02)
    }

    /// One tick on one tick's resolved temperatures: the room, the heat sink and the exhaust as
    /// `ResolvedTemperatures` picks them (an unknown room or heat sink: nothing heats, the fan runs full).
    public mutating func tick(
        time: Duration, setpoint: Celsius, mode: Mode, temperatures: ResolvedTemperatures, safety: SafetyDecision,
        demand override: Watts? = nil
    ) -> ControlOutput {
        tick(
            time: time, setpoint: setpoint, mode: mode, room: temperatures.roomTemperature, chip: temperatures.heatSink,
            exhaust: temperatures.exhaust, safety: safety, demand: override)
    }

    /// One tick. `room` and `chip` are the room and the hottest heat-sink reading (`nil` when
    /// none could be had: then nothing heats and the fan runs full); `exhaust` the exhaust air, if
    /// the board measures it.
    public mutating func tick(
        time: Duration, setpoint: Celsius, mode: Mode, room roomTemperature: Celsius?, chip: Celsius?,
        exhaust: Celsius? = nil, safety: SafetyDecision, demand override: Watts? = nil
    ) -> ControlOutput {
        guard let roomTemperature, let chip else {
            return ControlOutput(demand: .zero, powerTarget: .zero, fanDuty: .full)
        }
        // Room loop.
        let demand: Watts
        if let override {
            demand = override  // an autotune's relay drives the room instead of the law
        } else if mode == .off {
            demand = .zero
        } else {
            // Heating again after asking for nothing: the law takes over from zero, without a bump.
            if lastMode == .off || lastMode == nil { room.resume(time: time, setpoint: setpoint, room: roomTemperature) }
            demand = room.demand(time: time, setpoint: setpoint, room: roomTemperature, ratedPower: settings.ratedPower)
        }
        lastMode = mode

        // Allocator.
        var limit = settings.ratedPower * mode.powerCeiling
        if let cap = settings.powerCap, mode != .boost { limit = min(limit, cap) }
        let hot = (chip - settings.chipTarget - settings.derateStart).value
        let span = (settings.derateEnd - settings.derateStart).value
        if hot > 0 { limit = limit * max(0, 1 - hot / span) }
        limit = min(limit, safety.maxPower)
        let target = max(min(demand, limit), .zero)

        // Fan loop on whichever is further over its target, reverse acting (hotter: more fan).
        var over = (chip - settings.chipTarget).value
        if let exhaust { over = max(over, (exhaust - settings.exhaustTarget).value) }
        var duty = fan.update(time: time, setpoint: 0, measurement: -over)
        if target > .zero { duty = max(duty, settings.minimumFanWhileHashing.value) }
        duty = min(duty, mode.fanCeiling.value)
        if safety.fansFull { duty = 1 }
        return ControlOutput(demand: demand, powerTarget: target, fanDuty: DutyCycle(duty))
    }
}
