import HearthHAL

/// Safety layer: thermal runaway (Klipper's heating-gain check, turned round). After
/// `runawayAfter` at `runawayPower` of the rated power or more, the heat sink must sit at least
/// `runawayKelvinPerWatt` × power above the room; one that does not has most likely fallen off
/// its mount and reads the room while the chips cook. It latches. With no room or no heat sink
/// reading it judges nothing that tick (the time at power still counts).
public struct RunawayLayer: Sendable {
    /// The limits; this layer uses `runawayAfter`, `runawayPower` and `runawayKelvinPerWatt`.
    public var limits: SafetyLimits
    private var heatingSince: Duration?

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one tick: the room, the hottest heat sink (by name), and the power compute was
    /// allowed since the last tick.
    public mutating func check(
        room: Celsius?, heatSink: (name: String, value: Celsius)?, power: Watts, ratedPower: Watts, at time: Duration
    ) -> SafetyVerdict {
        heatingSince = power.value >= limits.runawayPower * ratedPower.value ? heatingSince ?? time : nil
        guard let since = heatingSince, time - since >= limits.runawayAfter, let room, let heatSink,
            (heatSink.value - room).value < limits.runawayKelvinPerWatt * power.value
        else { return .allClear }
        return SafetyVerdict(faults: [.runaway(heatSink.name, heatSink.value)])
    }

    /// A person cleared the faults: the time at power counts again from the next tick.
    public mutating func reset() { heatingSince = nil }
}
