import HearthHAL

/// Safety layer: stuck and frozen values. A sensor whose raw value has not changed for its role's
/// `stuckAfter` since the power swung by `stuckPowerSwing` of the rated power is stuck (a real
/// sensor would have moved by then); one that has not changed at all for `frozenAfter`, whatever
/// the power, is frozen (a working sensor's last bit always flickers). A room or intake sensor
/// that has not changed at all for `flatWhileHeatedAfter` while compute was allowed at least
/// `flatWhileHeatedPower` of the rated power the whole time is flat while heated: a room heated
/// that hard moves, or at least stirs its air, within minutes (the room's energy balance); with
/// no such limit set it is not judged. Each latches.
public struct StuckSensorLayer: Sendable {
    /// The limits; this layer uses `stuckAfter`, `stuckPowerSwing`, `frozenAfter`,
    /// `flatWhileHeatedAfter` and `flatWhileHeatedPower`.
    public var limits: SafetyLimits

    private struct Track {
        var last: (value: Celsius, time: Duration)?
        /// The lowest and highest power seen while the value stood still.
        var powerSeen: (low: Double, high: Double)?
        var unchangedSince: Duration?
        /// When the power, with the value unchanged, first swung by the stuck threshold.
        var swingSince: Duration?
        /// Since when the value stood still with the heat on at `flatWhileHeatedPower` or more.
        var heatedSince: Duration?
    }
    private var tracks: [String: Track] = [:]

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one plausible value at `time`, with the power compute was allowed since the last
    /// tick. A power that is not a number widens nothing.
    public mutating func check(
        name: String, role: SensorRole, value: Celsius, at time: Duration, power: Watts, ratedPower: Watts
    ) -> SafetyVerdict {
        var track = tracks[name] ?? Track()
        defer { tracks[name] = track }
        var stuck = false
        if let last = track.last, last.value == value {
            let watts = power.value
            if !watts.isNaN {
                let seen = track.powerSeen.map { (low: min($0.low, watts), high: max($0.high, watts)) } ?? (watts, watts)
                track.powerSeen = seen
            }
            if track.swingSince == nil, let seen = track.powerSeen,
                seen.high - seen.low >= limits.stuckPowerSwing * ratedPower.value
            {
                track.swingSince = time
            }
            let since = track.unchangedSince ?? last.time
            track.unchangedSince = since
            let window = limits.stuckAfter[role] ?? .seconds(600)
            if let swing = track.swingSince, time - swing >= window { stuck = true }
            if time - since >= limits.frozenAfter { stuck = true }
            if role == .room || role == .intake, power.value >= limits.flatWhileHeatedPower * ratedPower.value,
                ratedPower > .zero
            {
                let heated = track.heatedSince ?? last.time
                track.heatedSince = heated
                if let after = limits.flatWhileHeatedAfter, time - heated >= after { stuck = true }
            } else {
                track.heatedSince = nil
            }
        } else {
            track.powerSeen = nil
            track.swingSince = nil
            track.unchangedSince = nil
            track.heatedSince = nil
        }
        track.last = (value, time)
        return stuck ? SafetyVerdict(faults: [.stuck(name, value)]) : .allClear
    }

    /// A person cleared the faults: every sensor's history starts again.
    public mutating func reset() { tracks = [:] }
}
