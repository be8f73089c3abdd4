import HearthControl
import Synchronization

/// Where the API and the dashboard read the heater's history: the samples of a span, and what,
/// if anything, went wrong with keeping them.
public protocol HistorySource: Sendable {
    /// The length of a recorded sample, seconds.
    var sampleSeconds: Double { get }
    /// The samples from `start` to `end` (seconds since 1970), oldest first, the one under way
    /// last.
    func samples(from start: Double, to end: Double) async -> [HistorySample]
    /// The newest sample's time (the one under way); `nil` with none. A chart's range ends there.
    var newest: Double? { get async }
    /// Where they are kept: "database" or "memory".
    var store: String { get }
    /// What went wrong with the history, in words (a database replaced, a write that failed);
    /// `nil` while all is well.
    var problem: String? { get }
}

/// The heater's recent history in memory: a sample every `interval`, each the ticks of its
/// interval made one (`HistoryAggregator`), the newest visible from its interval's first tick
/// on. A ring of fixed size, so a heater that runs for years holds the same memory as on its
/// first day (a week of 30 s samples: about 2 MB). What the API serves where there is no
/// database, and where a database's samples stop short of now.
public final class HeaterHistory: HistorySource {
    public let sampleSeconds: Double
    /// Samples kept, the one under way included.
    public let capacity: Int
    public var store: String { "memory" }
    public var problem: String? { nil }

    /// The finished samples (a ring of `capacity - 1`) and the one under way.
    private struct Ring {
        var finished: [HistorySample] = []
        var next = 0
        var aggregator: HistoryAggregator
    }
    private let state: Mutex<Ring>

    /// A history of `interval`-long samples reaching `span` back (a week, by default).
    public init(interval: Duration = .seconds(30), span: Duration = .seconds(7 * 24 * 3600)) {
        sampleSeconds = interval / .seconds(1)
        capacity = max(Int((span / interval).rounded(.up)), 1)
        state = Mutex(Ring(aggregator: HistoryAggregator(interval: interval)))
    }

    /// Adds a tick (the control task's `publish` feed).
    public func record(_ snapshot: TickSnapshot) { _ = add(snapshot) }

    /// Adds a tick; returns the sample it finished, when it began another.
    func add(_ snapshot: TickSnapshot) -> HistorySample? {
        state.withLock { ring in
            guard let finished = ring.aggregator.add(snapshot) else { return nil }
            if capacity > 1 {
                if ring.finished.count < capacity - 1 {
                    ring.finished.append(finished)
                } else {
                    ring.finished[ring.next] = finished
                }
                ring.next = (ring.next + 1) % (capacity - 1)
            }
            return finished
        }
    }

    public var newest: Double? { current?.time }

    /// The sample under way; `nil` before the first tick.
    public var current: HistorySample? { state.withLock { $0.aggregator.current } }

    /// The samples, oldest first, the one under way last.
    public var samples: [HistorySample] {
        state.withLock { ring in
            let ordered = Array(ring.finished[ring.next...] + ring.finished[..<ring.next])
            return ordered + (ring.aggregator.current.map { [$0] } ?? [])
        }
    }

    public func samples(from start: Double, to end: Double) async -> [HistorySample] {
        samples.filter { $0.time >= start && $0.time <= end }
    }
}
