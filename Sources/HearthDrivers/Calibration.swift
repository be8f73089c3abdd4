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

extension Calibration {
    /// A straight line fitted through calibration points by least squares.
    public struct Fit: Hashable, Sendable {
        public var gain: Double
        public var offset: Celsius
        /// For each point, its reference minus the line's value at its raw reading.
        public var residuals: [Celsius]
        public var calibration: Calibration { .linear(gain: gain, offset: offset) }
        /// The largest residual, in magnitude.
        public var worstResidual: Celsius { Celsius(residuals.map { abs($0.value) }.max() ?? 0) }
    }

    /// Why points cannot be fitted.
    public enum FitError: Error, Hashable, Sendable, CustomStringConvertible {
        case tooFewPoints(Int)
        case tooClose(spread: Celsius, minimum: Celsius)
        case implausibleGain(Double)

        public var description: String {
            switch self {
            case .tooFewPoints(let count):
                "\(count) point\(count == 1 ? "" : "s"): a gain and an offset need at least two points, at different temperatures"
            case .tooClose(let spread, let minimum):
                "the raw readings span only \(spread); take points at least \(minimum) apart, or the gain is guesswork"
            case .implausibleGain(let gain):
                "the fitted gain \(gain) is outside 0.5 to 2: the sensor and the reference do not measure the same thing"
            }
        }
    }

    /// Fits `reference = raw × gain + offset` through the points by least squares. Refuses fewer
    /// than two points, raw readings spanning less than `minimumSpread`, and a gain no working
    /// sensor has (outside 0.5…2, the calibration file's range).
    public static func fit(_ points: [Point], minimumSpread: Celsius = Celsius(5)) throws(FitError) -> Fit {
        guard points.count >= 2 else { throw .tooFewPoints(points.count) }
        let raws = points.map(\.raw.value), references = points.map(\.reference.value)
        let spread = raws.max()! - raws.min()!
        guard spread >= minimumSpread.value else { throw .tooClose(spread: Celsius(spread), minimum: minimumSpread) }
        let count = Double(points.count)
        let meanRaw = raws.reduce(0, +) / count, meanReference = references.reduce(0, +) / count
        var covariance = 0.0, variance = 0.0
        for (raw, reference) in zip(raws, references) {
            covariance += (raw - meanRaw) * (reference - meanReference)
            variance += (raw - meanRaw) * (raw - meanRaw)
        }
        let gain = covariance / variance
        guard (0.5...2).contains(gain) else { throw .implausibleGain(gain) }
        let offset = meanReference - gain * meanRaw
        let residuals = zip(raws, references).map { Celsius($1 - (gain * $0 + offset)) }
        return Fit(gain: gain, offset: Celsius(offset), residuals: residuals)
    }
}
