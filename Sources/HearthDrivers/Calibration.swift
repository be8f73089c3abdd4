import HearthHAL

/// How a sensor's raw reading is corrected to the true temperature, from a calibration against a
/// reference: a straight line, or a piecewise-linear table through measured points.
public enum Calibration: Hashable, Sendable {
    /// `true = raw × gain + offset`.
    case linear(gain: Double, offset: Celsius)
    /// Points of (raw, true), sorted by raw; between points the line through them, beyond the ends
    /// the line through the two end points.
    case table([Point])

    /// One calibration point.
    public struct Point: Hashable, Sendable {
        public var raw: Celsius
        public var reference: Celsius
        public init(raw: Celsius, reference: Celsius) {
            self.raw = raw
            self.reference = reference
        }
    }

    /// No correction.
    public static let identity = Calibration.linear(gain: 1, offset: Celsius(0))

    /// A table, checked: at least two points, raw values strictly increasing. `nil` otherwise.
    public static func table(checking points: [Point]) -> Calibration? {
        guard points.count >= 2 else { return nil }
        for (a, b) in zip(points, points.dropFirst()) where !(a.raw < b.raw) { return nil }
        return .table(points)
    }

    /// The corrected temperature for a raw reading.
    public func apply(_ raw: Celsius) -> Celsius {
        switch self {
        case .linear(let gain, let offset):
            return Celsius(raw.value * gain) + offset
        case .table(let points):
            guard points.count >= 2 else { return points.first.map { raw + ($0.reference - $0.raw) } ?? raw }
            // The segment containing raw, or the end segment nearest to it.
            let upper = points.firstIndex { $0.raw >= raw } ?? points.count - 1
            let index = min(max(upper, 1), points.count - 1)
            let a = points[index - 1], b = points[index]
            let slope = (b.reference - a.reference) / (b.raw - a.raw)
            return a.reference + (raw - a.raw) * slope
        }
    }
}

/// A temperature sensor whose readings are corrected by a calibration; the uncorrected reading
/// stays available for calibrating it again.
public struct CalibratedSensor: TemperatureSensor {
    public let base: any TemperatureSensor
    public let calibration: Calibration

    public init(_ base: any TemperatureSensor, calibration: Calibration) {
        self.base = base
        self.calibration = calibration
    }

    public var name: String { base.name }

    public func readTemperature() throws(HALError) -> Celsius {
        calibration.apply(try base.readTemperature())
    }

    /// The reading before calibration.
    public func readUncalibrated() throws(HALError) -> Celsius {
        try base.readTemperature()
    }
}
