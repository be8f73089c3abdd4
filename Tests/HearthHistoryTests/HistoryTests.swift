import Foundation
import HearthControl
import HearthHAL
import HearthHistory
import Logging
import SQLiteNIO
import Testing

/// A control tick as the history sees it: its wall time, the room (`nil`: unreadable), the
/// setpoint, the power applied, the fan, the counters of energy and earnings, the faults.
func tick(
    at time: Double, room: Double? = 20, setpoint: Double = 21, power: Double = 400, hashRate: Double = 1e9,
    duty: Double = 0.5, rpm: Double? = 1500, energyKWh: Double = 0, sats: Double = 0, faults: [String] = []
) -> TickSnapshot {
    let readings = [
        SensorReading(name: "room", role: .room, reading: room.map { .success(Celsius($0)) } ?? .failure(HALError(.timeout, "slow")))
    ]
    var snapshot = TickSnapshot(
        elapsed: .seconds(time), readings: readings, temperatures: ResolvedTemperatures(readings), power: nil,
        fanSpeed: .success(rpm.map(RPM.init)), fanError: nil, safety: SafetyDecision(maxPower: Watts(400), fansFull: false),
        output: ControlOutput(demand: Watts(power), powerTarget: Watts(power), fanDuty: DutyCycle(duty)),
        appliedPower: Watts(power), setpoint: Celsius(setpoint), mode: .heat, faults: faults, energyKWh: energyKWh, hashes: nil)
    snapshot.wallTime = time
    snapshot.engine = .init(description: "test", hashRate: hashRate)
    snapshot.pool = .init(
        name: "primary", url: nil, authorized: true, difficulty: 1, accepted: 0, rejected: 0, stale: 0, bestDifficulty: 0,
        lastError: nil, expectedSats: sats)
    return snapshot
}

/// A sample of 30 s at `time` with these values.
func sample(at time: Double, room: Double? = 20, setpoint: Double = 21, power: Double = 400) -> HistorySample {
    HistorySample(time: time, ticks: 60, room: room, setpoint: setpoint, powerWatts: power, hashRate: 1e9, fanDuty: 0.5)
}

func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-history-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

@Suite struct AggregationTests {
    /// The ticks of one 30 s interval make one sample: the room over the ticks that read it, the
    /// power, hash rate and fan their means, the last setpoint, the energy and earnings the
    /// counters gained, every fault latched; the first tick of the next interval finishes it.
    @Test func theTicksOfThirtySecondsMakeOneSample() throws {
        var aggregator = HistoryAggregator()
        let ticks = [
            tick(at: 1_000_005, room: 19, setpoint: 20, power: 100, duty: 0.2, rpm: 1000, energyKWh: 1.0, sats: 10),
            tick(at: 1_000_010, room: 21, setpoint: 20, power: 300, duty: 0.4, rpm: nil, energyKWh: 1.5, sats: 12),
            tick(at: 1_000_019.5, room: nil, setpoint: 21, power: 200, duty: 0.6, rpm: 2000, energyKWh: 2.0, sats: 15,
                 faults: ["fan stalled"]),
        ]
        for tick in ticks {
            let finished = aggregator.add(tick)
            #expect(finished == nil, "the interval 999 990…1 000 020 is still open")
        }
        let current = try #require(aggregator.current)
        #expect(current.time == 999_990, "intervals start at multiples of 30 s")
        let next = aggregator.add(tick(at: 1_000_020, room: 25, power: 50, energyKWh: 2.1, sats: 16))
        let finished = try #require(next)
        #expect(finished.time == 999_990)
        #expect(finished.ticks == 3)
        #expect(finished.room == 20, "the unread room is left out of the mean, not counted as nothing")
        #expect(finished.powerWatts == 200)
        #expect(finished.hashRate == 1e9)
        #expect(abs(finished.fanDuty! - 0.4) < 1e-12)
        #expect(finished.fanRPM == 1500, "the rpm over the ticks that measured it")
        #expect(finished.setpoint == 21, "the setpoint at the interval's last tick")
        #expect(finished.energyKWh == 1.0, "what the energy counter gained from the first tick, not what it held before")
        #expect(finished.sats == 5)
        #expect(finished.faults == ["fan stalled"])
        let under = try #require(aggregator.current)
        #expect(under.time == 1_000_020 && under.ticks == 1 && under.room == 25)
        #expect(abs(under.energyKWh - 0.1) < 1e-12 && under.sats == 1, "counted from the last tick of the sample before")
    }

