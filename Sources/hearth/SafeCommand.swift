import ArgumentParser
import HearthConfig
import HearthRuntime

extension Hearth {
    struct Safe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drives every output of a board to its safe state (fans full, hash board off and in reset) and exits.",
            discussion: """
                No daemon is needed: systemd runs it after any end of hearthd (ExecStopPost=), a crash, \
                SIGKILL, a watchdog abort or the OOM killer included. Each output and the fan is tried \
                even if another fails; exits 1 if any could not be driven, naming it.
                """)

        @Option(help: "The board file (default: the configuration file's, or the simulated board).") var board: String?
        @Option(help: "The configuration file whose board to use.") var config: String?

        func run() throws {
            let named = try board ?? config.flatMap { config throws(ConfigError) in try HearthConfig.board(inFile: config) }
            let file = named ?? BoardSearch.defaultBoardFile()
            let profile = try BoardProfile.load(file: file)
            let failures: [String]
            switch profile.backend {
            case .linux:
                failures = Hardware.driveSafe(profile)
            case .sim:
                // Nothing outlives a simulated board; its devices are opened and left safe all the same.
                let hardware = try Hardware.open(profile, scenario: .room400W, use: .sensorsOnly)
                failures = hardware.enterSafeState().map { "\($0)" }
            }
            for failure in failures { print("not safe: \(failure)") }
            guard failures.isEmpty else { throw ExitCode(1) }
            print("\(profile.name): \(profile.outputs.count) output(s)\(profile.fan == nil ? "" : " and the fan") in their safe state")
        }
    }
}
