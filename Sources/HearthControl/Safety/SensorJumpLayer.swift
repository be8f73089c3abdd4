import HearthHAL

/// Safety layer: jumps. A value that moved from the sensor's last one faster than its role's
/// believable rate (°C per second) latches: a room does not warm by 15 °C in half a second, a
/// loose contact does. A change within `jumpFlicker` is never a jump, however close the reads:
/// a working sensor's last bits flicker, and at a fast tick rate one step of 1/16 °C over 50 ms
/// would otherwise read as 1.25 °C/s, two steps as 2.5.
public struct SensorJumpLayer: Sendable {
    /// The limits; this layer uses `maxRate` and `jumpFlicker`.
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
        let dt = max((time - previous.time).seconds, 0)
        guard abs((value - previous.value).value) > rate * dt + limits.jumpFlicker else { return .allClear }
        return SafetyVerdict(faults: [.jump(name, from: previous.value, to: value)])
    }

    /// A person cleared the faults: no value is remembered.
    public mutating func reset() { last = [:] }
}
