import Foundation
import HearthControl
import HearthHAL
import HearthStratum

/// How `hearthd` runs, resolved from its sources in one place: the command line over the
/// configuration file over the defaults (`init(commandLine:config:)`).
public struct DaemonOptions: Sendable {
    /// What one source (the command line or the configuration file) says; `nil`: it says nothing
    /// of that option, and the next source decides.
    public struct Given: Sendable {
        /// The board file.
        public var board: String?
        /// The sensors' calibration file.
        public var calibration: String?
        /// For a simulated board: a built-in scenario's name or a scenario file.
        public var scenario: String?
        /// The room temperature to hold.
        public var setpoint: Celsius?
        /// What the heater is asked to do.
        public var mode: Mode?
        /// The state file.
        public var state: String?
        /// The pools, primary first.
        public var pools: [Pool]?
        /// What to hash while no pool answers.
        public var offline: OfflinePolicy?
        /// The difficulty to suggest to the pool.
        public var suggestedDifficulty: Double?
        /// The weekly schedule (the file's only).
        public var schedule: Schedule?
        /// The HTTP API: where, or off.
        public var api: Listener?
        /// The token the HTTP API's writes need; only the file says it (a token on the command
        /// line would show in the process list).
        public var apiToken: String?
        /// cgminer's API: where, or off.
        public var cgminer: Listener?
        /// The kernel watchdog: a device, or off.
        public var watchdog: WatchdogChoice?
        /// Control ticks per second.
        public var tickRate: Double?
        /// Ticks to run before stopping (smoke tests; the command line's only).
        public var maxTicks: Int?
        /// The room loop's PID gains (the file's only).
        public var roomGains: PIDGains?
        /// `[economics]` (the file's only).
        public var economics: EconomicsSettings?
        /// Optimal start: `.some(nil)` off (the file's only).
        public var optimalStart: OptimalStart??
        /// Fees added to a block's subsidy, satoshis (the file's only).
        public var feeAllowanceSats: Int?
        /// Home Assistant over MQTT (the file's only: it holds a password).
        public var mqtt: MQTTOptions?

        /// A source that says nothing.
        public init() {}
    }

