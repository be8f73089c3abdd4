/// What a temperature sensor measures, as a board file names it. The control loops pick their
/// inputs by role: the thermostat the room, the fan loop the chip and exhaust.
public enum SensorRole: String, Hashable, Sendable, CaseIterable, Codable {
    /// The room air the thermostat holds at the setpoint.
    case room
    /// The air entering the heater (a room reading when no room sensor is fitted).
    case intake
    /// The air leaving the heater.
    case exhaust
    /// The controller board or the SoC.
    case board
    /// A hash chip or its heat sink.
    case chip
    /// The air outside the house (a probe through the wall): optimal start's warm-up rate follows
    /// the room's lead over it. It guards nothing, so the safety supervisor does not judge it; a
    /// reading outside -50…60 °C, or none, leaves optimal start without it.
    case outdoor
}

/// A temperature sensor.
public protocol TemperatureSensor: Sendable {
    /// A name for messages and status, e.g. `room` or `tmp102@0x48`.
    var name: String { get }
    /// Takes a reading. A sensor that cannot give a trustworthy value throws; it never returns a
    /// made-up number such as 0 °C.
    func readTemperature() throws(HALError) -> Celsius
}

/// A fan: a speed command and, when fitted, a tachometer.
public protocol Fan: Sendable {
    /// A name for messages and status.
    var name: String { get }
    /// Sets the drive duty, 0 (stopped, if the fan allows) to 1 (full).
    func setDuty(_ duty: DutyCycle) throws(HALError)
    /// The measured speed, or `nil` for a fan without a tachometer.
    func speed() throws(HALError) -> RPM?
}

/// One reading of a power meter.
public struct PowerReading: Hashable, Sendable {
    public var voltage: Volts
    public var current: Amperes
    public var power: Watts

    public init(voltage: Volts, current: Amperes, power: Watts) {
        self.voltage = voltage
        self.current = current
        self.power = power
    }
}

/// A power meter on the heater's supply.
public protocol PowerMeter: Sendable {
    /// A name for messages and status.
    var name: String { get }
    /// Takes a reading.
    func readPower() throws(HALError) -> PowerReading
}

/// A regulator whose output voltage can be set: a hash board's core supply.
public protocol VoltageRegulator: Sendable {
    /// A name for messages and status.
    var name: String { get }
    /// Sets the output as near `volts` as the regulator can make it, and returns what it set;
    /// a voltage outside its range is refused (`outOfRange`) and nothing changes.
    @discardableResult
    func setVoltage(_ volts: Volts) throws(HALError) -> Volts
}
