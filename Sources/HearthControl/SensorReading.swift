import HearthHAL

/// One sensor's reading in one tick, as every layer above the drivers sees it: the sensor's name
/// and role on the board, and the temperature it read or the error that stood in for it. A failed
/// read stays a failure all the way up (never a 0 °C reading), so each consumer decides what an
/// unknown temperature means for it.
public struct SensorReading: Hashable, Sendable {
    /// The sensor's name on the board (the key of its fault latches and its calibration).
    public var name: String
    /// What the sensor measures.
    public var role: SensorRole
    /// The temperature read, °C, or the driver's error.
    public var reading: Result<Celsius, HALError>

    /// A reading as the control loop takes it from a driver.
    public init(name: String, role: SensorRole, reading: Result<Celsius, HALError>) {
        self.name = name
        self.role = role
        self.reading = reading
    }

    /// The temperature, or `nil` where the read failed.
    public var value: Celsius? { try? reading.get() }
}
