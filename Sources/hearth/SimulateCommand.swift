import ArgumentParser
import Foundation
import HearthConfig
import HearthControl
import HearthTools

extension Hearth {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs the whole control stack on the simulated heater, on virtual time, and reports how it held the room.")

        @Option(help: "A built-in scenario (see --list) or a scenario file.") var scenario = "cold-start"
        @Option(help: "Simulated time, e.g. 24h.") var duration = "24h"
        @Option(help: "pid, or hysteresis (the ±0.5 °C on/off thermostat, as a baseline).") var controller = "pid"
        @Option(help: "The simulated board file.") var board: String?
        @Option(help: "Room-loop gains to try instead of the defaults: kp,ki,kd (W/°C, W/(°C·s), W·s/°C).")
        var gains: String?
        @Flag(help: "Start heating early for each rise of the setpoint, learning the room's warm-up rate (the daemon's optimal start).")
        var optimalStart = false
        @Flag(help: "Print one JSON object.") var json = false
        @Flag(help: "List the built-in scenarios.") var list = false

        func run() throws {
            if list {
                print(ScenarioFile.builtIn.keys.sorted().joined(separator: "\n"))
                return
            }
            guard let simulated = parseDuration(duration) else {
                throw ValidationError("--duration: \"\(duration)\" is not a duration such as 90s, 15m, 8h or 1h30m")
            }
            guard let law = RoomLawKind(rawValue: controller) else {
                throw ValidationError("--controller: \"\(controller)\" is not one of pid, hysteresis")
            }
            let file = board ?? BoardSearch.defaultBoardFile()
            let profile = try BoardProfile.load(file: file)
            guard profile.backend == .sim else { throw ValidationError("\(file) is not a simulated board") }
            var roomGains: PIDGains?
            if let gains {
                let parts = gains.split(separator: ",").compactMap { Double($0) }
                guard parts.count == 3 else { throw ValidationError("--gains: expected kp,ki,kd, got \"\(gains)\"") }
                roomGains = PIDGains(kp: parts[0], ki: parts[1], kd: parts[2])
            }
            let report = try Simulation(
                scenario: try ScenarioFile.load(scenario), law: law, board: profile, roomGains: roomGains,
                optimalStart: optimalStart ? OptimalStart() : nil
            ).run(for: simulated)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.summary)
            }
        }
    }
}
