import ArgumentParser
import Foundation
import HearthConfig
import HearthDrivers
import HearthHAL
import HearthTools

extension Hearth {
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calibrates a temperature sensor against a reference: fits gain and offset through several points.",
            discussion: """
                For each point, bring the sensor and the reference to one steady temperature; the raw reading \
                (the mean of --samples readings) is paired with the reference, typed in or read from another \
                sensor of the board (--reference-sensor). Type "done" after the last point. The fit is by \
                least squares, shown with each point's residual, and written into the calibration file \
                (the other sensors' entries kept). It is refused from fewer than two points or from points \
                closer together than --min-spread. With --point RAW=REFERENCE (repeated) nothing is asked.
                """)

        @Option(help: "The board file.") var board: String?
        @Option(help: "The sensor to calibrate, by its name in the board file.") var sensor: String
        @Option(help: "A sensor of the board to read the reference from, instead of typing it.") var referenceSensor: String?
        @Option(name: .customLong("point"), help: "A point measured already: RAW=REFERENCE, in °C. Repeat for each point.")
        var points: [String] = []
        @Option(help: "Readings averaged for each point.") var samples = 5
        @Option(help: "The least span of the raw readings, °C.") var minSpread: Double = 5
        @Option(help: "The calibration file to write.") var output = "/etc/hearth/calibration.toml"
        @Flag(help: "Show the fit; write nothing.") var dryRun = false

        func run() throws {
            let file = board ?? BoardSearch.defaultBoardFile()
            let profile = try BoardProfile.load(file: file)
            let names = profile.sensors.map(\.name)
            guard names.contains(sensor) else {
                throw ValidationError("--sensor: \(file) has no sensor \"\(sensor)\" (it has: \(names.joined(separator: ", ")))")
            }
            var collected: [Calibration.Point] = []
            for text in points {
                let parts = text.split(separator: "=")
                guard parts.count == 2, let raw = Double(parts[0]), let reference = Double(parts[1]) else {
                    throw ValidationError("--point: \"\(text)\" is not RAW=REFERENCE (two temperatures in °C, e.g. 20.8=21.3)")
                }
                collected.append(Calibration.Point(raw: Celsius(raw), reference: Celsius(reference)))
            }
            if points.isEmpty { collected = try measure(profile, file: file) }
            let fit: Calibration.Fit
            do {
                fit = try Calibration.fit(collected, minimumSpread: Celsius(minSpread))
            } catch {
                print("not calibrated: \(error)")
                throw ExitCode(1)
            }
            let sign = fit.offset.value < 0 ? "" : "+"
            print("fit: gain \(fit.gain.rounded(toPlaces: 5)), offset \(sign)\(fit.offset.value.rounded(toPlaces: 3)) °C (true = raw × gain + offset)")
            for (index, (point, residual)) in zip(collected, fit.residuals).enumerated() {
                print("  point \(index + 1): raw \(point.raw.value.rounded(toPlaces: 3)) °C, reference \(point.reference.value.rounded(toPlaces: 3)) °C, residual \(residual.value.rounded(toPlaces: 3)) °C")
            }
            print("worst residual \(fit.worstResidual.value.rounded(toPlaces: 3)) °C\(fit.worstResidual.value > 0.5 ? ": large; is the sensor well coupled to the reference?" : "")")
            if dryRun { return }
            try CalibrationFile.save(
                .linear(gain: fit.gain.rounded(toPlaces: 5), offset: Celsius(fit.offset.value.rounded(toPlaces: 3))), for: sensor, file: output,
                sensors: names, header: ["Sensor calibrations written by `hearth calibrate`; see README, Calibration."])
            print("wrote [\(sensor)] to \(output); hearthd uses it with calibration = \"\(output)\" in its configuration")
        }

        /// Points taken now: the sensor's raw reading and the reference, one point per prompt.
        private func measure(_ profile: BoardProfile, file: String) throws -> [Calibration.Point] {
            if let referenceSensor, !profile.sensors.contains(where: { $0.name == referenceSensor }) {
                throw ValidationError("--reference-sensor: \(file) has no sensor \"\(referenceSensor)\"")
            }
            let sampler = try SensorSampler(board: profile, scenario: try ScenarioFile.load("400w")) { pause in
                Thread.sleep(forTimeInterval: pause.seconds)
            }
            defer {
                for failure in sampler.close() { print("safe state: \(failure)") }
            }
            func mean(_ name: String) throws -> Celsius { try sampler.mean(of: name, samples: samples) }
            print("Calibrating \"\(sensor)\" against \(referenceSensor.map { "the board's \"\($0)\"" } ?? "a reference you read").")
            print("For each point, bring the sensor and the reference to one steady temperature, at least \(minSpread) °C apart from the others.")
            var points: [Calibration.Point] = []
            while true {
                if referenceSensor == nil {
                    print("point \(points.count + 1): the reference's reading in °C (or done): ", terminator: "")
                } else {
                    print("point \(points.count + 1): press Enter to take it (or type done): ", terminator: "")
                }
                fflush(nil)
                guard let line = readLineUnbuffered()?.trimmingCharacters(in: .whitespaces), line != "done" else { break }
                let reference: Celsius
                if let referenceSensor {
                    reference = try mean(referenceSensor)
                } else {
                    guard let typed = Double(line.replacingOccurrences(of: ",", with: ".")), (-40...150).contains(typed) else {
                        print("\"\(line)\" is not a temperature in °C; type the reference's reading, e.g. 21.4")
                        continue
                    }
                    reference = Celsius(typed)
                }
                let raw = try mean(sensor)
                points.append(Calibration.Point(raw: raw, reference: reference))
                print("  raw \(raw.value.rounded(toPlaces: 3)) °C ↔ reference \(reference.value.rounded(toPlaces: 3)) °C")
            }
            return points
        }
    }
}
