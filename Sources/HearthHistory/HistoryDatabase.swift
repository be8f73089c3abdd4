import Foundation
import SQLiteNIO
import Synchronization

/// A week of history samples in one SQLite file (through sqlite-nio, whose queries run on NIO's
/// blocking-I/O thread pool, never on the caller's thread). Bounded: each write deletes the rows
/// a week older than the sample written, and every `trimEvery` writes (and at the opening) all but
/// the newest `maxRows`, which bounds the table even where the clock once ran ahead and left rows
/// "from the future" (they are kept otherwise: a board that boots with its clock behind must not
/// delete the real week). The file, whose freed pages the next rows reuse, stops growing
/// (`BENCHMARKS.md` has its size). Write-ahead logging, synced at
/// checkpoints rather than at every sample: a power cut may lose the last few samples, never the
/// file; the log is checkpointed at about 1 MB and cut back to that.
///
/// `open` checks the file first: one that is not a database, fails SQLite's quick check or was
/// made by another schema is moved aside (`<path>.corrupt` or `<path>.incompatible`, replacing
/// one left there before) and a new one started, and the caller is told what, where and why.
public final class HistoryDatabase: Sendable {
    /// The file.
    public let path: String
    /// How far back the samples are kept, seconds: a week.
    public static let retention = 7 * 24 * 3600.0
    /// Rows kept at most: a week of 30 s samples.
    public static let maxRows = Int(retention / 30)
    /// Writes between two trims to `maxRows` (an hour of samples).
    public static let trimEvery = 120
    /// The schema this build writes (SQLite's `user_version`).
    static let schemaVersion = 1