    /// With accounts kept, the energy and earnings are the accounts' (the meter's heat, after the
    /// pool's fee), not the power applied or the pool's expected value.
    @Test func theAccountsCountWhereTheyAreKept() throws {
        var aggregator = HistoryAggregator()
        var first = tick(at: 60, energyKWh: 5, sats: 100)
        var ledger = HeatLedger(lifetime: .init(energyKWh: 40, sats: 9_000))
        let settings = EconomicsSettings(tariff: .flat(0.3), currency: "EUR")
        first.accounts = .init(ledger: ledger, settings: settings, price: 0.3)
        _ = aggregator.add(first)
        var second = tick(at: 61, energyKWh: 6, sats: 300)
        ledger.record(energyKWh: 0.25, sats: 50, at: LocalTime(year: 2026, month: 12, day: 5, hour: 8, minute: 0), tariff: .flat(0.3))
        second.accounts = .init(ledger: ledger, settings: settings, price: 0.3)
        _ = aggregator.add(second)
        let sample = try #require(aggregator.current)
        #expect(sample.energyKWh == 0.25 && sample.sats == 50)
    }

    /// A chart's point is the samples of its span made one, at the span's start: means weighted by
    /// ticks, energy added, the last setpoint, the faults of any.
    @Test func downsamplingMakesOnePointASpan() {
        var samples = (0..<8).map { sample(at: 3_600 + Double($0) * 30, room: Double($0), setpoint: 20 + Double($0 / 4)) }
        samples[1].faults = ["a"]
        samples[2].ticks = 180
        samples[5].room = nil
        for index in samples.indices { samples[index].energyKWh = 0.01 }
        let points = HistorySample.downsample(samples, width: 120)
        #expect(points.map(\.time) == [3_600, 3_720])
        #expect(points.map(\.ticks) == [360, 240])
        let weighted: Double = (1 * 60 + 2 * 180 + 3 * 60) / 360  // the first sample's room is 0
        let unweighted: Double = (4 + 6 + 7) / 3
        #expect(points[0].room == weighted)
        #expect(points[1].room == unweighted, "a sample without a room is left out")
        #expect(points.map(\.setpoint) == [20, 21])
        #expect(points.map(\.faults) == [["a"], []])
        #expect(abs(points[0].energyKWh - 0.04) < 1e-12)
        #expect(HistorySample.downsample(samples, width: 30) == samples, "a point as wide as a sample is that sample")
    }
}

@Suite struct RangeTests {
    @Test func theRangesAPersonCanAskFor() throws {
        #expect(try HistoryRange(parsing: "6h") == .sixHours)
        #expect(try HistoryRange(parsing: "24h") == .day)
        #expect(try HistoryRange(parsing: "7d") == .week)
        #expect(try HistoryRange(parsing: nil) == .day, "none asked: the last day")
        #expect(try HistoryRange(parsing: "") == .day)
        let problem = #expect(throws: HistoryRange.Problem.self) { try HistoryRange(parsing: "3d") }
        #expect(problem?.description == #"range "3d" is not one of 6h, 24h, 7d"#)
        #expect(throws: HistoryRange.Problem.self) { try HistoryRange(parsing: "7D") }
    }

