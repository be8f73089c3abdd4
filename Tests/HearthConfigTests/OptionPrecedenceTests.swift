import HearthControl
import HearthHAL
import HearthStratum
import HearthTestFixtures
import Testing

@testable import HearthConfig

/// One precedence for every option of `hearthd`: the command line over the configuration file
/// over the defaults. Each option is given by the command line alone, by the file alone, by both
/// (the command line wins), and by neither (the default).
@Suite struct OptionPrecedenceTests {
    /// An option: how to set it in a source, and how to read it back from the resolved options.
    struct Option: Sendable, CustomStringConvertible {
        var description: String
        var set: @Sendable (inout DaemonOptions.Given, Int) -> Void
        /// What the resolved options hold, as text.
        var read: @Sendable (DaemonOptions) -> String
        /// What the command line's value (1) and the file's (2) read back as.
        var expected: [String]
        var defaultValue: String
    }

    static func pool(_ n: Int) -> Pool {
        Pool(name: "p\(n)", address: PoolAddress(host: "pool\(n).example", port: 3333), user: "u", password: "x")
    }

    static let options: [Option] = [
        Option(description: "board", set: { $0.board = "board\($1).toml" }, read: { $0.boardFile ?? "-" }, expected: ["board1.toml", "board2.toml"], defaultValue: "-"),
        Option(description: "calibration", set: { $0.calibration = "cal\($1)" }, read: { $0.calibrationFile ?? "-" }, expected: ["cal1", "cal2"], defaultValue: "-"),
        Option(description: "scenario", set: { $0.scenario = "s\($1)" }, read: { $0.scenario ?? "-" }, expected: ["s1", "s2"], defaultValue: "-"),
        Option(description: "setpoint", set: { $0.setpoint = Celsius(Double(10 + $1)) }, read: { "\($0.setpoint?.value ?? 0)" }, expected: ["11.0", "12.0"], defaultValue: "0.0"),
        Option(description: "mode", set: { $0.mode = $1 == 1 ? .eco : .night }, read: { $0.mode?.rawValue ?? "-" }, expected: ["eco", "night"], defaultValue: "-"),
        Option(description: "state", set: { $0.state = "state\($1)" }, read: { $0.stateFile ?? "-" }, expected: ["state1", "state2"], defaultValue: "-"),
        Option(description: "pools", set: { $0.pools = [pool($1)] }, read: { $0.pools.map(\.name).joined() }, expected: ["p1", "p2"], defaultValue: ""),
        Option(description: "offline", set: { $0.offline = $1 == 1 ? .idle : .heat }, read: { $0.offline.rawValue }, expected: ["idle", "heat"], defaultValue: "heat"),
        Option(description: "suggested difficulty", set: { $0.suggestedDifficulty = Double($1) }, read: { "\($0.suggestedDifficulty ?? 0)" }, expected: ["1.0", "2.0"], defaultValue: "0.0"),
        Option(
            description: "schedule", set: { $0.schedule = Schedule([.init(start: WeekTime(minuteOfWeek: $1), setpoint: Celsius(20))]) },
            read: { "\($0.schedule?.slots.first?.start.minute ?? 0)" }, expected: ["1", "2"], defaultValue: "0"),
        Option(
            description: "api", set: { $0.api = .on(APIOptions(port: 8000 + $1)) }, read: { $0.api.map { "\($0.host):\($0.port)" } ?? "off" },
            expected: ["127.0.0.1:8001", "127.0.0.1:8002"], defaultValue: "127.0.0.1:8080"),
        Option(
            description: "cgminer api", set: { $0.cgminer = .on(APIOptions(port: 4000 + $1)) },
            read: { $0.cgminer.map { "\($0.host):\($0.port)" } ?? "off" }, expected: ["127.0.0.1:4001", "127.0.0.1:4002"], defaultValue: "127.0.0.1:4028"),
        Option(
            description: "watchdog", set: { $0.watchdog = $1 == 1 ? .device("/dev/watchdog1") : .off },
            read: { $0.watchdog.map { "\($0)" } ?? "-" }, expected: [#"device("/dev/watchdog1")"#, "off"], defaultValue: "-"),
        Option(description: "tick rate", set: { $0.tickRate = Double($1 * 4) }, read: { "\($0.period)" }, expected: ["0.25 seconds", "0.125 seconds"], defaultValue: "0.5 seconds"),
        Option(description: "ticks", set: { $0.maxTicks = $1 }, read: { "\($0.maxTicks ?? 0)" }, expected: ["1", "2"], defaultValue: "0"),
        Option(
            description: "room gains", set: { $0.roomGains = PIDGains(kp: Double($1), ki: 0, kd: 0) }, read: { "\($0.roomGains?.kp ?? 0)" },
            expected: ["1.0", "2.0"], defaultValue: "0.0"),
    ]

    @Test(arguments: options)
    func theCommandLineOverTheFileOverTheDefault(option: Option) {
        var commandLine = DaemonOptions.Given()
        var file = DaemonOptions.Given()
        option.set(&commandLine, 1)
        option.set(&file, 2)
        #expect(option.read(DaemonOptions(commandLine: commandLine, config: file)) == option.expected[0], "the command line wins")
        #expect(option.read(DaemonOptions(commandLine: commandLine)) == option.expected[0])
        #expect(option.read(DaemonOptions(commandLine: DaemonOptions.Given(), config: file)) == option.expected[1], "then the file")
        #expect(option.read(DaemonOptions(commandLine: DaemonOptions.Given())) == option.defaultValue, "then the default")
    }

    /// An explicit `--tick-rate 2` wins over the file's `tick_rate`, though 2 is the default.
    @Test func anExplicitDefaultStillWins() {
        var commandLine = DaemonOptions.Given()
        commandLine.tickRate = 2
        var file = DaemonOptions.Given()
        file.tickRate = 10
        #expect(DaemonOptions(commandLine: commandLine, config: file).period == .milliseconds(500))
    }

    /// `off` is accepted wherever an address is, on the command line and in the file, and turns
    /// that server off whatever the other source says.
    @Test func offWhereverAnAddressIs() throws {
        let config = try HearthConfig.parse("[api]\nlisten = \"off\"\ncgminer = \"off\"\n", file: "hearth.toml")
        #expect(config.api == .off && config.cgminer == .off)
        let fromFile = DaemonOptions(commandLine: DaemonOptions.Given(), config: config.given)
        #expect(fromFile.api == nil && fromFile.cgminer == nil)
        var commandLine = DaemonOptions.Given()
        commandLine.api = try Listener(parsing: "off", source: "--api")
        commandLine.cgminer = try Listener(parsing: "[::1]:4029", source: "--cgminer-api")
        let both = DaemonOptions(commandLine: commandLine, config: try HearthConfig.parse("[api]\ncgminer = \"off\"\n", file: "h.toml").given)
        #expect(both.api == nil)
        #expect(both.cgminer?.host == "::1" && both.cgminer?.port == 4029)
        #expect(throws: ConfigError.self) { try Listener(parsing: "of", source: "--api") }
    }

    /// The API's token is the file's, whichever source says where the API listens.
    @Test func theTokenIsTheFilesWhereverTheAPIListens() throws {
        let config = try HearthConfig.parse("[api]\nlisten = \"127.0.0.1:8081\"\ntoken = \"0123456789abcdef\"\n", file: "h.toml")
        var commandLine = DaemonOptions.Given()
        commandLine.api = .on(APIOptions(port: 9090))
        let options = DaemonOptions(commandLine: commandLine, config: config.given)
        #expect(options.api == APIOptions(host: "127.0.0.1", port: 9090, token: "0123456789abcdef"))
    }

    /// A setpoint or mode from the command line is a person's: it holds until the schedule's next
    /// slot. The file's is not.
    @Test func aSetpointFromTheCommandLineIsAPersons() {
        var commandLine = DaemonOptions.Given()
        commandLine.setpoint = Celsius(22)
        #expect(DaemonOptions(commandLine: commandLine).manualAtStart)
        #expect(!DaemonOptions(commandLine: DaemonOptions.Given(), config: commandLine).manualAtStart)
    }
}

@Suite struct BoardSearchTests {
    /// Where the package installs the boards, then beside the binary, then the working directory.
    @Test func installedThenBesideTheBinaryThenTheWorkingDirectory() {
        let folders = BoardSearch.folders(executable: "/opt/hearth/bin/hearth")
        #expect(folders == [
            "/usr/share/hearth/Board", "/usr/local/share/hearth/Board", "/opt/hearth/share/hearth/Board", "/opt/hearth/bin/Board", "Board",
        ])
    }

    @Test func theFirstFolderHoldingTheBoardWins() throws {
        let empty = try temporaryFolder()
        #expect(BoardSearch.defaultBoardFile(folders: [empty, "\(boardFolder)", "Board"]) == "\(boardFolder)/sim.toml")
        #expect(BoardSearch.defaultBoardFile(folders: [empty]) == "Board/sim.toml", "none holds it: the name a person recognises")
    }
}
