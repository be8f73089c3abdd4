import HearthHAL

/// A fault a scenario injects into the simulated heater at a moment.
public enum InjectedFault: Hashable, Sendable {
    /// The sensors on a probe freeze at their current reading.
    case stuck(SimWorld.Probe)
    /// The sensors on a probe wander off at this rate an hour (negative: downwards).
    case drift(SimWorld.Probe, perHour: Celsius)
    /// The sensors on a probe jump by this much and stay there.
    case jump(SimWorld.Probe, by: Celsius)
    /// The sensors on a probe stop answering.
    case gone(SimWorld.Probe)
    /// The sensors on a probe fall off their mount and read the room air instead.
    case offMount(SimWorld.Probe)
    /// The sensors on a probe miss their next `count` acknowledges.
    case nackBurst(SimWorld.Probe, count: Int)
    /// The fan's rotor is blocked.
    case fanStall
    /// The fan's tach wire breaks.
    case tachLost
    /// The I²C bus locks up (SDA held low).
    case busLockup
    /// The hash board's supply stays on at full whatever it is told (a regulator that does not
    /// turn off): the heat, and the power meter, no longer follow the target.
    case supplyStuckOn

    /// The faults by the names scenarios use (`fault-<name>`).
    public static let named: [String: InjectedFault] = [
        "stuck-room": .stuck(.air), "drift-room": .drift(.air, perHour: Celsius(20)),
        "drift-room-down": .drift(.air, perHour: Celsius(-20)), "jump-room": .jump(.air, by: Celsius(8)),
        "gone-room": .gone(.air), "stuck-heatsink": .stuck(.heatSink), "gone-heatsink": .gone(.heatSink),
        "off-mount": .offMount(.heatSink), "nack-burst": .nackBurst(.air, count: 2), "fan-stall": .fanStall,
        "tach-lost": .tachLost, "bus-lockup": .busLockup, "supply-stuck-on": .supplyStuckOn,
    ]
}