    /// At most 360 points whatever the range: 1 min, 4 min and 28 min a point with 30 s samples,
    /// the range starting where a point's span does.
    @Test func eachRangeFitsAChart() {
        #expect(HistoryRange.allCases.map { $0.pointSeconds(sampleSeconds: 30) } == [60, 240, 1_680])
        for range in HistoryRange.allCases {
            let width = range.pointSeconds(sampleSeconds: 30)
            let start = range.start(endingAt: 1_000_000, sampleSeconds: 30)
            #expect(start.truncatingRemainder(dividingBy: width) == 0)
            #expect(start > 1_000_000 - range.seconds && start <= 1_000_000 - range.seconds + width)
            let lastPoint = (1_000_000 / width).rounded(.down) * width
            #expect(Int((lastPoint - start) / width) + 1 <= HistoryRange.maxPoints)
        }
    }

    /// The memory's history reaches a week back by default, the ring's oldest giving way.
    @Test func theMemoryKeepsItsSpan() async {
        let history = HeaterHistory(interval: .seconds(600), span: .seconds(3600))
        #expect(history.capacity == 6)
        for minute in stride(from: 0, to: 100, by: 10) {
            history.record(tick(at: Double(minute * 60), setpoint: Double(minute)))
        }
        #expect(history.samples.map(\.setpoint) == [40, 50, 60, 70, 80, 90])
        #expect(history.samples.map(\.time) == [2400, 3000, 3600, 4200, 4800, 5400])
        #expect(await history.samples(from: 3000, to: 4200).map(\.time) == [3000, 3600, 4200])
        #expect(history.newest == 5400)
        #expect(HeaterHistory().capacity == 20_160)
    }
}

