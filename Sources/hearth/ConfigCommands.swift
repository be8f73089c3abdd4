import ArgumentParser
import HearthConfig

extension Hearth {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The heater's configuration file.", subcommands: [Check.self])

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Checks a configuration file (and the board and calibration files it names) and prints what it sets; exits 1 if refused.")

            @Argument(help: "The configuration file, e.g. /etc/hearth/hearth.toml.")
            var file: String = HearthConfig.defaultPath

            func run() throws {
                do {
                    let config = try HearthConfig.load(file: file)
                    print("\(file): ok")
                    for line in try config.summary() { print("  " + line) }
                } catch {
                    print("\(error)")
                    throw ExitCode(1)
                }
            }
        }
    }
}
