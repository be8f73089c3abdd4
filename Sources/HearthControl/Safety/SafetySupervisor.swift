import HearthHAL

/// What the supervisor allows this tick. Its verdict wins over every other loop.
public struct SafetyDecision: Hashable, Sendable {
    /// The most power compute may draw: zero means compute off.
    public var maxPower: Watts
    /// Whether the fans must run at full speed.
    public var fansFull: Bool
    /// What changed this tick.
    public var events: [SafetyEvent]

    /// A verdict as the supervisor gives it (tests and simulations make their own).
    public init(maxPower: Watts, fansFull: Bool, events: [SafetyEvent] = []) {
        self.maxPower = maxPower
        self.fansFull = fansFull
        self.events = events
    }

    /// Whether compute must be off (no power allowed).
    public var computeOff: Bool { maxPower <= .zero }
}

/// One tick's view of the heater, as the supervisor needs it.
public struct SafetyInput: Sendable {
    /// When, on the loop's monotonic timeline.
    public var time: Duration
    /// Every sensor's reading this tick, in board order (the order faults are latched in).
    public var sensors: [SensorReading]
    /// The duty the fan was driven at since the last tick, and what its tach shows (`nil`: no fan).
    public var fan: (duty: DutyCycle, speed: Result<RPM?, HALError>)?
    /// The power compute was allowed since the last tick.
    public var power: Watts
    /// What the heater draws flat out (the powers in the limits are fractions of it).
    public var ratedPower: Watts
    /// The supply power the meter read this tick; `nil` without a meter or when it could not be read
    /// (then the load-off check counts afresh; a failed meter read is not itself a doubt).
    public var measuredPower: Watts?
    /// Why the fan could not be driven at the last tick (its duty write threw); `nil` when the write
    /// went through or there is no fan.
    public var fanDriveError: HALError?

    /// One tick's view; see the properties. `measuredPower` and `fanDriveError` default to none.
    public init(
        time: Duration, sensors: [SensorReading],
        fan: (duty: DutyCycle, speed: Result<RPM?, HALError>)?, power: Watts, ratedPower: Watts,
        measuredPower: Watts? = nil, fanDriveError: HALError? = nil
    ) {
        self.time = time
        self.sensors = sensors
        self.fan = fan
        self.power = power
        self.ratedPower = ratedPower
        self.measuredPower = measuredPower
        self.fanDriveError = fanDriveError
    }
}

/// The layered safety supervisor: it runs first every tick, its verdict wins, and its faults latch
/// until a person clears them. Each layer is its own small type, judged in this order, sensor by
/// sensor in board order: failed reads (`SensorLossLayer`), implausible values (`SensorRangeLayer`;
/// the rest skip such a value), jumps (`SensorJumpLayer`), stuck values (`StuckSensorLayer`),
/// dangerous temperatures (`OverTemperatureLayer`); then for the tick: thermal runaway
/// (`RunawayLayer`, on the room `ResolvedTemperatures` picks), the heater's thermal model run as an
/// observer on that room, the heat sink, the measured power and the fan (`ModelPlausibilityLayer`;
/// silent without the board's `HeatSinkModel` or a measured power), the fan's tach (`FanLayer`), the
/// fan's drive (`FanDriveLayer`, on the last tick's duty write), a load that draws with no power
/// allowed (`LoadOffLayer`, on the measured power), and the heat sink's throttle
/// (`OverTemperatureLayer`). Faults the runtime sees itself (a tick that overran its deadline) come
/// in through `latch(_:at:)` between ticks, and hold from the next `check(_:)`.
/// Pure value logic: everything comes in through `check(_:)` and `latch(_:at:)`.
public struct SafetySupervisor: Sendable {
    /// The limits every layer enforces.
    public var limits: SafetyLimits {
        didSet {
            loss.limits = limits
            range.limits = limits
            jump.limits = limits
            stuck.limits = limits
            overTemperature.limits = limits
            runaway.limits = limits
            fan.limits = limits
            fanDrive.limits = limits
            loadOff.limits = limits
            model.limits = limits
        }
    }
    /// Faults that stopped the heater, in order, until cleared.
    public private(set) var latched: [(fault: SafetyFault, at: Duration)] = []

    private var loss: SensorLossLayer
    private var range: SensorRangeLayer
    private var jump: SensorJumpLayer
    private var stuck: StuckSensorLayer
    private var overTemperature: OverTemperatureLayer
    private var runaway: RunawayLayer
    private var fan: FanLayer
    private var fanDrive: FanDriveLayer
    private var loadOff: LoadOffLayer
    private var model: ModelPlausibilityLayer
    private var doubtful = false

