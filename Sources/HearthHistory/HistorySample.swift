/// The heater over one interval of its history (30 s as recorded; wider once a chart's points are
/// made of several): means over the control ticks it holds, the energy and earnings added within
/// it, and the faults latched at its end.
public struct HistorySample: Codable, Hashable, Sendable {
    /// The interval's start, seconds since 1970 (a multiple of the interval's length).
    public var time: Double
    /// Control ticks the sample holds.
    public var ticks: Int
    /// The room temperature, °C, the mean over the ticks that could read it; `nil` when none could.
    public var room: Double?
    /// The setpoint at the interval's last tick, °C.
    public var setpoint: Double
    /// The power target applied, W, the mean.
    public var powerWatts: Double
    /// Hashes a second, the mean.
    public var hashRate: Double
    /// The fan's duty, 0…1, the mean; `nil` on a board without a fan.
    public var fanDuty: Double?
    /// The fan's speed, rpm, the mean over the ticks that measured it; `nil` without a tach.
    public var fanRPM: Double?
    /// Heat delivered within the interval, kWh: the accounts' (the power meter's where the board
    /// has one), else the power applied over time.
    public var energyKWh: Double
    /// What the accepted shares earned within the interval, satoshis: the accounts' (after the
    /// pool's fee), else the pool's expected value.
    public var sats: Double
    /// The faults latched during the interval, oldest first (empty: none).
    public var faults: [String]

    /// A sample as given.
    public init(
        time: Double, ticks: Int = 1, room: Double?, setpoint: Double, powerWatts: Double, hashRate: Double = 0,
        fanDuty: Double? = nil, fanRPM: Double? = nil, energyKWh: Double = 0, sats: Double = 0, faults: [String] = []
    ) {
        self.time = time
        self.ticks = ticks
        self.room = room
        self.setpoint = setpoint
        self.powerWatts = powerWatts
        self.hashRate = hashRate
        self.fanDuty = fanDuty
        self.fanRPM = fanRPM
        self.energyKWh = energyKWh
        self.sats = sats
        self.faults = faults
    }
}

extension HistorySample {
    /// Sums of samples (or of ticks, each a sample of one tick) that make one wider sample: means
    /// weighted by ticks, each over the parts that had a value; energy and earnings added; the
    /// last setpoint; every fault once. The one place samples are combined, for recording and for
    /// a chart's points alike.
    struct Sums {
        /// A mean over the parts that had a value.
        struct Mean {
            var sum = 0.0
            var weight = 0.0
            mutating func add(_ value: Double?, weight: Int) {
                guard let value else { return }
                sum += value * Double(weight)
                self.weight += Double(weight)
            }
            var value: Double? { weight > 0 ? sum / weight : nil }
        }

        let time: Double
        var ticks = 0
        var room = Mean(), power = Mean(), hashRate = Mean(), fanDuty = Mean(), fanRPM = Mean()
        var setpoint = 0.0
        var energyKWh = 0.0
        var sats = 0.0
        var faults: [String] = []

        init(time: Double) { self.time = time }

        /// Adds a part; parts come in time order.
        mutating func add(_ part: HistorySample) {
            ticks += part.ticks
            room.add(part.room, weight: part.ticks)
            power.add(part.powerWatts, weight: part.ticks)
            hashRate.add(part.hashRate, weight: part.ticks)
            fanDuty.add(part.fanDuty, weight: part.ticks)
            fanRPM.add(part.fanRPM, weight: part.ticks)
            setpoint = part.setpoint
            energyKWh += part.energyKWh
            sats += part.sats
            for fault in part.faults where !faults.contains(fault) { faults.append(fault) }
        }

        var sample: HistorySample {
            HistorySample(
                time: time, ticks: ticks, room: room.value, setpoint: setpoint, powerWatts: power.value ?? 0,
                hashRate: hashRate.value ?? 0, fanDuty: fanDuty.value, fanRPM: fanRPM.value, energyKWh: energyKWh, sats: sats,
                faults: faults)
        }
    }

    /// `samples` (oldest first) made into one point per `width` seconds, each at the start of its
    /// span (a multiple of `width`, so the points stay put from one reading to the next): what a
    /// chart of a long range draws. A width at or below the samples' own leaves them as they are.
    public static func downsample(_ samples: [HistorySample], width: Double) -> [HistorySample] {
        guard width > 0 else { return samples }
        var points: [HistorySample] = []
        var sums: Sums?
        for sample in samples {
            let start = (sample.time / width).rounded(.down) * width
            if let current = sums, current.time != start {
                points.append(current.sample)
                sums = nil
            }
            sums = sums ?? Sums(time: start)
            sums?.add(sample)
        }
        if let sums { points.append(sums.sample) }
        return points
    }
}
