import Foundation
import HearthControl
import Testing

import HearthTestFixtures
@testable import HearthConfig

@Suite struct StateStoreTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    var store: StateStore { StateStore(path: "\(folder)/state.json") }

    @Test func roundTripAndNothingLeftBehind() throws {
        var state = HeaterState()
        state.setpoint = 21.5
        state.mode = .eco
        state.latchedFaults = ["fan stalled: driven but not turning"]
        state.lifetimeEnergyKWh = 12.5
        state.lifetimeHashes = 123_456_789
        try store.save(state)
        let loaded = store.load()
        #expect(loaded.state == state && loaded.warning == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"], "no temporary file left")
    }

    @Test func noFileMeansDefaultsQuietly() {
        let loaded = store.load()
        #expect(loaded.state == HeaterState() && loaded.warning == nil)
    }

    @Test(arguments: [
        ("{\"version\": 1, \"setpoint\": 21", "not valid state"),
        ("{\"version\": 1, \"setpoint\": \"warm\"}", "setpoint has the wrong type"),
        ("{\"version\": 1}", "\"setpoint\" is missing"),
        ("", "not valid state"),
    ])
    func aBadFileIsReportedKeptAndReplacedByDefaults(content: String, reason: String) throws {
        try content.write(toFile: store.path, atomically: false, encoding: .utf8)
        let loaded = store.load()
        #expect(loaded.state == HeaterState())
        #expect(loaded.warning?.contains(reason) == true, "\(loaded.warning ?? "no warning")")
        #expect(try String(contentsOfFile: store.path + ".bad", encoding: .utf8) == content, "the bad file is kept as it was")
        #expect(!FileManager.default.fileExists(atPath: store.path))
    }

    @Test func anUnwritableFolderIsAClearError() {
        let store = StateStore(path: "/nonexistent-folder/state.json")
        #expect {
            try store.save(HeaterState())
        } throws: { error in
            (error as? ConfigError)?.description == "/nonexistent-folder/state.json: cannot be written: No such file or directory"
        }
    }
}
