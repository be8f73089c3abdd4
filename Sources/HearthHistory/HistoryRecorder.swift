import Foundation
import HearthControl
import Logging
import Synchronization

/// The heater's history as hearthd keeps it: every tick goes into the samples in memory
/// (`HeaterHistory`), and each finished sample is handed to a queue that `run()` writes to the
/// database. The control task's part takes a lock for microseconds and never waits for the
/// disk: a disk that stalls fills the queue (a day of samples; beyond that the oldest waiting
/// give way, and stay in memory), a write that fails is logged and shown as the history's
/// `problem`, and heating goes on either way. Without a database (none configured, or none
/// could be had) the history is the memory's alone.
public final class HistoryRecorder: HistorySource {
    /// The samples in memory, the one under way included.
    public let memory: HeaterHistory
    /// The database, when one could be opened.
    public let database: HistoryDatabase?
    /// Samples that may wait for the disk.
    public static let queueLength = 2880

    private let logger: Logger
    private let queue: AsyncStream<HistorySample>.Continuation
    private let waiting: AsyncStream<HistorySample>

    /// What went wrong: at the opening (for the whole run), and the last write or read that
    /// failed (until one succeeds), with how many failed in a row.
    private struct Problems {
        var opening: String?
        var current: String?
        var failures = 0
    }
    private let problems: Mutex<Problems>

    /// A recorder writing to `database` (or to memory only), with what went wrong at the opening.
    public init(memory: HeaterHistory = HeaterHistory(), database: HistoryDatabase?, opening: String? = nil, logger: Logger) {
        self.memory = memory
        self.database = database
        self.logger = logger
        (waiting, queue) = AsyncStream.makeStream(of: HistorySample.self, bufferingPolicy: .bufferingNewest(Self.queueLength))
        problems = Mutex(Problems(opening: opening))
    }

    /// Opens the database at `path` (`nil`: keep the history in memory only) and logs what it
    /// found: a new database, the samples it holds, a bad file replaced (what, where, why), or
    /// no database to be had, in which case the history stays in memory and heating goes on.
    public static func open(path: String?, logger: Logger) async -> HistoryRecorder {
        guard let path else {
            logger.info("history: in memory only (no state file, so no database beside it)")
            return HistoryRecorder(database: nil, logger: logger)
        }
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            let (database, replaced) = try await HistoryDatabase.open(path: path)
            if let replaced {
                logger.error("\(replaced)")
            } else if !existed {
                logger.notice("history: no database at \(path) yet; a new one started")
            } else {
                let count = (try? await database.count()) ?? 0
                logger.info("history: \(count) sample\(count == 1 ? "" : "s") kept in \(path)")
            }
            return HistoryRecorder(database: database, opening: replaced, logger: logger)
        } catch {
            let problem = "\(error); the history is kept in memory only until the next start"
            logger.error("\(problem)")
            return HistoryRecorder(database: nil, opening: problem, logger: logger)
        }
    }

    public var sampleSeconds: Double { memory.sampleSeconds }
    public var newest: Double? {
        get async {
            if let current = memory.current { return current.time }
            return try? await database?.newest()
        }
    }
    public var store: String { database == nil ? "memory" : "database" }

    public var problem: String? {
        problems.withLock { problems in
            let all = [problems.opening, problems.current].compactMap { $0 }
            return all.isEmpty ? nil : all.joined(separator: "; ")
        }
    }

    /// Adds a tick (the control task calls it): into memory, and a finished sample onto the
    /// queue to the disk. Never waits.
    public func record(_ snapshot: TickSnapshot) {
        if let finished = memory.add(snapshot), database != nil { queue.yield(finished) }
    }

    /// Writes the queued samples one at a time, until `finish()` and the queue is empty, or the
    /// task is cancelled; then closes the database.
    public func run() async {
        for await sample in waiting {
            guard let database else { continue }
            do {
                try await database.write(sample)
                succeeded()
            } catch {
                failed("the sample of \(sample.time) could not be written (\(error)); it stays in memory, and heating goes on")
            }
        }
        await database?.close()
    }

    /// Queues the sample under way too (a restart within its interval replaces it), and lets
    /// `run()` end once the queue is written. Call it once the control task has stopped.
    public func finish() {
        if database != nil, let current = memory.current { queue.yield(current) }
        queue.finish()
    }

    /// The database's samples of the span from before this run's first, then the memory's (which
    /// holds this run's, the one under way and any still waiting for the disk among them); the
    /// memory's alone without a database or when it cannot be read.
    public func samples(from start: Double, to end: Double) async -> [HistorySample] {
        let recent = await memory.samples(from: start, to: end)
        guard let database else { return recent }
        do {
            let stored = try await database.samples(from: start, to: end)
            succeeded()
            guard let first = recent.first?.time else { return stored }
            return stored.filter { $0.time < first } + recent
        } catch {
            failed("it could not be read (\(error)); showing the samples in memory")
            return recent
        }
    }

    private func succeeded() {
        let failures = problems.withLock { problems -> Int in
            defer { (problems.current, problems.failures) = (nil, 0) }
            return problems.failures
        }
        if failures > 0, let database {
            logger.notice("history database \(database.path) works again, after \(failures) failure\(failures == 1 ? "" : "s")")
        }
    }

    /// Shows the failure as the problem; logs the first of a run of them.
    private func failed(_ what: String) {
        let problem = "history database \(database?.path ?? "-"): \(what)"
        let first = problems.withLock { problems -> Bool in
            problems.current = problem
            problems.failures += 1
            return problems.failures == 1
        }
        if first { logger.error("\(problem)") }
    }
}
