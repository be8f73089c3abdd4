import HearthHAL

/// A moment in the week, to the minute: Monday 00:00 is 0, Sunday 23:59 is 10 079. The daemon
/// makes it from the local wall clock; everything below it takes it as a value.
public struct WeekTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let minutesPerWeek = 7 * 24 * 60
    public let minute: Int

    /// `weekday` 1 (Monday) … 7 (Sunday); `nil` for a day, hour or minute out of range.
    public init?(weekday: Int, hour: Int, minute: Int) {
        guard (1...7).contains(weekday), (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.minute = ((weekday - 1) * 24 + hour) * 60 + minute
    }

    public init(minuteOfWeek: Int) {
        minute = ((minuteOfWeek % Self.minutesPerWeek) + Self.minutesPerWeek) % Self.minutesPerWeek
    }

    public static func < (lhs: WeekTime, rhs: WeekTime) -> Bool { lhs.minute < rhs.minute }

    public var description: String {
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let hour = minute / 60 % 24, minutes = minute % 60
        return "\(days[minute / 1440]) \(hour < 10 ? "0" : "")\(hour):\(minutes < 10 ? "0" : "")\(minutes)"
    }
}

/// A weekly schedule of setpoints and modes: each slot holds from its start until the next
/// slot's, the last of the week running on into the first.
public struct Schedule: Hashable, Sendable {
    public struct Slot: Hashable, Sendable {
        public var start: WeekTime
        public var setpoint: Celsius
        public var mode: Mode
        public init(start: WeekTime, setpoint: Celsius, mode: Mode = .heat) {
            self.start = start
            self.setpoint = setpoint
            self.mode = mode
        }
    }

    /// Slots in week order.
    public let slots: [Slot]

    /// `nil` for an empty schedule or two slots starting at the same minute.
    public init?(_ slots: [Slot]) {
        let sorted = slots.sorted { $0.start < $1.start }
        guard !sorted.isEmpty, Set(sorted.map(\.start)).count == sorted.count else { return nil }
        self.slots = sorted
    }

    /// The slot in force at `time`.
    public func slot(at time: WeekTime) -> Slot {
        slots.last { $0.start <= time } ?? slots[slots.count - 1]
    }

    /// When the slot after the one in force at `time` starts.
    public func nextChange(after time: WeekTime) -> WeekTime {
        slots.first { $0.start > time }?.start ?? slots[0].start
    }
}

/// The setpoint and mode in force: the schedule's, unless a person set one by hand, which then
/// holds until the next slot of the schedule starts.
public struct Thermostat: Hashable, Sendable {
    /// The setpoints a person may ask for, °C.
    public static let setpointRange: ClosedRange<Double> = 5...30

    public var schedule: Schedule
    private struct Override: Hashable, Sendable {
        var setpoint: Celsius
        var mode: Mode
        var until: WeekTime
        var setAt: WeekTime
    }
    private var manual: Override?

    public init(schedule: Schedule) {
        self.schedule = schedule
    }

    /// A setpoint and mode set by hand at `time`; they hold until the schedule's next slot.
    public mutating func setManually(setpoint: Celsius, mode: Mode, at time: WeekTime) {
        manual = Override(setpoint: setpoint, mode: mode, until: schedule.nextChange(after: time), setAt: time)
    }

    /// Whether a hand-set value is in force at `time`.
    public func isOverridden(at time: WeekTime) -> Bool { activeManual(at: time) != nil }

    /// What holds at `time`.
    public func target(at time: WeekTime) -> (setpoint: Celsius, mode: Mode) {
        if let manual = activeManual(at: time) { return (manual.setpoint, manual.mode) }
        let slot = schedule.slot(at: time)
        return (slot.setpoint, slot.mode)
    }

    private func activeManual(at time: WeekTime) -> Override? {
        guard let manual else { return nil }
        // Minutes since it was set, and until it ends, both forward through the week.
        let elapsed = (time.minute - manual.setAt.minute + WeekTime.minutesPerWeek) % WeekTime.minutesPerWeek
        let span = (manual.until.minute - manual.setAt.minute + WeekTime.minutesPerWeek) % WeekTime.minutesPerWeek
        return elapsed < (span == 0 ? WeekTime.minutesPerWeek : span) ? manual : nil
    }
}
