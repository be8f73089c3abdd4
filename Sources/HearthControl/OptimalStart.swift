import HearthHAL

/// How fast the heater warms its room at full power, learned from its own history: the room's
/// rise over windows of steady full-power heating, as a straight line in the difference between
/// the room and outdoors (the warmer the room against outside, the more of the heat leaks away,
/// the slower it rises). Without an outdoor reading the line is flat: the mean rate. Until it has
/// seen enough, it answers with a cautious rate, so that a heater new to its room starts early
/// rather than late.
public struct WarmUpModel: Hashable, Sendable {
    /// One window: °C per hour at full power, with the room's lead over outdoors then (`nil`
    /// without an outdoor reading).
    public struct Observation: Hashable, Sendable, Codable {
        public var ratePerHour: Double
        public var lead: Double?

        public init(ratePerHour: Double, lead: Double?) {
            self.ratePerHour = ratePerHour
            self.lead = lead
        }
    }

    /// The rate assumed before any window was seen, °C/h.
    public var cautiousRate: Double
    /// The windows kept, newest last.
    public private(set) var observations: [Observation] = []
    /// How many windows are kept.
    public static let kept = 48
    /// The length of a window.
    public static let window = Duration.seconds(15 * 60)

    private struct WindowStart: Hashable, Sendable {
        var time: Duration
        var room: Double
    }

    private var windowStart: WindowStart?
    private var outdoorSum = 0.0, outdoorCount = 0

    /// A model that starts from windows kept from before (the newest `kept` of them).
    public init(cautiousRate: Double = 1.0, observations: [Observation] = []) {
        self.cautiousRate = cautiousRate
        self.observations = Array(observations.suffix(Self.kept))
    }

    /// Feeds one tick: the room, outdoors (if read), and whether the heater ran at full power.
    /// A window of full power that ends adds its rate; anything else (less power, a lost reading)
    /// starts afresh.
    public mutating func observe(time: Duration, room: Double?, outdoor: Double?, fullPower: Bool) {
        guard fullPower, let room, room.isFinite else {
            windowStart = nil
            return
        }
        guard let start = windowStart else {
            windowStart = WindowStart(time: time, room: room)
            outdoorSum = 0
            outdoorCount = 0
            return
        }
        if let outdoor, outdoor.isFinite {
            outdoorSum += outdoor
            outdoorCount += 1
        }
        let elapsed = time - start.time
        guard elapsed >= Self.window else { return }
        let rate = (room - start.room) / (elapsed / .seconds(3600))
        let lead = outdoorCount > 0 ? (room + start.room) / 2 - outdoorSum / Double(outdoorCount) : nil
        if rate.isFinite, rate > 0 {
            observations.append(Observation(ratePerHour: rate, lead: lead))
            if observations.count > Self.kept { observations.removeFirst(observations.count - Self.kept) }
        }
        windowStart = WindowStart(time: time, room: room)
        outdoorSum = 0
        outdoorCount = 0
    }

    /// The rise expected at full power, °C per hour, with the room `lead` °C above outdoors
    /// (`nil`: unknown); never above what was seen, never below a tenth of the cautious rate.
    public func rate(lead: Double?) -> Double {
        guard observations.count >= 2 else { return cautiousRate }
        let rates = observations.map(\.ratePerHour)
        let mean = rates.reduce(0, +) / Double(rates.count)
        let floor = cautiousRate / 10
        let paired = observations.compactMap { observation in observation.lead.map { ($0, observation.ratePerHour) } }
        guard let lead, paired.count >= 4 else { return max(mean, floor) }
        // Least squares: rate = a + b · lead.
        let n = Double(paired.count)
        let meanLead = paired.map(\.0).reduce(0, +) / n, meanRate = paired.map(\.1).reduce(0, +) / n
        let spread = paired.map { ($0.0 - meanLead) * ($0.0 - meanLead) }.reduce(0, +)
        guard spread > 1 else { return max(meanRate, floor) }
        let slope = min(paired.map { ($0.0 - meanLead) * ($0.1 - meanRate) }.reduce(0, +) / spread, 0)
        return min(max(meanRate + slope * (lead - meanLead), floor), rates.max() ?? meanRate)
    }

    /// Hours at full power to warm the room from `room` to `target` °C with outdoors at `outdoor`
    /// (`nil`: unknown): the rise slows as the room's lead over outdoors grows, so the rate is
    /// taken at each tenth of a degree on the way, not only where the room starts.
    public func hoursToWarm(from room: Double, to target: Double, outdoor: Double?) -> Double {
        guard target > room else { return 0 }
        let steps = Int(((target - room) / 0.1).rounded(.up))
        let step = (target - room) / Double(steps)
        return (0..<steps).reduce(0) { hours, index in
            hours + step / rate(lead: outdoor.map { room + step * (Double(index) + 0.5) - $0 })
        }
    }
}

/// Optimal start: the thermostat begins heating for a scheduled setpoint early enough that the
/// room reaches it at the scheduled time, as good thermostats do (ecobee's Smart Recovery, Nest's
/// early-on). Only a rise into a heating slot (heat or boost) starts early; eco and night
/// setpoints stay as scheduled, and no start is earlier than `limit` before its slot.
public struct OptimalStart: Hashable, Sendable {
    /// The earliest a start may come before its slot.
    public var limit: Duration
    /// Time added to the estimate for the controller's approach to the setpoint, which slows as it
    /// nears it.
    public var margin: Duration

    public init(limit: Duration = .seconds(3 * 3600), margin: Duration = .seconds(10 * 60)) {
        self.limit = limit
        self.margin = margin
    }

    /// The slot whose heating started early, until it begins.
    private var started: WeekTime?

    /// The setpoint and mode to hold now: the slot coming up once heating for it must start (and
    /// from then until it begins, whatever the room does meanwhile), else `current`. `room` and
    /// `outdoor` are the readings now; `model` is what was learned.
    public mutating func target(
        at time: WeekTime, schedule: Schedule, current: (setpoint: Celsius, mode: Mode), room: Celsius?, outdoor: Celsius?,
        model: WarmUpModel
    ) -> (setpoint: Celsius, mode: Mode) {
        let next = schedule.nextChange(after: time)
        let slot = schedule.slot(at: next)
        let minutesAway = (next.minute - time.minute + WeekTime.minutesPerWeek) % WeekTime.minutesPerWeek
        let away = Duration.seconds(60 * minutesAway)
        guard slot.mode == .heat || slot.mode == .boost, slot.setpoint > current.setpoint || current.mode == .off,
            away > .zero, away <= limit
        else {
            started = nil
            return current
        }
        if started == next { return (slot.setpoint, slot.mode) }
        guard let room, room.value < slot.setpoint.value else { return current }
        let hours = model.hoursToWarm(from: room.value, to: slot.setpoint.value, outdoor: outdoor?.value)
        let needed = Duration.seconds(hours * 3600) + margin
        guard needed >= away else { return current }
        started = next
        return (slot.setpoint, slot.mode)
    }
}
