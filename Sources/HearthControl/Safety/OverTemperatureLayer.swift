import HearthHAL

/// Safety layer: over-temperature, in two steps. A heat sink at `chipHot` throttles: the power is
/// held to `throttlePower` of the rated power and the fans run full; below `chipResume` for
/// `resumeFor` it resumes at `resumePower` for `resumeReducedFor`, then at full power. That is
/// weather, not a fault: nothing latches. A chip at `chipDangerous`, an exhaust at
/// `exhaustDangerous` or a board at `boardDangerous` is a fault: it latches.
public struct OverTemperatureLayer: Sendable {
    /// The limits; this layer uses the chip, exhaust and board temperatures, and the throttle's
    /// powers and times.
    public var limits: SafetyLimits

    private enum Heat { case normal, throttled, cooling(since: Duration), reduced(until: Duration) }
    private var heat = Heat.normal

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one plausible value against its role's dangerous limit (rooms and intakes have none).
    public func check(name: String, role: SensorRole, value: Celsius) -> SafetyVerdict {
        let dangerous: Celsius? =
            switch role {
            case .chip: limits.chipDangerous
            case .exhaust: limits.exhaustDangerous
            case .board: limits.boardDangerous
            case .room, .intake, .outdoor: nil
            }
        guard let dangerous, value >= dangerous else { return .allClear }
        return SafetyVerdict(faults: [.overTemperature(name, value)])
    }

    /// Moves the throttle on with the hottest heat sink (by name) at `time`, and says the power and
    /// fans it allows. With no heat sink reading the throttle holds where it is.
    public mutating func throttle(
        hottest chip: (name: String, value: Celsius)?, at time: Duration, ratedPower: Watts
    ) -> SafetyVerdict {
        var events: [SafetyEvent] = []
        if let chip {
            switch heat {
            case .normal, .reduced:
                if chip.value >= limits.chipHot {
                    heat = .throttled
                    events.append(.throttled("\(chip.name) at \(chip.value), over \(limits.chipHot)"))
                } else if case .reduced(let until) = heat, time >= until {
                    heat = .normal
                    events.append(.resumedFull)
                }
            case .throttled:
                if chip.value < limits.chipResume { heat = .cooling(since: time) }
            case .cooling(let since):
                if chip.value >= limits.chipResume {
                    heat = .throttled
                } else if time - since >= limits.resumeFor {
                    heat = .reduced(until: time + limits.resumeReducedFor)
                    events.append(.resumedReduced)
                }
            }
        }
        switch heat {
        case .throttled, .cooling:
            return SafetyVerdict(events: events, maxPower: ratedPower * limits.throttlePower, fansFull: true)
        case .reduced:
            return SafetyVerdict(events: events, maxPower: ratedPower * limits.resumePower)
        case .normal:
            return SafetyVerdict(events: events)
        }
    }

    /// Whether the throttle holds the power down (throttled, cooling or resuming reduced).
    public var isThrottling: Bool {
        if case .normal = heat { false } else { true }
    }
}
