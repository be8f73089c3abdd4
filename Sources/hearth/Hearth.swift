import ArgumentParser
import HearthConfig

/// `hearth`: the heater's command-line tool.
@main
struct Hearth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "Looks after a Hearth heater: checks board files, lists sensors, reports versions.",
        version: HearthVersion.current,
        subcommands: [
            Board.self, Config.self, Safe.self, Fault.self, Sensors.self, Calibrate.self, Simulate.self, Autotune.self, Hash.self, Job.self,
            Stratum.self, Bench.self, Version.self,
        ])
}
