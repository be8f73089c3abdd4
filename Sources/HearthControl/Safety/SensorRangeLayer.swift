import HearthHAL

/// Safety layer: sensor range. A value outside its role's plausible range (or not a number) is a
/// broken sensor or wiring, not a temperature: it latches. No memory; a role without a range in
/// the limits is not judged.
public struct SensorRangeLayer: Sendable {
    /// The limits; this layer uses `plausible`.
    public var limits: SafetyLimits

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one value a sensor read. The other layers do not judge a value this one finds
    /// implausible.
    public func check(name: String, role: SensorRole, value: Celsius) -> SafetyVerdict {
        // A value that is not a number is never plausible, whatever the role's range (or none).
        guard !value.isFinite || limits.plausible[role].map({ !$0.contains(value.value) }) == true else { return .allClear }
        return SafetyVerdict(faults: [.implausible(name, value)])
    }
}
