import HearthHAL

/// A law that turns the room's temperature into heat demand. Laws are interchangeable: the
/// controller feeds one the time and the readings each tick and never looks inside it. Time is
/// always passed in, never read, so a law runs the same on a Pi, on virtual time and in a test.
public protocol RoomLaw: Sendable {
    /// The heat the room asks for at `time` (any monotonic timeline), in watts, between zero and
    /// `ratedPower`. `room` is a temperature that was read: the controller never asks a law about an
    /// unknown room (it heats nothing then). A law does not fail; bad numbers give zero or bounded
    /// demand, never a trap.
    mutating func demand(time: Duration, setpoint: Celsius, room: Celsius, ratedPower: Watts) -> Watts

    /// The heater starts heating again after asking for nothing (the mode left `off`, or the first
    /// tick): a law with memory takes over from zero demand without a bump. The default forgets
    /// nothing.
    mutating func resume(time: Duration, setpoint: Celsius, room: Celsius)
}

extension RoomLaw {
    /// Nothing to take over: a law without memory of its output just carries on.
    public mutating func resume(time: Duration, setpoint: Celsius, room: Celsius) {}
}

/// The room laws a person can choose (`hearth simulate --controller`): the PID, or the on/off
/// thermostat appliance heaters use (kept as the baseline the PID is measured against).
public enum RoomLawKind: String, Hashable, Sendable, CaseIterable {
    /// `PIDRoomLaw`.
    case pid
    /// `HysteresisRoomLaw`, the ±0.5 °C on/off thermostat.
    case hysteresis

    /// A fresh law of this kind for `settings`: the PID with the room gains and an output range
    /// of zero to the rated power; the hysteresis law with its ±0.5 °C band.
    public func makeLaw(for settings: ControllerSettings) -> any RoomLaw {
        switch self {
        case .pid: PIDRoomLaw(gains: settings.roomGains, ratedPower: settings.ratedPower)
        case .hysteresis: HysteresisRoomLaw()
        }
    }
}
