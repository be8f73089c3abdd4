import HearthHAL

/// A moment in the week, to the minute: Monday 00:00 is 0, Sunday 23:59 is 10 079. The daemon
/// makes it from the local wall clock; everything below it takes it as a value.
public struct WeekTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 10 080.
    public static let minutesPerWeek = 7 * 24 * 60
    /// Minutes since Monday 00:00, 0 … 10 079.
    public let minute: Int

    /// `weekday` 1 (Monday) … 7 (Sunday); `nil` for a day, hour or minute out of range.
    public init?(weekday: Int, hour: Int, minute: Int) {
        guard (1...7).contains(weekday), (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        self.minute = ((weekday - 1) * 24 + hour) * 60 + minute
    }

    /// Any minute count, wrapped into the week (negative counts back from Monday 00:00).
    public init(minuteOfWeek: Int) {
        minute = ((minuteOfWeek % Self.minutesPerWeek) + Self.minutesPerWeek) % Self.minutesPerWeek
    }

    /// Earlier in the week (Monday first).
    public static func < (lhs: WeekTime, rhs: WeekTime) -> Bool { lhs.minute < rhs.minute }

    /// E.g. "Sun 23:59".
    public var description: String {
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let hour = minute / 60 % 24, minutes = minute % 60
        return "\(days[minute / 1440]) \(hour < 10 ? "0" : "")\(hour):\(minutes < 10 ? "0" : "")\(minutes)"
    }
}

/// A weekly schedule of setpoints and modes: each slot holds from its start until the next
/// slot's, the last of the week running on into the first.
public struct Schedule: Hashable, Sendable {
    /// From `start` until the next slot's, hold `setpoint` in `mode`.
    public struct Slot: Hashable, Sendable {
        /// When the slot begins.
        public var start: WeekTime
        /// The room temperature to hold.
        public var setpoint: Celsius
        /// The mode to hold it in.
        public var mode: Mode
        /// A slot, heating by default.
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

    /// The weekly schedule it follows when no one has set a value by hand.
    public var schedule: Schedule
    private struct Override: Hashable, Sendable {
        var setpoint: Celsius
        var mode: Mode
        var until: WeekTime
        var setAt: WeekTime
    }
    private var manual: Override?

    /// A thermostat following `schedule`, nothing set by hand.
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

/// One entry of a weekly schedule as a person writes it, in the configuration file or through
/// the API: from `at` ("HH:MM") on each of `days` (every day when absent), hold `setpoint` in
/// `mode` (heat when absent).
public struct ScheduleEntry: Codable, Hashable, Sendable {
    /// The day names an entry may use, Monday first.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Day names from `dayNames` (any case); `nil`: every day.
    public var days: [String]?
    /// "HH:MM", 00:00 to 23:59.
    public var at: String
    /// °C, within `Thermostat.setpointRange`.
    public var setpoint: Double
    /// A `Mode` raw value; `nil`: heat.
    public var mode: String?

    /// An entry as written; checked only when made into a schedule.
    public init(days: [String]? = nil, at: String, setpoint: Double, mode: String? = nil) {
        self.days = days
        self.at = at
        self.setpoint = setpoint
        self.mode = mode
    }

    /// What is wrong with an entry: which one (`index`), which field, and why.
    public struct Problem: Error, Hashable, Sendable {
        /// Which entry, from zero.
        public var index: Int
        /// Which of its fields.
        public var field: String
        /// What is wrong, in words.
        public var reason: String
    }

    /// The entries as one weekly schedule, each entry's time on each of its days; `nil` for no
    /// entries. `name` is how the reasons call the list (e.g. "schedule" for `schedule[2]`).
    public static func schedule(_ entries: [ScheduleEntry], name: String) throws(Problem) -> Schedule? {
        var slots: [Schedule.Slot] = []
        var owner: [WeekTime: Int] = [:]
        for (index, entry) in entries.enumerated() {
            func problem(_ field: String, _ reason: String) -> Problem { Problem(index: index, field: field, reason: reason) }
            let days = entry.days ?? dayNames
            guard !days.isEmpty else { throw problem("days", "must name at least one day (\(dayNames.joined(separator: ", ")))") }
            guard let minuteOfDay = minuteOfDay(entry.at) else {
                throw problem("at", "\"\(entry.at)\" is not a time of day as HH:MM (00:00 to 23:59)")
            }
            let (hour, minute) = (minuteOfDay / 60, minuteOfDay % 60)
            let range = Thermostat.setpointRange
            guard entry.setpoint.isFinite, range.contains(entry.setpoint) else {
                throw problem("setpoint", "\(entry.setpoint) is outside the allowed \(range.lowerBound)…\(range.upperBound)")
            }
            guard let mode = Mode(rawValue: entry.mode ?? "heat") else {
                throw problem("mode", "\"\(entry.mode ?? "")\" is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for day in days {
                guard let weekday = dayNames.firstIndex(of: day.lowercased()) else {
                    throw problem("days", "\"\(day)\" is not a day (\(dayNames.joined(separator: ", ")))")
                }
                // The day, hour and minute were checked above; the guard keeps a slip there from trapping.
                guard let start = WeekTime(weekday: weekday + 1, hour: hour, minute: minute) else {
                    throw problem("at", "\"\(entry.at)\" on \(day) is not a time of the week")
                }
                if let other = owner[start] { throw problem("at", "\(start) is already the start of \(name)[\(other)]") }
                owner[start] = index
                slots.append(Schedule.Slot(start: start, setpoint: Celsius(entry.setpoint), mode: mode))
            }
        }
        return Schedule(slots)
    }
}

extension Schedule {
    /// The schedule as entries, one per slot, in week order.
    public var entries: [ScheduleEntry] {
        slots.map { slot in
            let hour = slot.start.minute / 60 % 24, minute = slot.start.minute % 60
            return ScheduleEntry(
                days: [ScheduleEntry.dayNames[slot.start.minute / 1440]],
                at: "\(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)", setpoint: slot.setpoint.value,
                mode: slot.mode.rawValue)
        }
    }
}

/// The minutes after midnight of a time of day written "HH:MM" (00:00 to 23:59; "7:30" too);
/// `nil` for anything else.
public func minuteOfDay(_ text: String) -> Int? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2, let hour = Int(parts[0]),
        let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
    else { return nil }
    return hour * 60 + minute
}
