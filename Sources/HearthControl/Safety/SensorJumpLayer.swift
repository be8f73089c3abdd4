import HearthHAL

/// Safety layer: jumps. A value that moved from the sensor's last one faster than its role's
/// believable rate (°C per second) latches: a room does not warm by 15 °C in half a second, a
/// loose contact does. Two reads at the same instant are judged as a millisecond apart.
public struct SensorJumpLayer: Sendable {
    /// The limits; this layer uses `maxRate`.
    public var limits: SafetyLimits
    private var last: [String: (value: Celsius, time: Duration)] = [:]

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one plausible value at `time` against the sensor's last one, and remembers it.
    public mutating func check(name: String, role: SensorRole, value: Celsius, at time: Duration) -> SafetyVerdict {
        defer { last[name] = (value, time) }
        guard let previous = last[name], let rate = limits.maxRate[role] else { return .allClear }
        let dt = max((time - previous.time).seconds, 1e-3)
        guard abs((value - previous.value).value) / dt > rate else { return .allClear }
        return SafetyVerdict(faults: [.jump(name, from: previous.value, to: value)])
    }

    /// A person cleared the faults: no value is remembered.
    public mutating func reset() { last = [:] }
}