    /// The board file; `nil` picks the default (`resolvedBoardFile()`).
    public var boardFile: String?
    /// Time between control ticks.
    public var period: Duration = .milliseconds(500)
    /// Stop after this many ticks (smoke tests); `nil` runs until SIGTERM or SIGINT.
    public var maxTicks: Int?
    /// The sensors' calibration file, if any.
    public var calibrationFile: String?
    /// For a simulated board: a built-in scenario's name or a scenario file (default `400w`).
    public var scenario: String?
    /// The room temperature to hold; `nil`: the state file's, or 20 °C.
    public var setpoint: Celsius?
    /// What the heater is asked to do; `nil`: the state file's, or heat.
    public var mode: Mode?
    /// The state file; `nil` keeps nothing across restarts.
    public var stateFile: String?
    /// The history database: `history.sqlite` in the state file's folder; `nil` without a state
    /// file (the history is then kept in memory only).
    public var historyFile: String? {
        stateFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("history.sqlite").path }
    }
    /// The pools to mine on, primary first; none: the heat's shares go nowhere.
    public var pools: [Pool] = []
    /// What to hash while no pool answers.
    public var offline = OfflinePolicy.heat
    /// The difficulty to suggest to the pool.
    public var suggestedDifficulty: Double?
    /// The weekly schedule of setpoints and modes; a setpoint or mode given at start holds until
    /// its next slot.
    public var schedule: Schedule?
    /// The setpoint or mode was given by a person at start (not by a file): it holds until the
    /// schedule's next slot.
    public var manualAtStart = false
    /// The HTTP API; `nil`: none.
    public var api: APIOptions?
    /// The kernel watchdog to feed every tick (e.g. `/dev/watchdog`), or off; `nil`: the board
    /// file's, if it names one.
    public var watchdog: WatchdogChoice?
    /// cgminer's API (read-only; its token is unused); `nil`: none.
    public var cgminer: APIOptions?
    /// The room loop's gains; `nil`: the controller's defaults.
    public var roomGains: PIDGains?
    /// `[economics]` of the configuration file; `nil`: no accounts kept.
    public var economics: EconomicsSettings?
    /// Optimal start for scheduled rises; `nil`: off. On by default, with a 3 h limit.
    public var optimalStart: OptimalStart? = OptimalStart()
    /// Fees added to a block's subsidy where a job's coinbase does not show them, satoshis.
    public var feeAllowanceSats = 0
    /// Home Assistant over MQTT; `nil`: none (the default).
    public var mqtt: MQTTOptions?

    /// Control ticks a second where no source says: 2.
    public static let defaultTickRate = 2.0
    /// The HTTP API where no source says: 127.0.0.1:8080.
    public static let defaultAPI = Listener.on(APIOptions())
    /// cgminer's API where no source says: 127.0.0.1:4028.
    public static let defaultCGMiner = Listener.on(APIOptions(port: 4028))

    /// Every option from the first source that says it: the command line, then the configuration
    /// file, then the defaults. A setpoint or mode from the command line is a person's, and holds
    /// until the schedule's next slot. The API's token is the file's in any case (the command line
    /// has none, so that it does not show in the process list).
    public init(commandLine: Given, config: Given = Given()) {
        func first<Value>(_ key: KeyPath<Given, Value?>) -> Value? { commandLine[keyPath: key] ?? config[keyPath: key] }
        boardFile = first(\.board)
        calibrationFile = first(\.calibration)
        scenario = first(\.scenario)
        setpoint = first(\.setpoint)
        mode = first(\.mode)
        manualAtStart = commandLine.setpoint != nil || commandLine.mode != nil
        stateFile = first(\.state)
        pools = first(\.pools) ?? []
        offline = first(\.offline) ?? .heat
        suggestedDifficulty = first(\.suggestedDifficulty)
        schedule = first(\.schedule)
        watchdog = first(\.watchdog)
        roomGains = first(\.roomGains)
        mqtt = first(\.mqtt)
        maxTicks = first(\.maxTicks)
        period = .nanoseconds(Int64((1e9 / (first(\.tickRate) ?? Self.defaultTickRate)).rounded()))
        let token = config.apiToken
        api = (first(\.api) ?? Self.defaultAPI).options.map { APIOptions(host: $0.host, port: $0.port, token: token) }
        cgminer = (first(\.cgminer) ?? Self.defaultCGMiner).options
        economics = config.economics
        feeAllowanceSats = config.feeAllowanceSats ?? 0
        if let choice = config.optimalStart { optimalStart = choice }
    }

    /// The board file to use: the one given, or the first default that exists.
    public func resolvedBoardFile() -> String {
        boardFile ?? BoardSearch.defaultBoardFile()
    }
}

extension HearthConfig {
    /// What the file says of the daemon's options, for `DaemonOptions(commandLine:config:)`.
    public var given: DaemonOptions.Given {
        var given = DaemonOptions.Given()
        given.board = board
        given.calibration = calibration
        given.state = state
        given.setpoint = setpoint
        given.mode = mode
        given.pools = pools.isEmpty ? nil : pools
        given.offline = offline
        given.suggestedDifficulty = suggestedDifficulty
        given.schedule = schedule
        given.api = api
        given.apiToken = apiToken
        given.cgminer = cgminer
        given.watchdog = watchdog
        given.tickRate = tickRate
        given.roomGains = roomGains
        given.economics = economics
        given.feeAllowanceSats = feeAllowanceSats
        given.optimalStart = optimalStart
        given.mqtt = mqtt
        return given
    }
}

/// Where the tools look for a board file named by the package: where the package installs it,
/// then beside the running binary, then in the working directory (a checkout).
public enum BoardSearch {
    /// The simulated board, the default for `hearthd` and `hearth simulate` without `--board`.
    public static let defaultBoard = "sim.toml"

    /// The folders searched, in order.
    public static func folders(executable: String = CommandLine.arguments.first ?? "") -> [String] {
        var folders = ["/usr/share/hearth/Board", "/usr/local/share/hearth/Board"]
        let binary = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        if !executable.isEmpty {
            folders.append(binary.appendingPathComponent("../share/hearth/Board").standardized.path)
            folders.append(binary.appendingPathComponent("Board").path)
        }
        folders.append("Board")
        return folders
    }

    /// The first of `folders()` that holds `name`; where none does, the working directory's
    /// `Board/NAME`, so the error that follows names a path a person recognises.
    public static func defaultBoardFile(_ name: String = defaultBoard, folders: [String] = folders()) -> String {
        folders.map { "\($0)/\(name)" }.first { FileManager.default.fileExists(atPath: $0) } ?? "Board/\(name)"
    }
}