    private let connection: SQLiteConnection
    /// Writes since the last trim.
    private let writes = Mutex(0)

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = connection
    }

    /// Why a database could not be opened at all.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Opens the database at `path`, making its folder if missing. A file that is missing becomes
    /// a new database; one that is bad is moved aside and replaced, and `replaced` says what was
    /// wrong with it and where it went. Throws only when no database can be had there at all (a
    /// folder that cannot be made, a file that cannot be written), saying why.
    public static func open(path: String) async throws(Failure) -> (database: HistoryDatabase, replaced: String?) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "history database \(path): its folder cannot be made (\(reason(error)))")
        }
        let existed = FileManager.default.fileExists(atPath: path)
        var replaced: String?
        var connection: SQLiteConnection?
        do {
            let opened = try await SQLiteConnection.open(storage: .file(path: path))
            connection = opened
            if existed, let (problem, suffix) = await check(opened) {
                try? await opened.close()
                connection = nil
                replaced = try moveAside(path, suffix: suffix, because: problem)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            // SQLite could not open the file at all: moved aside if it was there, else nothing to do.
            guard existed else { throw Failure(description: "history database \(path) cannot be made (\(reason(error)))") }
            replaced = try moveAside(path, suffix: "corrupt", because: "it cannot be opened (\(reason(error)))")
        }
        do {
            let opened: SQLiteConnection
            if let connection {
                opened = connection
            } else {
                opened = try await SQLiteConnection.open(storage: .file(path: path))
            }
            let database = HistoryDatabase(path: path, connection: opened)
            do {
                try await database.prepare()
            } catch {
                try? await opened.close()
                throw error
            }
            return (database, replaced)
        } catch {
            throw Failure(description: "history database \(path) cannot be made (\(reason(error)))")
        }
    }

    /// What is wrong with an existing file, and the suffix it is kept under; `nil` when it is a
    /// good database of this schema, or an empty one.
    private static func check(_ connection: SQLiteConnection) async -> (problem: String, suffix: String)? {
        do {
            let verdict = try await connection.query("PRAGMA quick_check").compactMap { $0.columns.first?.data.string }
            guard verdict == ["ok"] else {
                return ("SQLite's quick check found it corrupt (\(verdict.prefix(3).joined(separator: "; ")))", "corrupt")
            }
            let version = try await connection.query("PRAGMA user_version").first?.columns.first?.data.integer ?? 0
            let tables = try await connection.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap {
                $0.column("name")?.string
            }
            if Int(version) == schemaVersion || (version == 0 && tables.isEmpty) { return nil }
            return ("it holds schema version \(version) (tables \(tables.joined(separator: ", "))), not this build's \(schemaVersion)", "incompatible")
        } catch {
            return ("it is not a database SQLite can read (\(reason(error)))", "corrupt")
        }
    }

    /// Moves a bad file (and its write-ahead log) to `<path>.<suffix>`, replacing one kept there
    /// before, so that bad files never pile up; returns the report of it.
    private static func moveAside(_ path: String, suffix: String, because problem: String) throws(Failure) -> String {
        let kept = "\(path).\(suffix)"
        for extra in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: kept + extra)
            guard FileManager.default.fileExists(atPath: path + extra) else { continue }
            do {
                try FileManager.default.moveItem(atPath: path + extra, toPath: kept + extra)
            } catch {
                throw Failure(description: "history database \(path): \(problem), and it cannot be moved aside (\(reason(error)))")
            }
        }
        return "history database \(path): \(problem); moved aside to \(kept), a new one started"
    }

    private static func reason(_ error: any Error) -> String {
        (error as? SQLiteError)?.description ?? (error as NSError).localizedDescription
    }

    /// The settings and the table, on a new file or one checked good.
    private func prepare() async throws {
        for statement in [
            "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA wal_autocheckpoint = 256",
            "PRAGMA journal_size_limit = 1048576",
            """
            CREATE TABLE IF NOT EXISTS samples (
                time INTEGER PRIMARY KEY, ticks INTEGER NOT NULL, room REAL, setpoint REAL NOT NULL,
                power_watts REAL NOT NULL, hash_rate REAL NOT NULL, fan_duty REAL, fan_rpm REAL,
                energy_kwh REAL NOT NULL, sats REAL NOT NULL, faults TEXT)
            """,
            "PRAGMA user_version = \(Self.schemaVersion)",
        ] {
            _ = try await connection.query(statement)
        }
        try await trim()
    }

    /// Deletes all but the newest `maxRows` rows.
    private func trim() async throws {
        _ = try await connection.query(
            "DELETE FROM samples WHERE time < (SELECT time FROM samples ORDER BY time DESC LIMIT 1 OFFSET ?)",
            [.integer(SQLiteInt64(Self.maxRows - 1))])
    }

    /// Writes a sample (replacing one of the same interval, as a sample written at a stop and
    /// finished after the restart), then deletes the rows a week older than it, and every
    /// `trimEvery` writes all but the newest `maxRows`.
    public func write(_ sample: HistorySample) async throws {
        let time = SQLiteInt64(sample.time.rounded(.down))
        _ = try await connection.query(
            """
            INSERT OR REPLACE INTO samples
                (time, ticks, room, setpoint, power_watts, hash_rate, fan_duty, fan_rpm, energy_kwh, sats, faults)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(time), .integer(SQLiteInt64(sample.ticks)), Self.value(sample.room), .float(sample.setpoint),
                .float(sample.powerWatts), .float(sample.hashRate), Self.value(sample.fanDuty), Self.value(sample.fanRPM),
                .float(sample.energyKWh), .float(sample.sats),
                sample.faults.isEmpty ? .null : .text(sample.faults.joined(separator: "\n")),
            ])
        _ = try await connection.query("DELETE FROM samples WHERE time <= ?", [.integer(time - SQLiteInt64(Self.retention))])
        let due = writes.withLock { writes in
            writes = (writes + 1) % Self.trimEvery
            return writes == 0
        }
        if due { try await trim() }
    }

    /// The samples from `start` to `end` (seconds since 1970), oldest first.
    public func samples(from start: Double, to end: Double) async throws -> [HistorySample] {
        let rows = try await connection.query(
            """
            SELECT time, ticks, room, setpoint, power_watts, hash_rate, fan_duty, fan_rpm, energy_kwh, sats, faults
                FROM samples WHERE time >= ? AND time <= ? ORDER BY time
            """,
            [.float(start), .float(end)])
        return rows.map { row in
            let columns = row.columns.map(\.data)
            return HistorySample(
                time: columns[0].double ?? 0, ticks: Int(columns[1].integer ?? 0), room: columns[2].double,
                setpoint: columns[3].double ?? 0, powerWatts: columns[4].double ?? 0, hashRate: columns[5].double ?? 0,
                fanDuty: columns[6].double, fanRPM: columns[7].double, energyKWh: columns[8].double ?? 0,
                sats: columns[9].double ?? 0, faults: columns[10].string.map { $0.split(separator: "\n").map(String.init) } ?? [])
        }
    }

    /// The newest sample's time; `nil` while there is none.
    public func newest() async throws -> Double? {
        try await connection.query("SELECT max(time) FROM samples").first?.columns.first?.data.double
    }

    /// Rows in the table.
    public func count() async throws -> Int {
        Int(try await connection.query("SELECT count(*) FROM samples").first?.columns.first?.data.integer ?? 0)
    }

    /// Closes the file (the write-ahead log checkpointed into it).
    public func close() async {
        try? await connection.close()
    }

    private static func value(_ number: Double?) -> SQLiteData { number.map { .float($0) } ?? .null }
}
