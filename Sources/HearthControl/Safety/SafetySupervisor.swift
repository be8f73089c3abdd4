import HearthHAL

/// What the supervisor allows this tick. Its verdict wins over every other loop.
public struct SafetyDecision: Hashable, Sendable {
    /// The most power compute may draw: zero means compute off.
    public var maxPower: Watts
    /// Whether the fans must run at full speed.
    public var fansFull: Bool
    /// What changed this tick.
    public var events: [SafetyEvent]

    public var computeOff: Bool { maxPower <= .zero }
}

/// One tick's view of the heater, as the supervisor needs it.
public struct SafetyInput: Sendable {
    public var time: Duration
    /// Every sensor's reading this tick, in board order (the order faults are latched in).
    public var sensors: [SensorReading]
    /// The duty the fan was driven at since the last tick, and what its tach shows (`nil`: no fan).
    public var fan: (duty: DutyCycle, speed: Result<RPM?, HALError>)?
    /// The power compute was allowed since the last tick.
    public var power: Watts
    public var ratedPower: Watts

    public init(
        time: Duration, sensors: [SensorReading],
        fan: (duty: DutyCycle, speed: Result<RPM?, HALError>)?, power: Watts, ratedPower: Watts
    ) {
        self.time = time
        self.sensors = sensors
        self.fan = fan
        self.power = power
        self.ratedPower = ratedPower
    }
}

/// The layered safety supervisor: it runs first every tick, its verdict wins, and its faults latch
/// until a person clears them. Layers: sensor failure and staleness, implausible values and
/// jumps, stuck values, thermal runaway, over-temperature (throttle, then stop), fan stall.
/// Pure value logic: everything comes in through `check(_:)`.
public struct SafetySupervisor: Sendable {
    public var limits: SafetyLimits
    /// Faults that stopped the heater, in order, until cleared.
    public private(set) var latched: [(fault: SafetyFault, at: Duration)] = []

    private struct SensorTrack {
        var failures = 0
        var last: (value: Celsius, time: Duration)?
        var powerSeen: ClosedRange<Double>?
        var unchangedSince: Duration?
        /// When the power, with the value unchanged, first swung by the stuck threshold.
        var swingSince: Duration?
    }
    private var tracks: [String: SensorTrack] = [:]
    private var doubtful = false
    private enum Heat { case normal, throttled, cooling(since: Duration), reduced(until: Duration) }
    private var heat = Heat.normal
    private var heatingSince: Duration?
    private var stalledSince: Duration?
    private var drivenSince: Duration?

    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Latches faults carried over from before a restart, as they were said then.
    public mutating func restore(_ faults: [String], at time: Duration) {
        for text in faults where !latched.contains(where: { $0.fault.key == SafetyFault.restored(text).key }) {
            latched.append((.restored(text), time))
        }
    }

    /// Whether a latched fault holds compute off.
    public var isLatched: Bool { !latched.isEmpty }

    /// Clears every latched fault: what `hearth fault clear` does, on a person's word.
    public mutating func clearFaults() -> SafetyEvent? {
        guard !latched.isEmpty else { return nil }
        let faults = latched.map(\.fault)
        latched = []
        tracks = [:]
        heatingSince = nil
        stalledSince = nil
        return .cleared(faults)
    }

