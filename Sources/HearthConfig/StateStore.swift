import Foundation
import HearthControl
import Synchronization

/// What the heater remembers across restarts.
public struct HeaterState: Codable, Hashable, Sendable {
    /// The format's version, so a later build can read an older file.
    public var version = 1
    public var setpoint = 20.0
    public var mode = Mode.heat
    /// Faults latched when the daemon stopped, as they were said: a restart does not clear them.
    public var latchedFaults: [String] = []
    public var bestShareDifficulty = 0.0
    public var lifetimeEnergyKWh = 0.0
    public var lifetimeHashes: UInt64 = 0
    /// The accounts' lifetime totals (heat, its cost, earnings); `nil` until accounts are kept.
    /// Optional, so that a file from before it reads as it was.
    public var lifetimeAccounts: HeatLedger.Totals?
    /// The room's warm-up windows optimal start learned from; `nil` until it has some.
    public var warmUp: [WarmUpModel.Observation]?
    /// The weekly schedule set through the API, which holds instead of the configuration file's
    /// until the API returns to it; `nil`: the configuration's.
    public var schedule: [ScheduleEntry]?

    public init() {}
}

/// The state file: read at start, written atomically (a temporary file beside it, fsync, rename,
/// fsync of the folder), so a power cut leaves either the old state or the new, never half of one.
/// A file that cannot be read as state is reported, kept beside as `<name>.bad` for a person to
/// look at, and replaced by defaults: never a crash, and nothing lost.
public struct StateStore: Sendable {
    public let path: String
    /// The system calls its writes make (a test cuts the power there).
    let calls: AtomicWriteCalls

    public init(path: String) {
        self.init(path: path, calls: .live)
    }

    init(path: String, calls: AtomicWriteCalls) {
        self.path = path
        self.calls = calls
    }

    /// The state, and a warning when the file was there but unusable. Temporary files that a
    /// write cut short by a crash or a power cut left beside it are removed.
    public func load() -> (state: HeaterState, warning: String?) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
        guard FileManager.default.fileExists(atPath: path) else { return (HeaterState(), nil) }
        let reason: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return (try JSONDecoder().decode(HeaterState.self, from: data), nil)
        } catch let error as DecodingError {
            reason = Self.describe(error)
        } catch {
            reason = error.localizedDescription
        }
        let kept = path + ".bad"
        try? FileManager.default.removeItem(atPath: kept)
        let moved = (try? FileManager.default.moveItem(atPath: path, toPath: kept)) != nil
        return (HeaterState(), "\(path): \(reason); starting from defaults\(moved ? ", the old file kept as \(kept)" : "")")
    }

    /// Writes the state atomically.
    public func save(_ state: HeaterState) throws(ConfigError) {
        let data: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            data = try encoder.encode(state)
        } catch {
            throw ConfigError(file: path, key: "", reason: "cannot be encoded: \(error)")
        }
        try writeAtomically(data, to: path, calls: calls)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): "not valid state (\(context.debugDescription))"
        case .keyNotFound(let key, _): "not valid state: \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "not valid state: \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        @unknown default: "not valid state"
        }
    }
}

/// The heater's remembered state, held in memory and written through on every change, one change
/// at a time (the control task's latches, the API's schedule, the totals at a stop), so that no
/// change overwrites another and each is on disk before `update` returns.
public final class StateKeeper: Sendable {
    /// The file it writes through to.
    public let store: StateStore
    private let state: Mutex<HeaterState>

    /// Keeps `state` (as loaded from `store`) from now on.
    public init(store: StateStore, state: HeaterState) {
        self.store = store
        self.state = Mutex(state)
    }

    /// The state as last changed.
    public var current: HeaterState { state.withLock { $0 } }

    /// Changes the state and writes it to the file before returning. A write that fails is thrown;
    /// the change holds in memory and goes to the file with the next one that succeeds.
    public func update(_ change: (inout HeaterState) -> Void) throws(ConfigError) {
        let result = state.withLock { state -> Result<Void, ConfigError> in
            change(&state)
            return Result { () throws(ConfigError) in try store.save(state) }
        }
        try result.get()
    }
}
