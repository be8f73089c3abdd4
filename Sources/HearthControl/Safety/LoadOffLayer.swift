import HearthHAL

/// Safety layer: a load that will not turn off. With compute allowed no power, the supply should
/// fall to its idle draw; one the power meter still reads above `idlePowerLimit` for
/// `loadOffAfterTicks` ticks in a row has a welded relay, a hash board deaf to its enable line or
/// a driver that lost track of it. Asking for zero does not stop that heat, so it latches (fans
/// full, and a person looks). A tick with power allowed, or a reading at or under the limit, or
/// none (no meter, a failed read, not a number), starts the count again. With no
/// `idlePowerLimit` it judges nothing.
public struct LoadOffLayer: Sendable {
    /// The limits; this layer uses `idlePowerLimit` and `loadOffAfterTicks`.
    public var limits: SafetyLimits
    /// Ticks in a row, up to now, with no power allowed and more than the idle limit measured.
    public private(set) var ticksOn = 0

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one tick: the power compute was allowed since the last tick (the applied target) and
    /// the supply power the meter measured this tick (`nil`: no meter, or it could not be read).
    public mutating func check(power: Watts, measured: Watts?) -> SafetyVerdict {
        guard let limit = limits.idlePowerLimit, power <= .zero, let measured, measured > limit else {
            ticksOn = 0
            return .allClear
        }
        ticksOn += 1
        guard ticksOn >= limits.loadOffAfterTicks else { return .allClear }
        return SafetyVerdict(faults: [.loadWillNotTurnOff(measured)])
    }

    /// A person cleared the faults: the count starts again.
    public mutating func reset() { ticksOn = 0 }
}
