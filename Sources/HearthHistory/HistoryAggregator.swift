import HearthControl

/// Makes control ticks into history samples, one per `interval` of wall time: each tick joins
/// the sample of the interval its wall time falls in (intervals start at multiples of the
/// interval since 1970), and the first tick of another interval finishes the one before. Pure:
/// time is the snapshots' own.
public struct HistoryAggregator: Sendable {
    /// The length of a sample, seconds.
    public let interval: Double
    private var sums: HistorySample.Sums?
    /// The last tick's energy and earnings counters, whose increase is what a tick adds.
    private var counters: (energyKWh: Double, sats: Double)?

    /// An aggregator of `interval`-long samples (30 s by default).
    public init(interval: Duration = .seconds(30)) {
        self.interval = interval / .seconds(1)
    }

    /// The sample under way (from its interval's first tick on); `nil` before the first tick.
    public var current: HistorySample? { sums?.sample }

    /// Adds a tick; returns the sample it finished, when it is the first of another interval.
    public mutating func add(_ snapshot: TickSnapshot) -> HistorySample? {
        let start = (snapshot.wallTime / interval).rounded(.down) * interval
        var finished: HistorySample?
        if let sums, sums.time != start {
            finished = sums.sample
            self.sums = nil
        }
        var sums = self.sums ?? HistorySample.Sums(time: start)
        sums.add(tick(snapshot))
        self.sums = sums
        return finished
    }

    /// A tick as a sample of one tick: the energy and earnings are what its counters gained since
    /// the last tick (nothing for the first, whose counters may hold what came before the start).
    private mutating func tick(_ snapshot: TickSnapshot) -> HistorySample {
        let now = (
            energyKWh: snapshot.accounts?.ledger.lifetime.energyKWh ?? snapshot.energyKWh,
            sats: snapshot.accounts?.ledger.lifetime.sats ?? snapshot.pool?.expectedSats ?? 0)
        let last = counters ?? now
        counters = now
        return HistorySample(
            time: snapshot.wallTime, room: snapshot.room?.value, setpoint: snapshot.setpoint.value,
            powerWatts: snapshot.appliedPower.value, hashRate: snapshot.engine?.hashRate ?? 0,
            fanDuty: snapshot.fanSpeed == nil ? nil : snapshot.output.fanDuty.value, fanRPM: snapshot.fanRPM?.value,
            energyKWh: max(now.energyKWh - last.energyKWh, 0), sats: max(now.sats - last.sats, 0), faults: snapshot.faults)
    }
}