@Suite struct DatabaseTests {
    /// A week is kept and no more: a sample deletes the rows a week older than itself.
    @Test func aWeekIsKeptAndNoMore() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let (database, replaced) = try await HistoryDatabase.open(path: path)
        #expect(replaced == nil)
        let week = HistoryDatabase.maxRows
        #expect(week == 20_160)
        let start = 1_700_000_010.0
        for index in 0..<(week + 50) { try await database.write(sample(at: start + Double(index) * 30)) }
        #expect(try await database.count() == week)
        let newest = start + Double(week + 49) * 30
        let kept = try await database.samples(from: 0, to: .infinity)
        #expect(kept.first?.time == newest - HistoryDatabase.retention + 30)
        #expect(kept.last?.time == newest)
        await database.close()
    }

    /// A clock that ran a year ahead left a row "from the future": the week's rows stay (a board
    /// whose clock starts behind must not lose them), and the rows stay bounded all the same.
    @Test func aClockThatRanAheadLeavesTheRowsBounded() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let (database, _) = try await HistoryDatabase.open(path: path)
        let start = 1_700_000_010.0
        try await database.write(sample(at: start + 365 * 86_400))
        for index in 0..<(2 * HistoryDatabase.maxRows) {
            try await database.write(sample(at: start + Double(index) * 30))
            if index == 10 { #expect(try await database.count() == 12, "nothing of the past is deleted for the row ahead") }
        }
        let count = try await database.count()
        #expect(count <= HistoryDatabase.maxRows + HistoryDatabase.trimEvery, "\(count) rows")
        #expect(try await database.newest() == start + 365 * 86_400)
        await database.close()
        let (again, _) = try await HistoryDatabase.open(path: path)
        #expect(try await again.count() == HistoryDatabase.maxRows, "trimmed at the opening")
        await again.close()
    }

    /// Samples written, the database closed (a restart) and opened again: all still there, as written.
    @Test func aRestartKeepsTheHistory() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let written = (0..<10).map { index in
            var sample = sample(at: 1_800_000_000 + Double(index) * 30, room: index == 3 ? nil : 20 + Double(index) / 10)
            sample.faults = index == 5 ? ["fan stalled: commanded 100 % but no tach", "over temperature"] : []
            sample.fanRPM = index == 7 ? nil : 1234.5
            sample.energyKWh = 0.003
            sample.sats = 1.25
            return sample
        }
        let (first, _) = try await HistoryDatabase.open(path: path)
        for sample in written { try await first.write(sample) }
        await first.close()
        let (again, replaced) = try await HistoryDatabase.open(path: path)
        #expect(replaced == nil)
        #expect(try await again.samples(from: 0, to: .infinity) == written)
        #expect(try await again.samples(from: 1_800_000_060, to: 1_800_000_120).map(\.time) == [1_800_000_060, 1_800_000_090, 1_800_000_120])
        await again.close()
    }

    /// A file that is not a database: moved aside under a name that says so, a new one started
    /// and working, and the report says what, where and why.
    @Test func aCorruptFileIsReplacedAndReported() async throws {
        let folder = try temporaryFolder()
        let path = folder + "/history.sqlite"
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let (database, replaced) = try await HistoryDatabase.open(path: path)
        let report = try #require(replaced)
        #expect(report.contains(path) && report.contains("moved aside to \(path).corrupt") && report.contains("not a database"), "\(report)")
        #expect(FileManager.default.contents(atPath: path + ".corrupt") == garbage, "the bad file is kept for a person to look at")
        try await database.write(sample(at: 1_800_000_000))
        #expect(try await database.count() == 1)
        await database.close()
    }

    /// A database whose pages were damaged after its header: SQLite's quick check finds it.
    @Test func aDamagedDatabaseIsReplaced() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let (database, _) = try await HistoryDatabase.open(path: path)
        for index in 0..<2000 { try await database.write(sample(at: 1_800_000_000 + Double(index) * 30)) }
        await database.close()
        var bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count > 16_384)
        for index in 4096..<min(bytes.count, 60_000) { bytes[index] = 0xA5 }  // every page after the first two
        try bytes.write(to: URL(fileURLWithPath: path))
        let (fresh, replaced) = try await HistoryDatabase.open(path: path)
        #expect(replaced?.contains("corrupt") == true, "\(replaced ?? "not replaced")")
        #expect(try await fresh.count() == 0)
        await fresh.close()
    }

    /// A sound SQLite file that this build did not make (another program's, or a schema to come):
    /// kept aside as `.incompatible`, not written into.
    @Test func aForeignDatabaseIsKeptAsideAndReplaced() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let foreign = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await foreign.query("CREATE TABLE readings (at TEXT, value REAL)")
        _ = try await foreign.query("INSERT INTO readings VALUES ('noon', 21.5)")
        try await foreign.close()
        let (database, replaced) = try await HistoryDatabase.open(path: path)
        #expect(replaced == "history database \(path): it holds schema version 0 (tables readings), not this build's 1; moved aside to \(path).incompatible, a new one started")
        #expect(try await database.count() == 0)
        await database.close()
        let kept = try await SQLiteConnection.open(storage: .file(path: path + ".incompatible"))
        #expect(try await kept.query("SELECT value FROM readings").first?.column("value")?.double == 21.5, "the other file is kept whole")
        try await kept.close()
    }

    /// The state file's folder missing (a first start): made, with the database in it.
    @Test func aMissingFolderIsMade() async throws {
        let path = try temporaryFolder() + "/var/lib/hearth/history.sqlite"
        let (database, replaced) = try await HistoryDatabase.open(path: path)
        #expect(replaced == nil)
        try await database.write(sample(at: 1_800_000_000))
        await database.close()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    /// Where no database can be had (a file where its folder should be), opening says why.
    @Test func noDatabaseWhereNoneCanBeMade() async throws {
        let folder = try temporaryFolder()
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: folder + "/state"))
        let failure = await #expect(throws: HistoryDatabase.Failure.self) {
            _ = try await HistoryDatabase.open(path: folder + "/state/history.sqlite")
        }
        #expect(failure?.description.contains("\(folder)/state/history.sqlite: its folder cannot be made") == true, "\(failure.map { "\($0)" } ?? "")")
    }
}

