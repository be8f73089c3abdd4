import Foundation
import HearthControl
import Synchronization
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

    /// A power cut after any byte of a write, or at any step after the bytes, leaves a file a
    /// restart reads: the old state until the new one is whole on disk, then the new one. Never
    /// an unreadable file, so never a latched fault forgotten.
    @Test func aPowerCutAtAnyMomentOfAWriteLeavesTheOldStateOrTheNew() throws {
        var old = HeaterState()
        old.setpoint = 19
        old.latchedFaults = ["fan stalled: driven but not turning"]
        var new = old
        new.latchedFaults.append("sensor room lost (timeout)")
        new.lifetimeEnergyKWh = 3.25
        new.lifetimeHashes = 987_654_321
        new.schedule = [ScheduleEntry(days: ["mon"], at: "06:30", setpoint: 21)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let size = try encoder.encode(new).count
        #expect(size > 300, "a real state file")

        // Every byte written costs one unit of power, the file's fsync one, the rename one.
        for budget in 0...(size + 3) {
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try store.save(old)
            let cut = PowerCut(budget: budget)
            let cutShort = StateStore(path: store.path, calls: cut.calls)
            if budget < size + 2 {
                #expect(throws: ConfigError.self, "the write is cut short") { try cutShort.save(new) }
            } else {
                try cutShort.save(new)
            }
            let restarted = store.load()
            #expect(restarted.warning == nil, "power cut after \(budget) units: \(restarted.warning ?? "")")
            #expect(restarted.state == (budget < size + 2 ? old : new), "power cut after \(budget) units of \(size + 3)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["state.json"], "no temporary file after the restart")
        }
    }

    /// Two writers in one process (the control task latching, the API setting a schedule) each
    /// change the state in turn: neither change is lost, and each is on disk when `update` returns.
    @Test func theKeeperWritesEveryChangeThrough() async throws {
        let keeper = StateKeeper(store: store, state: HeaterState())
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try? keeper.update { state in
                        if index.isMultiple(of: 2) {
                            state.latchedFaults.append("fault \(index)")
                        } else {
                            state.lifetimeHashes += 1
                        }
                    }
                }
            }
        }
        let onDisk = store.load().state
        #expect(onDisk == keeper.current)
        #expect(onDisk.latchedFaults.count == 10 && onDisk.lifetimeHashes == 10)
    }
}

/// The power of a machine that goes off after `budget` units of work: a written byte, an fsync or
/// a rename each cost one. Once it is spent, every call fails with EIO and changes nothing.
final class PowerCut: Sendable {
    private let left: Mutex<Int>

    init(budget: Int) { left = Mutex(budget) }

    /// Takes up to `wanted` units; how many were left.
    private func take(_ wanted: Int) -> Int {
        left.withLock { left in
            let granted = min(left, wanted)
            left -= granted
            return granted
        }
    }

    var calls: AtomicWriteCalls {
        var calls = AtomicWriteCalls.live
        calls.write = { [self] fd, bytes in
            let granted = take(bytes.count)
            guard granted > 0 else {
                errno = EIO
                return -1
            }
            return AtomicWriteCalls.live.write(fd, UnsafeRawBufferPointer(rebasing: bytes[..<granted]))
        }
        calls.fsync = { [self] fd in
            guard take(1) == 1 else {
                errno = EIO
                return -1
            }
            return AtomicWriteCalls.live.fsync(fd)
        }
        calls.rename = { [self] from, to in
            guard take(1) == 1 else {
                errno = EIO
                return -1
            }
            return AtomicWriteCalls.live.rename(from, to)
        }
        return calls
    }
}
