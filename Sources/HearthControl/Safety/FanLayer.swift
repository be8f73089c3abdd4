import HearthHAL

/// Safety layer: the fan. A fan driven at `stallDuty` or more, past its `spinUp`, whose tach shows
/// no more than `stallRPM` for `stallAfter` has stalled; one whose speed cannot be read is a doubt
/// at once and, once that lasts `stallAfter` while it is driven, a fault. Both latch: the heat has
/// nowhere to go. A fan told to stop may stop.
public struct FanLayer: Sendable {
    /// The limits; this layer uses `stallDuty`, `stallRPM`, `spinUp` and `stallAfter`.
    public var limits: SafetyLimits
    private var drivenSince: Duration?
    private var stalledSince: Duration?

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges the duty the fan was driven at since the last tick and what its tach shows at `time`
    /// (`nil` speed: a fan without a tach, never judged stalled). `nil`: the board has no fan.
    public mutating func check(_ fan: (duty: DutyCycle, speed: Result<RPM?, HALError>)?, at time: Duration) -> SafetyVerdict {
        guard let fan else { return .allClear }
        drivenSince = fan.duty.value >= limits.stallDuty ? drivenSince ?? time : nil
        let spunUp = drivenSince.map { time - $0 >= limits.spinUp } ?? false
        switch fan.speed {
        case .failure(let error):
            let since = stalledSince ?? time
            stalledSince = since
            let unreadable: [SafetyFault] =
                time - since >= limits.stallAfter && drivenSince != nil ? [.fanUnreadable(error.kind)] : []
            return SafetyVerdict(faults: unreadable, doubts: ["fan speed: \(error.kind)"])
        case .success(let speed?) where spunUp && speed.value <= limits.stallRPM:
            let since = stalledSince ?? time
            stalledSince = since
            return time - since >= limits.stallAfter ? SafetyVerdict(faults: [.fanStalled]) : .allClear
        case .success:
            stalledSince = nil
            return .allClear
        }
    }

    /// A person cleared the faults: a stall counts afresh (how long the fan has been driven is
    /// kept: it still is).
    public mutating func reset() { stalledSince = nil }
}