@Suite struct RecorderTests {
    /// The recorder: ticks into memory, finished samples written by its writer, the sample under
    /// way written at the end; opened again, the database holds them all.
    @Test func theRecorderWritesEverySampleOffTheTick() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let recorder = await HistoryRecorder.open(path: path, logger: quiet)
        #expect(recorder.store == "database" && recorder.problem == nil)
        async let written: Void = recorder.run()
        for second in stride(from: 0.0, to: 95, by: 0.5) { recorder.record(tick(at: 1_800_000_000 + second, room: 20 + second / 100)) }
        let shown = await recorder.samples(from: 0, to: .infinity)
        #expect(shown.map(\.time) == [1_800_000_000, 1_800_000_030, 1_800_000_060, 1_800_000_090])
        recorder.finish()
        await written

        let reopened = await HistoryRecorder.open(path: path, logger: quiet)
        let stored = try #require(reopened.database)
        let samples = try await stored.samples(from: 0, to: .infinity)
        #expect(samples.map(\.time) == [1_800_000_000, 1_800_000_030, 1_800_000_060, 1_800_000_090])
        #expect(samples.map(\.ticks) == [60, 60, 60, 10])
        #expect(await reopened.newest == 1_800_000_090, "before a tick, the range ends at the database's newest sample")
        #expect(await reopened.samples(from: 1_800_000_030, to: 1_800_000_060).map(\.time) == [1_800_000_030, 1_800_000_060])
        reopened.finish()
        await reopened.run()
    }

    /// A sample the database refuses (SQLite stores a NaN as NULL, which a setpoint may not be):
    /// reported as the history's problem while it lasts, the samples still shown from memory, and
    /// the next good write clears it.
    @Test func aWriteThatFailsIsReportedAndPassesOn() async throws {
        let path = try temporaryFolder() + "/history.sqlite"
        let recorder = await HistoryRecorder.open(path: path, logger: quiet)
        async let written: Void = recorder.run()
        recorder.record(tick(at: 1_800_000_000, setpoint: .nan))
        recorder.record(tick(at: 1_800_000_030))
        while recorder.problem == nil { await Task.yield() }
        #expect(recorder.problem?.contains("\(path): the sample of 1800000000.0 could not be written") == true, "\(recorder.problem ?? "")")
        #expect(await recorder.samples(from: 0, to: .infinity).map(\.time) == [1_800_000_000, 1_800_000_030], "memory holds what the disk refused")
        recorder.record(tick(at: 1_800_000_060))
        while recorder.problem != nil { await Task.yield() }
        recorder.finish()
        await written
    }

    /// A garbage file where the database should be: the recorder starts a new one and says so in
    /// its problem for the whole run; no file at all where one cannot be made: memory only.
    @Test func theRecorderReportsWhatItReplaced() async throws {
        let folder = try temporaryFolder()
        try Data(repeating: 0x42, count: 100).write(to: URL(fileURLWithPath: folder + "/history.sqlite"))
        let recorder = await HistoryRecorder.open(path: folder + "/history.sqlite", logger: quiet)
        #expect(recorder.store == "database")
        #expect(recorder.problem?.contains("moved aside to \(folder)/history.sqlite.corrupt, a new one started") == true)
        recorder.finish()
        await recorder.run()

        try Data().write(to: URL(fileURLWithPath: folder + "/file"))
        let inMemory = await HistoryRecorder.open(path: folder + "/file/history.sqlite", logger: quiet)
        #expect(inMemory.store == "memory")
        #expect(inMemory.problem?.contains("kept in memory only") == true)
        inMemory.record(tick(at: 1_800_000_000))
        #expect(await inMemory.samples(from: 0, to: .infinity).count == 1)
    }
}
