import ArgumentParser
import Foundation
import HearthControl
import HearthDaemon
import HearthHAL
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

    @Option(name: .long, help: "Feed this kernel watchdog device every tick, e.g. /dev/watchdog (default: the config's watchdog, or none).")
    var watchdog: String?

    @Option(name: .long, help: "Control ticks per second.")
    var tickRate: Double = 2

    @Option(name: .long, help: "Stop after this many ticks (for smoke tests).")
    var ticks: Int?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard tickRate > 0, tickRate <= 100 else { throw ValidationError("--tick-rate must be in 0…100, got \(tickRate)") }
        if let ticks, ticks < 1 { throw ValidationError("--ticks must be at least 1, got \(ticks)") }
        if let setpoint, !Thermostat.setpointRange.contains(setpoint) {
            throw ValidationError("--setpoint must be in 5…30 °C, got \(setpoint)")
        }
        if !pool.isEmpty, user == nil { throw ValidationError("--pool needs --user, the worker to mine as") }
        for url in pool {
            do { _ = try PoolAddress(url: url) } catch { throw ValidationError("--pool: \(error)") }
        }
        if let cgminerApi, cgminerApi != "off" {
            do { _ = try APIOptions(address: cgminerApi) } catch { throw ValidationError("--cgminer-api: \(error.reason)") }
        }
        if let api, api != "off" {
            do { _ = try APIOptions(address: api) } catch { throw ValidationError("--api: \(error.reason)") }
        }
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
        var options = DaemonOptions(
            boardFile: board, period: .nanoseconds(Int64((1e9 / tickRate).rounded())), maxTicks: ticks,
            calibrationFile: calibration, scenario: scenario)
        options.setpoint = setpoint.map(Celsius.init)
        options.mode = mode.flatMap(Mode.init(rawValue:))
        options.manualAtStart = setpoint != nil || mode != nil
        options.stateFile = state
        options.watchdogDevice = watchdog
        options.pools = try pool.enumerated().map { index, url in
            let address = try PoolAddress(url: url)
            return Pool(name: index == 0 ? "primary" : "fallback \(index)", address: address, user: user ?? "", password: password)
        }
        options.suggestedDifficulty = suggestDifficulty
        if let config {
            do {
                options = options.merged(with: try HearthConfig.load(file: config))
            } catch {
                logger.critical("\(DaemonError.config(error))")
                throw ExitCode(DaemonError.config(error).exitCode)
            }
        }
        if let offline { options.offline = OfflinePolicy(rawValue: offline) ?? .heat }
        switch cgminerApi {
        case "off": options.cgminer = nil
        case let address?: options.cgminer = try APIOptions(address: address)
        case nil: if options.cgminer == nil { options.cgminer = APIOptions(port: 4028) }
        }
        switch api {
        case "off": options.api = nil
        case let address?: options.api = try APIOptions(address: address, token: options.api?.token)
        case nil: if options.api == nil { options.api = APIOptions() }
        }
        do {
            try await Daemon.run(options, logger: logger)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(error.exitCode)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
