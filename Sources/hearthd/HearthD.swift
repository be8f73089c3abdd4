import ArgumentParser
import Foundation
import HearthControl
import HearthConfig
import HearthHAL
import HearthRuntime
import HearthStratum
import Logging

/// `hearthd`: the heater daemon.
@main
struct HearthD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearthd",
        abstract: "Runs the heater: reads its sensors, drives its fan and hash board, holds the room at its setpoint.",
        discussion: """
            With no options it runs the simulated heater (Board/sim.toml). Every output starts, and
            is left on exit, in the safe state the board file names: fans full, hash board off.
            """,
        version: HearthVersion.current)

    @Option(name: .long, help: "The configuration file (e.g. /etc/hearth/hearth.toml); options given here override it.")
    var config: String?

    @Option(name: .long, help: "The board file (default: the config's, or Board/sim.toml).")
    var board: String?

    @Option(name: .long, help: "The sensors' calibration file (see `hearth calibrate`).")
    var calibration: String?

    @Option(name: .long, help: "Simulated board only: a scenario file, or 400w / 1200w (default 400w).")
    var scenario: String?

    @Option(name: .long, help: "The room temperature to hold, °C (5…30; default: the state file's, or 20).")
    var setpoint: Double?

    @Option(name: .long, help: "off, heat, eco, boost or night (default: the state file's, or heat).")
    var mode: String?

    @Option(name: .long, help: "The state file: setpoint, mode, latched faults and lifetime totals kept across restarts.")
    var state: String?

    @Option(name: .long, help: "A pool to mine on, stratum+tcp://HOST:PORT; repeat for fallbacks, primary first.")
    var pool: [String] = []

    @Option(name: .long, help: "The pool worker (usually a Bitcoin address, optionally .worker).")
    var user: String?

    @Option(name: .long, help: "The pool worker's password.")
    var password = "x"

    @Option(name: .long, help: "With every pool down: heat (keep hashing the last job; shares discarded) or idle.")
    var offline: String?

    @Option(name: .long, help: "A difficulty to suggest to the pool.")
    var suggestDifficulty: Double?

    @Option(name: .long, help: "The HTTP API's HOST:PORT, or off (default: the config's, or 127.0.0.1:8080).")
    var api: String?

    @Option(name: .long, help: "cgminer's API HOST:PORT, or off (default: the config's [api] cgminer, or 127.0.0.1:4028).")
    var cgminerApi: String?

    @Option(name: .long, help: "Feed this kernel watchdog device every tick, e.g. /dev/watchdog, or off (default: the config's watchdog, else the board file's, else none).")
    var watchdog: String?

    @Option(name: .long, help: "Control ticks per second (default: the config's tick_rate, or 2).")
    var tickRate: Double?

    @Option(name: .long, help: "Stop after this many ticks (for smoke tests).")
    var ticks: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if let tickRate, !(tickRate > 0 && tickRate <= 100) {
            throw ValidationError("--tick-rate must be in 0…100, got \(tickRate)")
        }
        if let ticks, ticks < 1 { throw ValidationError("--ticks must be at least 1, got \(ticks)") }
        if let setpoint, !Thermostat.setpointRange.contains(setpoint) {
            throw ValidationError("--setpoint must be in 5…30 °C, got \(setpoint)")
        }
        if !pool.isEmpty, user == nil { throw ValidationError("--pool needs --user, the worker to mine as") }
        _ = try given()
        if let offline, OfflinePolicy(rawValue: offline) == nil {
            throw ValidationError("--offline must be heat or idle, got \(offline)")
        }
        if let suggestDifficulty, !(suggestDifficulty > 0 && suggestDifficulty.isFinite) {
            throw ValidationError("--suggest-difficulty must be a positive number, got \(suggestDifficulty)")
        }
        if let mode, Mode(rawValue: mode) == nil {
            throw ValidationError("--mode must be one of \(Mode.allCases.map(\.rawValue).joined(separator: ", ")), got \(mode)")
        }
    }

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hearthd")
        var file = DaemonOptions.Given()
        if let config {
            do {
                file = try HearthConfig.load(file: config).given
            } catch {
                logger.critical("\(DaemonError.config(error))")
                throw ExitCode(DaemonError.config(error).exitCode)
            }
        }
        let options = DaemonOptions(commandLine: try given(), config: file)
        do {
            try await Daemon.run(options, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(error.exitCode)
        }
    }
}

extension HearthD {
    /// What the command line says, each option `nil` where it says nothing; a value that does not
    /// parse is a `ValidationError` naming its option.
    func given() throws -> DaemonOptions.Given {
        var given = DaemonOptions.Given()
        given.board = board
        given.calibration = calibration
        given.scenario = scenario
        given.setpoint = setpoint.map(Celsius.init)
        given.mode = mode.flatMap(Mode.init(rawValue:))
        given.state = state
        given.watchdog = watchdog.map(WatchdogChoice.init(parsing:))
        given.suggestedDifficulty = suggestDifficulty
        given.offline = offline.flatMap(OfflinePolicy.init(rawValue:))
        given.tickRate = tickRate
        given.maxTicks = ticks
        func listener(_ text: String?, _ option: String) throws -> Listener? {
            do {
                return try text.map { text throws(ConfigError) in try Listener(parsing: text, source: option) }
            } catch {
                throw ValidationError("\(option): \(error.reason)")
            }
        }
        given.api = try listener(api, "--api")
        given.cgminer = try listener(cgminerApi, "--cgminer-api")
        if !pool.isEmpty {
            given.pools = try pool.enumerated().map { index, url in
                let address: PoolAddress
                do { address = try PoolAddress(url: url) } catch { throw ValidationError("--pool: \(error)") }
                return Pool(name: index == 0 ? "primary" : "fallback \(index)", address: address, user: user ?? "", password: password)
            }
        }
        return given
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