    public mutating func check(_ input: SafetyInput) -> SafetyDecision {
        var events: [SafetyEvent] = []
        var doubts: [String] = []
        func latch(_ fault: SafetyFault) {
            guard !latched.contains(where: { $0.fault.key == fault.key }) else { return }
            latched.append((fault, input.time))
            events.append(.latched(fault, at: input.time))
        }

        var room: Celsius?
        var hottestChip: (name: String, value: Celsius)?
        for sensor in input.sensors {
            var track = tracks[sensor.name] ?? SensorTrack()
            defer { tracks[sensor.name] = track }
            let value: Celsius
            switch sensor.reading {
            case .failure(let error):
                track.failures += 1
                doubts.append("sensor \(sensor.name): \(error.kind)")
                if track.failures >= limits.lostAfterTicks { latch(.sensorLost(sensor.name, error.kind)) }
                continue
            case .success(let reading):
                track.failures = 0
                value = reading
            }
            if let range = limits.plausible[sensor.role], !range.contains(value.value) || !value.isFinite {
                latch(.implausible(sensor.name, value))
                continue
            }
            if let last = track.last, let rate = limits.maxRate[sensor.role] {
                let dt = max((input.time - last.time).seconds, 1e-3)
                if abs((value - last.value).value) / dt > rate {
                    latch(.jump(sensor.name, from: last.value, to: value))
                }
            }
            // Stuck: the same raw value for `stuckAfter` after the power swung by a quarter of
            // the rated power: a real sensor would have moved by then.
            if let last = track.last, last.value == value {
                let seen = track.powerSeen.map { min($0.lowerBound, input.power.value)...max($0.upperBound, input.power.value) }
                    ?? input.power.value...input.power.value
                track.powerSeen = seen
                if track.swingSince == nil, seen.upperBound - seen.lowerBound >= limits.stuckPowerSwing * input.ratedPower.value {
                    track.swingSince = input.time
                }
                let since = track.unchangedSince ?? last.time
                track.unchangedSince = since
                let window = limits.stuckAfter[sensor.role] ?? .seconds(600)
                if let swing = track.swingSince, input.time - swing >= window {
                    latch(.stuck(sensor.name, value))
                }
                if input.time - since >= limits.frozenAfter { latch(.stuck(sensor.name, value)) }
            } else {
                track.powerSeen = nil
                track.swingSince = nil
                track.unchangedSince = nil
            }
            track.last = (value, input.time)

            switch sensor.role {
            case .room, .intake:
                if room == nil || sensor.role == .room { room = value }
            case .chip:
                if value >= limits.chipDangerous { latch(.overTemperature(sensor.name, value)) }
                if hottestChip == nil || value > hottestChip!.value { hottestChip = (sensor.name, value) }
            case .exhaust:
                if value >= limits.exhaustDangerous { latch(.overTemperature(sensor.name, value)) }
            case .board:
                if value >= limits.boardDangerous { latch(.overTemperature(sensor.name, value)) }
            }
        }

        // Thermal runaway: at power for long enough, the heat sink must sit well above the room.
        if input.power.value >= limits.runawayPower * input.ratedPower.value {
            heatingSince = heatingSince ?? input.time
        } else {
            heatingSince = nil
        }
        if let since = heatingSince, input.time - since >= limits.runawayAfter, let room, let chip = hottestChip,
            (chip.value - room).value < limits.runawayKelvinPerWatt * input.power.value
        {
            latch(.runaway(chip.name, chip.value))
        }

        // Fan: driven (past its spin-up), yet not turning.
        if let fan = input.fan {
            drivenSince = fan.duty.value >= limits.stallDuty ? drivenSince ?? input.time : nil
            let spunUp = drivenSince.map { input.time - $0 >= limits.spinUp } ?? false
            switch fan.speed {
            case .failure(let error):
                doubts.append("fan speed: \(error.kind)")
                stalledSince = stalledSince ?? input.time
                if input.time - stalledSince! >= limits.stallAfter, drivenSince != nil { latch(.fanUnreadable(error.kind)) }
            case .success(let speed?) where spunUp && speed.value <= limits.stallRPM:
                stalledSince = stalledSince ?? input.time
                if input.time - stalledSince! >= limits.stallAfter { latch(.fanStalled) }
            case .success:
                stalledSince = nil
            }
        }

        // Over-temperature below the dangerous limit: throttle, cool, resume at reduced power.
        var maxPower = input.ratedPower
        if let chip = hottestChip {
            switch heat {
            case .normal, .reduced:
                if chip.value >= limits.chipHot {
                    heat = .throttled
                    events.append(.throttled("\(chip.name) at \(chip.value), over \(limits.chipHot)"))
                } else if case .reduced(let until) = heat, input.time >= until {
                    heat = .normal
                    events.append(.resumedFull)
                }
            case .throttled:
                if chip.value < limits.chipResume { heat = .cooling(since: input.time) }
            case .cooling(let since):
                if chip.value >= limits.chipResume {
                    heat = .throttled
                } else if input.time - since >= limits.resumeFor {
                    heat = .reduced(until: input.time + limits.resumeReducedFor)
                    events.append(.resumedReduced)
                }
            }
        }
        var fansFull = false
        switch heat {
        case .throttled, .cooling:
            maxPower = input.ratedPower * limits.throttlePower
            fansFull = true
        case .reduced:
            maxPower = input.ratedPower * limits.resumePower
        case .normal:
            break
        }

        if !doubts.isEmpty && !doubtful { events.append(.doubt(doubts.joined(separator: ", "))) }
        doubtful = !doubts.isEmpty
        if isLatched || doubtful {
            maxPower = .zero
            fansFull = true
        }
        return SafetyDecision(maxPower: maxPower, fansFull: fansFull, events: events)
    }
}
