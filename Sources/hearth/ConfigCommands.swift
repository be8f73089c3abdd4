import ArgumentParser
import Foundation
import HearthConfig
import HearthControl
import HearthDrivers
import HearthHAL
import HearthLinux
import HearthMining
import HearthNet
import HearthRuntime
import HearthStratum
import HearthTools
import Synchronization

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