    /// A supervisor with nothing latched and nothing seen, enforcing `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
        loss = SensorLossLayer(limits: limits)
        range = SensorRangeLayer(limits: limits)
        jump = SensorJumpLayer(limits: limits)
        stuck = StuckSensorLayer(limits: limits)
        overTemperature = OverTemperatureLayer(limits: limits)
        runaway = RunawayLayer(limits: limits)
        fan = FanLayer(limits: limits)
        fanDrive = FanDriveLayer(limits: limits)
        loadOff = LoadOffLayer(limits: limits)
        model = ModelPlausibilityLayer(limits: limits)
    }

    /// Latches faults carried over from before a restart, as they were said then.
    public mutating func restore(_ faults: [String], at time: Duration) {
        for text in faults where !latched.contains(where: { $0.fault.key == SafetyFault.restored(text).key }) {
            latched.append((.restored(text), time))
        }
    }

    /// Latches a fault the runtime saw itself, outside any tick's readings (a tick that overran its
    /// deadline, caught from another thread), at `time` on the loop's timeline: compute off and fans
    /// full from the next `check(_:)` until a person clears it. Returns the `.latched` event for the
    /// log, or `nil` when a fault with the same key is already latched (that one keeps its time).
    public mutating func latch(_ fault: SafetyFault, at time: Duration) -> SafetyEvent? {
        guard !latched.contains(where: { $0.fault.key == fault.key }) else { return nil }
        latched.append((fault, time))
        return .latched(fault, at: time)
    }

    /// The model-based check's last judgement: the heat sink reading less the observer's, K, and
    /// the bound it was judged against; `nil` when it judged nothing (no basis). For reports.
    public var modelJudgement: (residual: Double, bound: Double)? { model.lastJudged }
    /// The model-based check's observer as it stands (its prediction, learned scale), for reports.
    public var modelObserver: ModelPlausibilityLayer { model }

    /// Whether a latched fault holds compute off.
    public var isLatched: Bool { !latched.isEmpty }

    /// Clears every latched fault: what `hearth fault clear` does, on a person's word. The layers
    /// forget what they were counting towards a fault; a throttle holds until the heat sink cools.
    /// `nil` when nothing was latched.
    public mutating func clearFaults() -> SafetyEvent? {
        guard !latched.isEmpty else { return nil }
        let faults = latched.map(\.fault)
        latched = []
        loss.reset()
        jump.reset()
        stuck.reset()
        runaway.reset()
        fan.reset()
        fanDrive.reset()
        loadOff.reset()
        model.reset()
        return .cleared(faults)
    }

    /// Judges one tick: latches what the layers find (each fault once), and says the power and fans
    /// allowed. Any latched fault or doubt (a tick with no temperature sensor at all is one):
    /// compute off, fans full.
    public mutating func check(_ input: SafetyInput) -> SafetyDecision {
        var events: [SafetyEvent] = []
        var doubts: [String] = []
        var maxPower: Watts?
        var fansFull = false
        func take(_ verdict: SafetyVerdict) {
            for fault in verdict.faults {
                if let event = latch(fault, at: input.time) { events.append(event) }
            }
            doubts += verdict.doubts
            events += verdict.events
            if let limit = verdict.maxPower { maxPower = min(maxPower ?? limit, limit) }
            fansFull = fansFull || verdict.fansFull
        }

        // An outdoor probe guards nothing (optimal start does without it), so it is not judged.
        let sensors = input.sensors.filter { $0.role != .outdoor }
        // No temperature at all is the greatest doubt: nothing would tell the heat from a fire.
        if sensors.isEmpty { doubts.append("no temperature sensor") }

        // The readings as the layers believe them: an implausible value counts as no reading, so
        // the room the runaway check uses is never a value a layer has just thrown out.
        var believed: [SensorReading] = []
        var hottestChip: (name: String, value: Celsius)?
        for sensor in sensors {
            take(loss.check(sensor))
            guard case .success(let value) = sensor.reading else {
                believed.append(sensor)
                continue
            }
            let plausibility = range.check(name: sensor.name, role: sensor.role, value: value)
            take(plausibility)
            guard plausibility.faults.isEmpty else {
                let implausible = HALError(.outOfRange, "\(sensor.name) read an implausible \(value)")
                believed.append(SensorReading(name: sensor.name, role: sensor.role, reading: .failure(implausible)))
                continue
            }
            believed.append(sensor)
            take(jump.check(name: sensor.name, role: sensor.role, value: value, at: input.time))
            take(stuck.check(
                name: sensor.name, role: sensor.role, value: value, at: input.time, power: input.power,
                ratedPower: input.ratedPower))
            take(overTemperature.check(name: sensor.name, role: sensor.role, value: value))
            if sensor.role == .chip, hottestChip.map({ value > $0.value }) ?? true { hottestChip = (sensor.name, value) }
        }

        let room = ResolvedTemperatures(believed).room
        take(runaway.check(
            room: room?.value, heatSink: hottestChip, power: input.power, ratedPower: input.ratedPower, at: input.time))
        take(model.check(
            room: room.flatMap { room in room.value.map { (room.name, $0) } }, heatSink: hottestChip,
            measuredPower: input.measuredPower, allowedPower: input.power,
            fan: limits.heatSinkModel?.fanSpeed(duty: input.fan?.duty, measured: input.fan.flatMap { try? $0.speed.get() }),
            ratedPower: input.ratedPower, at: input.time))
        take(fan.check(input.fan, at: input.time))
        take(fanDrive.check(input.fanDriveError))
        take(loadOff.check(power: input.power, measured: input.measuredPower))
        take(overTemperature.throttle(hottest: hottestChip, at: input.time, ratedPower: input.ratedPower))

        if !doubts.isEmpty && !doubtful { events.append(.doubt(doubts.joined(separator: ", "))) }
        doubtful = !doubts.isEmpty
        var allowed = maxPower ?? input.ratedPower
        if isLatched || doubtful {
            allowed = .zero
            fansFull = true
        }
        return SafetyDecision(maxPower: allowed, fansFull: fansFull, events: events)
    }
}
