import HearthHAL

/// The on/off thermostat of appliance heaters: full power once the room is more than `band` below
/// the setpoint, nothing once it is more than `band` above, and inside the band whatever it was
/// doing. Kept as the baseline the PID is measured against.
public struct HysteresisRoomLaw: RoomLaw, Hashable {
    /// The half band, °C.
    public var band: Celsius
    /// Whether it is heating (the state that carries the band from tick to tick).
    public private(set) var isOn = false

    /// A thermostat that starts off, with a half band of `band` (°C).
    public init(band: Celsius = Celsius(0.5)) {
        self.band = band
    }

    /// `ratedPower` while on, zero while off, switching at the band's edges. A room or setpoint
    /// that is not a number asks for nothing and changes nothing.
    public mutating func demand(time: Duration, setpoint: Celsius, room: Celsius, ratedPower: Watts) -> Watts {
        guard room.isFinite, setpoint.isFinite else { return .zero }
        if room < setpoint - band { isOn = true }
        if room > setpoint + band { isOn = false }
        return isOn ? ratedPower : .zero
    }
}
