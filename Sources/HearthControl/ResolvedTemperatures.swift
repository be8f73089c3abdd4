import HearthHAL

/// The temperatures the loops run on, resolved from one tick's readings by one rule, so the
/// control loop, the safety supervisor and whatever reports them agree on which sensor is the room.
///
/// - The room is the board's first `.room` sensor; a board with none uses its first `.intake`
///   sensor (the air it draws in is the room's). If that sensor failed this tick, the room's value
///   is unknown (`nil`): another sensor is not silently promoted, and compute stops.
/// - The heat sink is the hottest `.chip` reading; unknown if any chip sensor failed (the one that
///   failed could be the hot one); on a board with no chip sensor at all, the room's value (a heat
///   sink at rest sits at room temperature, so the fan loop still has something to hold).
/// - The exhaust is the hottest exhaust reading that read; unknown if none did.
public struct ResolvedTemperatures: Hashable, Sendable {
    /// Which sensor stands for the room, and what it read.
    public struct Room: Hashable, Sendable {
        /// The sensor's name on the board.
        public var name: String
        /// `.room`, or `.intake` on a board without a room sensor.
        public var role: SensorRole
        /// The room temperature, °C; `nil` when that sensor failed this tick.
        public var value: Celsius?

        /// A room as a test or a report states it.
        public init(name: String, role: SensorRole, value: Celsius?) {
            self.name = name
            self.role = role
            self.value = value
        }
    }

    /// The room; `nil` when the board has neither a room nor an intake sensor.
    public var room: Room?
    /// The heat sink temperature the fan loop and the allocator use, °C; `nil` when unknown.
    public var heatSink: Celsius?
    /// The hottest exhaust air, °C; `nil` when no exhaust sensor read.
    public var exhaust: Celsius?
    /// The air outdoors, from the first outdoor sensor; `nil` without one, or when it failed or
    /// read outside -50…60 °C.
    public var outdoor: Celsius?

    /// Resolves one tick's readings, in board order. Never fails: what cannot be known is `nil`.
    public init(_ readings: [SensorReading]) {
        let chosen = readings.first { $0.role == .room } ?? readings.first { $0.role == .intake }
        room = chosen.map { Room(name: $0.name, role: $0.role, value: $0.value) }
        let chips = readings.filter { $0.role == .chip }.map(\.value)
        if chips.isEmpty {
            heatSink = room?.value
        } else if chips.contains(where: { $0 == nil }) {
            heatSink = nil
        } else {
            heatSink = chips.compactMap { $0 }.max()
        }
        exhaust = readings.filter { $0.role == .exhaust }.compactMap(\.value).max()
        outdoor = readings.first { $0.role == .outdoor }?.value.flatMap { (-50...60).contains($0.value) ? $0 : nil }
    }

    /// The room temperature, °C; `nil` when there is no room sensor or it failed.
    public var roomTemperature: Celsius? { room?.value }
}
