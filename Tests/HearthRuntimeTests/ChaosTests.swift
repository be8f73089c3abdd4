import Foundation
import HearthConfig
import HearthNet
import HearthTestFixtures
import NIOHTTP1
import Testing

/// The real `hearthd` on the simulated board, killed with SIGKILL at random moments a hundred
/// times (seeded): in a tick, in the middle of a state write, in the middle of an API request.
/// Every start after a latched fault comes up latched with compute off, and the state file is
/// never unreadable.
@Suite struct ChaosTests {
    /// SplitMix64: the same kill moments on every run.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let token = "chaos-token-0123456789"

    /// One HTTP request with the token, on the heater's own small client (its time limit holds
    /// when the far end is killed mid-request); the status and the JSON body, or nil if nothing
    /// answered.
    static func ask(_ method: HTTPMethod, _ url: String, body: String? = nil) async -> (Int, [String: Any])? {
        guard
            let response = try? await PlainHTTP.send(
                method, url: url, headers: [("Authorization", "Bearer \(token)")], body: Array((body ?? "").utf8), timeout: .seconds(2))
        else { return nil }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return (response.status, object)
    }

    @Test(.timeLimit(.minutes(10)))
    func killedAHundredTimesItNeverForgetsALatchAndNeverLosesItsState() async throws {
        let hearthd = try #require(EndToEndTests.hearthd, "build hearthd first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-chaos-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The heat sink's sensor is lost 1 s after each start: a fault latches in every run.
        let scenario = folder.appendingPathComponent("gone.toml")
        try "heater = \"400w\"\n[[event]]\nat = \"1s\"\nfault = \"gone-heatsink\"\n".write(to: scenario, atomically: true, encoding: .utf8)
        let state = folder.appendingPathComponent("state.json").path
        var random = Seeded(state: 20_261_204)
        var counts = (runs: 0, startedLatched: 0, killedWhileWriting: 0, unreadable: 0, forgotten: 0)

        for _ in 0..<100 {
            let before = StateStore(path: state).load()
            #expect(before.warning == nil, "the state file is always readable: \(before.warning ?? "")")
            if before.warning != nil { counts.unreadable += 1 }
            let port = freeLoopbackPort()
            let config = folder.appendingPathComponent("hearth.toml")
            try """
                board = "\(boardFolder)/sim.toml"
                state = "\(state)"
                [heater]
                tick_rate = 50
                [api]
                listen = "127.0.0.1:\(port)"
                cgminer = "off"
                token = "\(Self.token)"
                """.write(to: config, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = hearthd
            process.arguments = ["--config", config.path, "--scenario", scenario.path, "--log-level", "error"]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            counts.runs += 1
            defer {
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                }
            }

            // Up: a start after a latched fault shows it, with compute off.
            let api = "http://127.0.0.1:\(port)/api"
            var status: [String: Any]?
            for _ in 0..<1000 where status == nil {
                if let (code, body) = await Self.ask(.GET, "\(api)/status"), code == 200 { status = body } else {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            let shown = try #require(status, "hearthd answered")
            if !before.state.latchedFaults.isEmpty {
                counts.startedLatched += 1
                let faults = shown["faults"] as? [String] ?? []
                let safe = Set(before.state.latchedFaults).isSubset(of: faults) && shown["powerWatts"] as? Double == 0
                #expect(safe, "came up latched and safe: \(faults), \(shown["powerWatts"] ?? "?") W")
                if !safe { counts.forgotten += 1 }
            }

            // Then, at a random moment: a person clears the faults and sets a schedule (each a
            // state write) while the status is read, and SIGKILL comes in the middle of it all.
            let requests = Task {
                for index in 0..<20 {
                    if index % 5 == 0 { _ = await Self.ask(.POST, "\(api)/faults/clear") }
                    _ = await Self.ask(.PUT, "\(api)/schedule", body: #"{"slots": [{"at": "0\#(index % 10):00", "setpoint": 19}]}"#)
                    _ = await Self.ask(.GET, "\(api)/status")
                }
            }
            let delay = Int.random(in: 0...1500, using: &random)
            try await Task.sleep(for: .milliseconds(delay))
            if FileManager.default.fileExists(atPath: state + ".tmp-\(process.processIdentifier)") { counts.killedWhileWriting += 1 }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            requests.cancel()
            _ = await requests.value
        }
        print("chaos: \(counts.runs) runs killed with SIGKILL, \(counts.startedLatched) starts after a latch all latched and safe "
            + "(\(counts.forgotten) forgot), \(counts.killedWhileWriting) kills with a state write under way, \(counts.unreadable) unreadable state files")
        #expect(counts.startedLatched >= 10, "enough starts after a latch to mean something")
        #expect(counts.forgotten == 0 && counts.unreadable == 0)
    }
}
