import Foundation
import HearthDrivers
import HearthHAL

/// The calibration file: one table per sensor, by the name the board file gives it, holding
/// either a straight line (`gain`, `offset`) or a table of measured `points` ([raw, reference]).
///
/// ```toml
/// [room]
/// gain = 1.004
/// offset = -0.35
///
/// [exhaust]
/// points = [[20.0, 20.4], [40.0, 40.1], [60.0, 59.6]]
/// ```
public enum CalibrationFile {
    /// Reads a calibration file for a board with these sensor names. A sensor the board does not
    /// have, a table with both or neither form, too few or unordered points: each is a
    /// `ConfigError` naming the file, the key and the reason.
    public static func load(file: String, sensors: [String]) throws(ConfigError) -> [String: Calibration] {
        try parse(try readText(file), file: file, sensors: sensors)
    }

    public static func parse(_ text: String, file: String, sensors: [String]) throws(ConfigError) -> [String: Calibration] {
        var document = try TOMLReader(file: file, text: text)
        var calibrations: [String: Calibration] = [:]
        for name in document.keys {
            guard sensors.contains(name) else {
                throw document.error(name, "the board has no sensor named \"\(name)\" (it has: \(sensors.joined(separator: ", ")))")
            }
            guard var reader = try document.table(name) else { continue }
            let gain = try reader.double("gain", in: 0.5...2)
            let offset = try reader.double("offset", in: -20...20)
            let points = try reader.numberPairs("points")
            switch (gain != nil || offset != nil, points) {
            case (true, nil):
                calibrations[name] = .linear(gain: gain ?? 1, offset: Celsius(offset ?? 0))
            case (false, let points?):
                let checked = Calibration.table(
                    checking: points.map { Calibration.Point(raw: Celsius($0.0), reference: Celsius($0.1)) })
                guard let checked else {
                    throw reader.error("points", "needs at least two points with rising raw values")
                }
                calibrations[name] = checked
            case (true, _?):
                throw reader.error("points", "give either gain and offset, or points, not both")
            case (false, nil):
                throw reader.missing("gain", "gain and offset, or points")
            }
            try reader.finish()
        }
        try document.finish()
        return calibrations
    }
}

extension CalibrationFile {
    /// The file's text for these calibrations, sensors in name order; what `parse` reads back.
    public static func render(_ calibrations: [String: Calibration], header: [String] = []) -> String {
        var lines = header.map { "# \($0)" }
        for (name, calibration) in calibrations.sorted(by: { $0.key < $1.key }) {
            if !lines.isEmpty { lines.append("") }
            lines.append("[\(name)]")
            switch calibration {
            case .linear(let gain, let offset):
                lines.append("gain = \(gain)")
                lines.append("offset = \(offset.value)")
            case .table(let points):
                let pairs = points.map { "[\($0.raw.value), \($0.reference.value)]" }
                lines.append("points = [\(pairs.joined(separator: ", "))]")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Sets one sensor's calibration in the file (made if missing), keeping the others', and
    /// writes it atomically. A file that is there but unreadable is an error, not overwritten.
    public static func save(
        _ calibration: Calibration, for sensor: String, file: String, sensors: [String], header: [String] = []
    ) throws(ConfigError) {
        var calibrations: [String: Calibration] = [:]
        if FileManager.default.fileExists(atPath: file) {
            calibrations = try load(file: file, sensors: sensors)
        }
        calibrations[sensor] = calibration
        try writeAtomically(Data(render(calibrations, header: header).utf8), to: file)
    }
}
