import Foundation
import HearthHistory

/// Weeks of 30 s history samples written to a database as hearthd writes them (one sample at a
/// time, each with the week's retention after it): what `hearth bench history` measures, the
/// size on disk after each week (the file, its write-ahead log and its index) and what a write
/// costs. The samples look like a heater's: a setpoint of 21 °C by day and 17 °C by night, the
/// room following it, the power and the hash rate swinging, an hour with a fault latched.
public struct HistoryBenchmark: Sendable {
    /// What a run did.
    public struct Result: Sendable {
        /// The database written.
        public var path: String
        public var samples: Int
        /// Rows in the table at the end.
        public var rows: Int
        /// Bytes on disk at the end of each week written.
        public var bytesAfterWeek: [Int]
        /// Each write's time, sorted.
        public var writes: [Duration]

        public var meanWrite: Duration { writes.reduce(.zero, +) / max(writes.count, 1) }
        /// The write time at `fraction` (0…1) of the sorted writes.
        public func write(at fraction: Double) -> Duration {
            writes.isEmpty ? .zero : writes[min(Int(Double(writes.count) * fraction), writes.count - 1)]
        }
    }

    /// Weeks of samples to write.
    public var weeks: Int
    /// The database to write (made new: an old file there is removed); `nil`: a temporary one,
    /// removed afterwards.
    public var path: String?
    /// The newest sample's time, seconds since 1970 (the others are before it, 30 s apart).
    public var end: Double

    public init(weeks: Int = 2, path: String? = nil, end: Double = Date().timeIntervalSince1970) {
        self.weeks = weeks
        self.path = path
        self.end = end
    }

    /// A heater's sample `index` of a week (2 880 a day), at `time` (the setpoint follows UTC's day).
    static func sample(_ index: Int, at time: Double) -> HistorySample {
        let minuteOfDay = Int(time) % 86_400 / 60
        let setpoint = (390..<1350).contains(minuteOfDay) ? 21.0 : 17.0
        let power = max(0, min(400, 220 + 170 * sin(Double(index) / 90)))
        return HistorySample(
            time: time, ticks: 60, room: setpoint - 0.4 + 0.3 * sin(Double(index) / 40), setpoint: setpoint, powerWatts: power,
            hashRate: 1.2e9 * power / 400, fanDuty: 0.3 + power / 1000, fanRPM: 900 + 3 * power, energyKWh: power * 30 / 3.6e6,
            sats: 0.02 * power / 400, faults: (6000..<6120).contains(index % 20_160) ? ["fan stalled: commanded 100 % but no tach"] : [])
    }

    public func run() async throws -> Result {
        let folder = path == nil ? FileManager.default.temporaryDirectory.appendingPathComponent("hearth-bench-\(UUID().uuidString)").path : nil
        let file = path ?? "\(folder!)/history.sqlite"
        defer { if let folder { try? FileManager.default.removeItem(atPath: folder) } }
        for extra in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + extra) }
        let (database, _) = try await HistoryDatabase.open(path: file)
        let perWeek = HistoryDatabase.maxRows
        let count = weeks * perWeek
        let last = (end / 30).rounded(.down) * 30
        var writes: [Duration] = []
        writes.reserveCapacity(count)
        var bytes: [Int] = []
        let clock = ContinuousClock()
        do {
            for index in 0..<count {
                let sample = Self.sample(index, at: last - Double(count - 1 - index) * 30)
                let start = clock.now
                try await database.write(sample)
                writes.append(start.duration(to: clock.now))
                if (index + 1) % perWeek == 0 { bytes.append(Self.bytesOnDisk(file)) }
            }
        } catch {
            await database.close()
            throw error
        }
        let rows = try await database.count()
        await database.close()
        return Result(path: file, samples: count, rows: rows, bytesAfterWeek: bytes, writes: writes.sorted())
    }

    /// The database's bytes on disk: the file, its write-ahead log and the log's index.
    static func bytesOnDisk(_ file: String) -> Int {
        ["", "-wal", "-shm"].reduce(0) { total, extra in
            total + ((try? FileManager.default.attributesOfItem(atPath: file + extra)[.size] as? Int) ?? 0)
        }
    }
}
