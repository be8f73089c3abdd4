import HearthHistory
import Hummingbird

/// `GET /api/history?range=6h|24h|7d`: the heater's history over the range, ending at its newest
/// sample, in at most `HistoryRange.maxPoints` points for a chart (each the samples of its span
/// made one: means, energy and earnings added, the faults of any of them).
public struct HistoryPage: Codable, Sendable, ResponseEncodable {
    /// The range shown: "6h", "24h" or "7d".
    public var range: String
    /// The length of a recorded sample, seconds (30).
    public var sampleSeconds: Double
    /// The span of a point, seconds.
    public var intervalSeconds: Double
    /// Where the samples come from: "database" or "memory".
    public var store: String
    /// What went wrong with the history, when something did.
    public var problem: String?
    /// The points, oldest first; the last holds the sample under way.
    public var samples: [HistorySample]

    /// The points of `range` from `source`.
    public init(range: HistoryRange, source: any HistorySource) async {
        let sampleSeconds = source.sampleSeconds
        let width = range.pointSeconds(sampleSeconds: sampleSeconds)
        var samples: [HistorySample] = []
        if let end = await source.newest {
            let start = range.start(endingAt: end, sampleSeconds: sampleSeconds)
            samples = HistorySample.downsample(await source.samples(from: start, to: end), width: width)
        }
        self.range = range.rawValue
        self.sampleSeconds = sampleSeconds
        self.intervalSeconds = width
        self.store = source.store
        self.problem = source.problem
        self.samples = samples
    }
}
