import HearthHAL

/// The room PID: temperature error (°C) to heat demand (W), with a slow (60 s) derivative filter
/// because a room answers in minutes, and bumpless take-over from zero when heating resumes.
public struct PIDRoomLaw: RoomLaw, Hashable {
    /// The PID inside, for inspection (its integral, its last output).
    public private(set) var pid: PID

    /// `gains` in W/°C, W/(°C·s) and W·s/°C; the output runs from zero to `ratedPower` (zero for a
    /// rating that is not positive).
    public init(gains: PIDGains, ratedPower: Watts) {
        pid = PID(gains: gains, outputRange: 0...Self.ceiling(ratedPower), derivativeFilter: .seconds(60))
    }

    /// The PID's output for the room at `time`, zero to the rated power (the range follows the
    /// rating it is given).
    public mutating func demand(time: Duration, setpoint: Celsius, room: Celsius, ratedPower: Watts) -> Watts {
        // The range follows the rating it is told; callers today never change it after construction.
        let ceiling = Self.ceiling(ratedPower)
        if pid.outputRange.upperBound != ceiling { pid.outputRange = 0...ceiling }
        return Watts(pid.update(time: time, setpoint: setpoint.value, measurement: room.value))
    }

    /// Takes over from zero demand: the integral is set so the next output starts from nothing.
    public mutating func resume(time: Duration, setpoint: Celsius, room: Celsius) {
        pid.takeOver(output: 0, time: time, setpoint: setpoint.value, measurement: room.value)
    }

    /// The top of the output range: a rating that is negative or NaN would make an invalid range
    /// (a trap), so it gives zero demand instead.
    private static func ceiling(_ ratedPower: Watts) -> Double { ratedPower.value > 0 ? ratedPower.value : 0 }
}
