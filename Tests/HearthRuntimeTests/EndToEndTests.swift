import Foundation
import HearthStratumTesting
import HearthTestFixtures
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The daemon as a person runs it: the `hearthd` binary on the simulated board with a
/// configuration file, a pool on loopback, the HTTP API driven over real HTTP, and SIGTERM.
@Suite struct EndToEndTests {
    let token = "e2e-token-0123456789"

    /// The built `hearthd`, beside the test bundle.
    static var hearthd: URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent(), Bundle.main.bundleURL] {
            let url = candidate.appendingPathComponent("hearthd")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Starts `hearthd` with `arguments`, its output going to a fresh file at `log`.
    static func launch(_ hearthd: URL, _ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = hearthd
        process.arguments = arguments
        #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
        let handle = try FileHandle(forWritingTo: log)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        return process
    }

    func request(_ method: String, _ url: String, body: String? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = body.map { Data($0.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    @Test func heatsMinesTakesOrdersAndStopsSafely() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let pool = try await TestPool(name: "e2e")
        defer { Task { await pool.stop() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let apiPort = freeLoopbackPort()
        let board = "\(boardFolder)/sim.toml"
        let state = folder.appendingPathComponent("state.json").path
        let config = folder.appendingPathComponent("hearth.toml")
        try """
            board = "\(board)"
            state = "\(state)"
            [heater]
            setpoint = 21
            tick_rate = 10
            [api]
            listen = "127.0.0.1:\(apiPort)"
            token = "\(token)"
            [economics]
            price = 0.30
            btc_price = 100000
            [[pool]]
            url = "stratum+tcp://127.0.0.1:\(pool.port)"
            user = "bc1qheater.den"
            """.write(to: config, atomically: true, encoding: .utf8)

        let log = folder.appendingPathComponent("hearthd.log")
        let process = try Self.launch(hearthd, ["--config", config.path, "--log-level", "info"], log: log)
        defer { if process.isRunning { process.terminate() } }

        let api = "http://127.0.0.1:\(apiPort)/api"
        var accepted = 0
        for _ in 0..<3000 where accepted < 3 {
            try await Task.sleep(for: .milliseconds(20))
            let status = try? await request("GET", "\(api)/status")
            accepted = ((status?.1["pool"] as? [String: Any])?["accepted"] as? Int) ?? 0
        }
        #expect(accepted >= 3, "the simulated heater's shares reach the pool and are accepted")
        #expect(pool.shares.count >= 3 && pool.shares.allSatisfy { $0.valid }, "the pool rehashed every share")
        let (_, mining) = try await request("GET", "\(api)/status")
        #expect((mining["engine"] as? String)?.hasPrefix("ASIC (4 × BM1366 on sim-uart at ") == true, "the chain's twin hashed them")
        let today = (mining["economics"] as? [String: Any])?["today"] as? [String: Any]
        #expect((today?["energyKWh"] as? Double ?? 0) > 0 && (today?["cost"] as? Double ?? 0) > 0, "the heat is counted: \(today ?? [:])")
        #expect((today?["earnedSats"] as? Double ?? 0) > 0 && (today?["earned"] as? Double ?? 0) > 0, "and what the accepted shares earn")

        let (setStatus, setBody) = try await request("PUT", "\(api)/setpoint", body: #"{"setpoint": 23.5}"#)
        #expect(setStatus == 200 && setBody["setpoint"] as? Double == 23.5)
        let (modeStatus, _) = try await request("PUT", "\(api)/mode", body: #"{"mode": "eco"}"#)
        #expect(modeStatus == 200)
        let (badStatus, badBody) = try await request("PUT", "\(api)/setpoint", body: #"{"setpoint": 99}"#)
        #expect(badStatus == 400)
        #expect(((badBody["error"] as? [String: Any])?["message"] as? String)?.contains("outside") == true)
        let (_, after) = try await request("GET", "\(api)/status")
        #expect(after["setpoint"] as? Double == 23.5 && after["mode"] as? String == "eco", "the refused request changed nothing")

        // A schedule set through the API takes over at the next tick and is kept in the state file.
        let weekly = #"{"slots": [{"at": "00:00", "setpoint": 19.5, "mode": "night"}]}"#
        let (scheduleStatus, scheduleBody) = try await request("PUT", "\(api)/schedule", body: weekly)
        #expect(scheduleStatus == 200 && scheduleBody["source"] as? String == "api")
        #expect((scheduleBody["slots"] as? [[String: Any]])?.count == 7)
        var scheduled: [String: Any] = [:]
        for _ in 0..<500 where scheduled["setpoint"] as? Double != 19.5 {
            try await Task.sleep(for: .milliseconds(20))
            scheduled = try await request("GET", "\(api)/status").1
        }
        #expect(scheduled["setpoint"] as? Double == 19.5 && scheduled["mode"] as? String == "night")

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(said.contains("safe state (the control task ended): fans full, hash board off and in reset"), "\(said.suffix(600))")
        #expect(said.contains("hash board: 4 × BM1366 answered on sim-uart; core at 1.2 V by the DS4432U at 0x48 OUT0"))
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state))) as? [String: Any])
        #expect(saved["setpoint"] as? Double == 19.5)
        #expect(saved["mode"] as? String == "night")
        #expect((saved["schedule"] as? [[String: Any]])?.first?["at"] as? String == "00:00", "the API's schedule survives a restart")
        #expect((saved["lifetimeHashes"] as? Int ?? 0) > 0)
        #expect((saved["bestShareDifficulty"] as? Double ?? 0) >= 0x1p-16)
        let accounts = saved["lifetimeAccounts"] as? [String: Any]
        #expect((accounts?["energyKWh"] as? Double ?? 0) > 0 && (accounts?["sats"] as? Double ?? 0) > 0, "the accounts' lifetime is kept")
    }

    /// A newcomer's first run: the simulated board with no pool hashes local work as its heat,
    /// and says so ("no pool: heat only"); with `--offline idle` it is a plain heater.
    @Test func withoutAPoolTheSimulatedBoardHashesForHeatOnly() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-nopool-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("hearthd.log")

        /// The status once the heater has heated for a second, or hashed.
        func status(_ arguments: [String]) async throws -> [String: Any] {
            let apiPort = freeLoopbackPort()
            let process = try Self.launch(
                hearthd, ["--board", "\(boardFolder)/sim.toml", "--api", "127.0.0.1:\(apiPort)", "--cgminer-api", "off",
                          "--tick-rate", "10", "--setpoint", "25"] + arguments, log: log)
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            var status: [String: Any] = [:], heating = 0
            for _ in 0..<1500 where (status["hashes"] as? Int ?? 0) == 0 && heating < 50 {
                try await Task.sleep(for: .milliseconds(20))
                status = (try? await request("GET", "http://127.0.0.1:\(apiPort)/api/status").1) ?? [:]
                if (status["powerWatts"] as? Double ?? 0) > 0 { heating += 1 }
            }
            return status
        }

        let heat = try await status([])
        #expect((heat["hashes"] as? Int ?? 0) > 0, "hashing without a pool: \(heat)")
        #expect(heat["heatOnly"] as? Bool == true)
        #expect(heat["pool"] == nil || heat["pool"] is NSNull)

        let idle = try await status(["--offline", "idle"])
        #expect((idle["powerWatts"] as? Double ?? 0) > 0, "heating: \(idle)")
        #expect(idle["hashes"] as? Int == 0 && idle["heatOnly"] as? Bool == false, "a plain heater: \(idle)")
    }

    /// A fault latched and then the daemon killed with SIGKILL (no `defer`, no graceful stop):
    /// the fault was on disk from the tick that latched it, and the next start comes up latched,
    /// compute off. A state file that cannot be read at all is a fault of its own.
    @Test func aLatchedFaultOutlivesSIGKILL() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-kill-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("gone.toml")
        try "heater = \"400w\"\n[[event]]\nat = \"1s\"\nfault = \"gone-heatsink\"\n".write(to: scenario, atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("state.json").path
        let log = folder.appendingPathComponent("hearthd.log")

        func start(_ arguments: [String]) throws -> Process {
            try Self.launch(
                hearthd, ["--board", "\(boardFolder)/sim.toml", "--state", state, "--api", "off", "--cgminer-api", "off"] + arguments, log: log)
        }
        func latched() -> [String] {
            guard let data = FileManager.default.contents(atPath: state),
                let saved = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return [] }
            return saved["latchedFaults"] as? [String] ?? []
        }

        let first = try start(["--scenario", scenario.path, "--tick-rate", "20"])
        for _ in 0..<1000 where latched().isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(first.terminationReason == .uncaughtSignal)
        #expect(latched() == ["sensor heatsink lost (NACK on address)"], "on disk before the kill: \(latched())")

        let second = try start(["--ticks", "2", "--tick-rate", "20"])
        second.waitUntilExit()
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(second.terminationStatus == 0, "\(said.suffix(600))")
        #expect(said.contains("fault still latched from before the restart: sensor heatsink lost"))
        #expect(said.contains("(compute off)"), "the restart heats nothing: \(said.suffix(600))")
        #expect(latched() == ["sensor heatsink lost (NACK on address)"], "still latched until a person clears it")

        try "{\"version\": 1, \"setpo".write(toFile: state, atomically: false, encoding: .utf8)
        let third = try start(["--ticks", "2", "--tick-rate", "20"])
        third.waitUntilExit()
        let unreadable = try String(contentsOf: log, encoding: .utf8)
        #expect(unreadable.contains("fault still latched from before the restart: the state file could not be read"))
        #expect(unreadable.contains("(compute off)"), "\(unreadable.suffix(600))")
    }

    /// A history database that is garbage: hearthd moves it aside, starts a new one, says so in
    /// the log and the status, and heats; stopped and started again, it finds its samples there.
    @Test func aCorruptHistoryIsReplacedAndTheHeaterHeats() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-history-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let history = folder.appendingPathComponent("history.sqlite").path
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: history))
        let apiPort = freeLoopbackPort()
        let log = folder.appendingPathComponent("hearthd.log")
        func start(_ arguments: [String]) throws -> Process {
            try Self.launch(
                hearthd,
                ["--board", "\(boardFolder)/sim.toml", "--state", folder.appendingPathComponent("state.json").path, "--cgminer-api", "off",
                 "--setpoint", "25", "--tick-rate", "10"] + arguments, log: log)
        }
        let first = try start(["--api", "127.0.0.1:\(apiPort)"])
        defer { if first.isRunning { first.terminate() } }
        var status: [String: Any] = [:]
        for _ in 0..<500 where (status["powerWatts"] as? Double ?? 0) == 0 {
            try await Task.sleep(for: .milliseconds(20))
            status = (try? await request("GET", "http://127.0.0.1:\(apiPort)/api/status").1) ?? [:]
        }
        let problem = status["history"] as? String ?? ""
        #expect(problem.contains("history database \(history): it is not a database SQLite can read"), "\(problem)")
        #expect(problem.contains("moved aside to \(history).corrupt, a new one started"), "\(problem)")
        #expect((status["powerWatts"] as? Double ?? 0) > 0 && (status["faults"] as? [String])?.isEmpty == true, "it heats: \(status)")
        let (_, page) = try await request("GET", "http://127.0.0.1:\(apiPort)/api/history?range=6h")
        #expect(page["store"] as? String == "database" && ((page["samples"] as? [Any])?.count ?? 0) >= 1)
        first.terminate()
        first.waitUntilExit()
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(first.terminationStatus == 0 && said.contains("moved aside to \(history).corrupt"), "\(said.suffix(600))")
        #expect(FileManager.default.contents(atPath: history + ".corrupt") == Data(repeating: 0x5A, count: 4096))

        let second = try start(["--api", "off", "--ticks", "2"])
        second.waitUntilExit()
        let again = try String(contentsOf: log, encoding: .utf8)
        #expect(second.terminationStatus == 0)
        // As many samples as 30 s intervals the first run touched (one, or more on a loaded machine).
        let line = again.split(separator: "\n").first { $0.contains("kept in \(history)") }
        let kept = line?.components(separatedBy: "history: ").last?.split(separator: " ").first.flatMap { Int($0) }
        #expect((kept ?? 0) >= 1, "the sample under way at the stop was written: \(line.map(String.init) ?? String(again.prefix(1200)))")
    }

    /// The hash chain's twin rolls version bits, and the job signals a BIP 9 bit under the mask:
    /// a pool that ORs the submitted bits into the job's version and one that replaces the masked
    /// bits (BIP 310) both rebuild the header the chips hashed, so every share is accepted.
    @Test(arguments: TestPool.VersionFormula.allCases)
    func theChainsSharesPassEitherKindOfPoolWithAJobBitUnderTheMask(formula: TestPool.VersionFormula) async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let pool = try await TestPool(name: "bip9", behaviour: .init(versionFormula: formula, jobVersionBits: 0x1000_0000))
        defer { Task { await pool.stop() } }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-bip9-\(getpid())-\(formula)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("hearthd.log")
        let process = try Self.launch(
            hearthd,
            [
                "--board", "\(boardFolder)/sim.toml", "--state", folder.appendingPathComponent("state.json").path,
                "--api", "off", "--cgminer-api", "off", "--setpoint", "25", "--tick-rate", "10",
                "--pool", "stratum+tcp://127.0.0.1:\(pool.port)", "--user", "bc1qheater.den",
            ], log: log)
        defer { if process.isRunning { process.terminate() } }
        for _ in 0..<3000 where pool.shares.count < 5 { try await Task.sleep(for: .milliseconds(20)) }
        process.terminate()
        process.waitUntilExit()
        let said = try String(contentsOf: log, encoding: .utf8)
        #expect(pool.shares.count >= 5, "\(said.suffix(800))")
        #expect(pool.shares.allSatisfy { $0.valid }, "every share rebuilt to the header the chips hashed")
        #expect(said.contains("4 × BM1366 answered on sim-uart"))
    }
}
