/// The spans of history a chart shows: the last 6 hours, day or week, each in at most `maxPoints`
/// points (one per `pointSeconds`, a whole number of 30 s samples).
public enum HistoryRange: String, CaseIterable, Codable, Sendable {
    case sixHours = "6h"
    case day = "24h"
    case week = "7d"

    /// The range shown when none is asked for.
    public static let standard = HistoryRange.day
    /// Points a chart gets at most: about one per two or three pixels of a wide chart.
    public static let maxPoints = 360

    /// A range a person named wrongly, in their words: what was asked and what is accepted.
    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        public let value: String
        public var description: String {
            "range \"\(value)\" is not one of \(HistoryRange.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }

    /// The range named by `text` ("6h", "24h" or "7d"); `nil` or empty: the standard one.
    public init(parsing text: String?) throws(Problem) {
        guard let text, !text.isEmpty else {
            self = .standard
            return
        }
        guard let range = HistoryRange(rawValue: text) else { throw Problem(value: text) }
        self = range
    }

    /// How far back the range reaches, seconds.
    public var seconds: Double {
        switch self {
        case .sixHours: 6 * 3600
        case .day: 24 * 3600
        case .week: 7 * 24 * 3600
        }
    }

    /// The span of one point, seconds: the range over `maxPoints`, rounded up to whole samples of
    /// `sampleSeconds` (6 h: 1 min, 24 h: 4 min, 7 d: 28 min with 30 s samples).
    public func pointSeconds(sampleSeconds: Double) -> Double {
        (seconds / Double(Self.maxPoints) / sampleSeconds).rounded(.up) * sampleSeconds
    }

    /// Where the range begins when it ends at `now`: at the start of the first point's span that
    /// lies wholly within it, so the first point holds a whole span and there are at most
    /// `maxPoints` of them, the last the one `now` is in.
    public func start(endingAt now: Double, sampleSeconds: Double) -> Double {
        let width = pointSeconds(sampleSeconds: sampleSeconds)
        return ((now - seconds) / width).rounded(.down) * width + width
    }
}
