import HearthHAL

/// Closes the CPU engine's power loop on a measurement: the power model says how many threads at
/// what duty give a target, a processor rarely agrees to the watt, so the difference between the
/// target and the power measured over a window is integrated into a trim on what the model is
/// asked for. Pure: the measurements come in.
public struct PowerTrim: Hashable, Sendable {
    /// The share of the remaining error corrected at each update (0…1).
    public var gain: Double
    /// The trim stays within ± this, so a wrong meter cannot run the engine far from its model.
    public var limit: Watts
    public private(set) var trim = Watts(0)

    public init(gain: Double = 0.5, limit: Watts) {
        self.gain = gain
        self.limit = limit
    }

    /// What to ask the model for, to draw `target`.
    public func command(for target: Watts) -> Watts {
        target.value > 0 ? Watts(max(target.value + trim.value, 0)) : Watts(0)
    }

    /// After drawing `measured` on average while `target` was the aim: moves the trim by `gain`
    /// of the error. Nothing is learnt while the engine is off (target zero).
    public mutating func update(target: Watts, measured: Watts) {
        guard target.value > 0, measured.value.isFinite else { return }
        let next = trim.value + gain * (target.value - measured.value)
        trim = Watts(min(max(next, -limit.value), limit.value))
    }
}

/// Average power from successive readings of an energy counter (µJ) that wraps at `range`.
public struct EnergyRate: Hashable, Sendable {
    public let range: UInt64
    private var lastEnergy: UInt64?
    private var lastTime = Duration.zero

    public init(range: UInt64) {
        self.range = range
    }

    /// The mean power since the previous reading; `nil` for the first, or when no time passed.
    public mutating func add(energy: UInt64, at time: Duration) -> Watts? {
        defer {
            lastEnergy = energy
            lastTime = time
        }
        guard let lastEnergy, time > lastTime else { return nil }
        let used = energy >= lastEnergy ? energy - lastEnergy : range - lastEnergy + energy
        return Watts(Double(used) / 1e6 / (time - lastTime).seconds)
    }
}

/// The CPU engine's power loop closed on an energy counter: each call gives the command for the
/// current target; every `window` the mean power measured is compared with the mean target over
/// the same window (the target may change every tick) and the trim moved. An unreadable counter
/// leaves the trim as it is: the model alone, plus what was learnt.
public struct MeasuredPowerLoop: Hashable, Sendable {
    public private(set) var trim: PowerTrim
    public let window: Duration
    private var rate: EnergyRate
    private var target = Watts(0)
    private var lastCall: Duration?
    private var windowStart: Duration?
    /// The target's integral over the current window, J.
    private var targetEnergy = 0.0

    public init(range: UInt64, limit: Watts, window: Duration = .seconds(5)) {
        trim = PowerTrim(limit: limit)
        self.window = window
        rate = EnergyRate(range: range)
    }

    public mutating func command(for target: Watts, energy: UInt64?, at time: Duration) -> Watts {
        if let lastCall { targetEnergy += self.target.value * (time - lastCall).seconds }
        lastCall = time
        self.target = target
        guard let energy else { return trim.command(for: target) }
        if let start = windowStart {
            if time - start >= window {
                if let measured = rate.add(energy: energy, at: time) {
                    trim.update(target: Watts(targetEnergy / (time - start).seconds), measured: measured)
                }
                windowStart = time
                targetEnergy = 0
            }
        } else {
            _ = rate.add(energy: energy, at: time)
            windowStart = time
            targetEnergy = 0
        }
        return trim.command(for: target)
    }
}
