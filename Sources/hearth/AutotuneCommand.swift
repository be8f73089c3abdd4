import ArgumentParser
import HearthConfig
import HearthControl
import HearthHAL
import HearthTools

extension Hearth {
    struct Autotune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finds room-loop gains by relay autotuning (Åström–Hägglund), on the simulated room.")

        @Option(help: "A built-in scenario or a scenario file: the room and heater to tune for (the heater must be able to pass the setpoint).")
        var scenario = "1200w"
        @Option(help: "The setpoint to oscillate around, °C.") var setpoint: Double = 20
        @Option(help: "The simulated board file.") var board: String?
        @Option(help: "Also write the gains into this configuration file ([heater] kp, ki, kd), keeping the rest of it.")
        var writeConfig: String?

        func run() throws {
            let file = board ?? BoardSearch.defaultBoardFile()
            let profile = try BoardProfile.load(file: file)
            guard profile.backend == .sim else {
                throw ValidationError("autotune runs on the simulated board; \(file) is not one (on real hardware it arrives with the daemon's API)")
            }
            let tuning = try SimulatedAutotune(
                scenario: try ScenarioFile.load(scenario), board: profile, setpoint: Celsius(setpoint)
            ).run()
            guard let result = tuning.result else {
                print("no oscillation around \(setpoint) °C in \(tuning.took): can the heater reach it, and leave it?")
                if !tuning.faults.isEmpty { print("faults: \(tuning.faults.joined(separator: "; "))") }
                throw ExitCode(1)
            }
            let g = result.gains
            print("period \(Int(result.period.seconds)) s, amplitude \(result.amplitude), ultimate gain \(Int(result.ultimateGain)) W/°C (\(tuning.took) simulated)")
            print("gains: kp \(g.kp) W/°C, ki \(g.ki) W/(°C·s), kd \(g.kd) W·s/°C")
            print("try them: hearth simulate --scenario \(scenario) --gains \(g.kp),\(g.ki),\(g.kd)")
            if let writeConfig {
                let written = PIDGains(kp: g.kp.rounded(toPlaces: 3), ki: g.ki.rounded(toPlaces: 5), kd: g.kd.rounded(toPlaces: 1))
                try HearthConfig.save(written, file: writeConfig)
                print("wrote kp \(written.kp), ki \(written.ki), kd \(written.kd) into [heater] of \(writeConfig); restart hearthd to use them")
            }
        }
    }
}
