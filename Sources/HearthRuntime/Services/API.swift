import HearthAPI
import HearthControl
import HearthHAL
import HearthNet
import HearthStratum
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
import HearthConfig
#endif

/// The running heater as the API sees it.
struct DaemonBackend: HeaterBackend {
    let service: HeaterService<ContinuousClock>
    let client: StratumClient?
    /// What is hashing now: it changes when the hash board fails and the CPU takes over.
    let engine: @Sendable () -> String
    let started = ContinuousClock.now
    /// The configuration file's schedule, and the one set through the API (kept in the state file).
    let schedules: Schedules

    /// Which schedule holds: the configuration's, or one set through the API. Shared with the
    /// daemon, which saves the API's in the state file.
    final class Schedules: Sendable {
        let configured: Schedule?
        let store: StateStore?
        private let fromAPI: Mutex<[ScheduleEntry]?>

        init(configured: Schedule?, fromAPI: [ScheduleEntry]?, store: StateStore?) {
            self.configured = configured
            self.fromAPI = Mutex(fromAPI)
            self.store = store
        }

        var set: [ScheduleEntry]? { fromAPI.withLock { $0 } }

        /// Records the API's schedule and writes it to the state file at once, so that a crash
        /// does not lose it.
        func record(_ entries: [ScheduleEntry]?) throws(ConfigError) {
            fromAPI.withLock { $0 = entries }
            guard let store else { return }
            var state = store.load().state
            state.schedule = entries
            try store.save(state)
        }
    }

    func status() -> HeaterStatus {
        let report = service.latest
        let snapshot = service.snapshot
        let pool = client.map { client in
            let status = client.status
            return HeaterStatus.PoolStatus(
                name: status.pool, url: status.url, authorized: status.authorized, difficulty: status.difficulty,
                accepted: status.accepted, rejected: status.rejected, stale: status.stale,
                bestDifficulty: status.bestDifficulty, lastError: status.lastError)
        }
        let temperatures = (report?.readings ?? []).map { reading in
            switch reading.reading {
            case .success(let value):
                HeaterStatus.Temperature(name: reading.name, role: reading.role.rawValue, celsius: value.value, error: nil)
            case .failure(let error):
                HeaterStatus.Temperature(name: reading.name, role: reading.role.rawValue, celsius: nil, error: "\(error)")
            }
        }
        let fanRPM: Double? = if case .success(let rpm?)? = report?.fanSpeed { rpm.value } else { nil }
        let supply: Double? = if case .success(let reading)? = report?.power { reading.power.value } else { nil }
        return HeaterStatus(
            version: HearthVersion.current, hostname: Self.hostname, uptimeSeconds: Int(started.duration(to: .now).components.seconds),
            setpoint: snapshot.setpoint.value, mode: snapshot.mode.rawValue, scheduleOverridden: service.scheduleOverridden,
            temperatures: temperatures, fanDuty: report.map { $0.output.fanDuty.value }, fanRPM: fanRPM,
            powerWatts: report?.appliedPower.value ?? 0, supplyWatts: supply, hashRate: service.hashRate,
            hashes: report?.hashes ?? 0, engine: engine(), pool: pool, faults: snapshot.faults)
    }

    func set(setpoint: Celsius?, mode: Mode?) { service.set(setpoint: setpoint, mode: mode) }

    func clearFaults() -> [String] { service.clearFaults() }

    func schedule() -> ScheduleView {
        let source = schedules.set != nil ? "api" : (schedules.configured == nil ? "none" : "config")
        return ScheduleView(source: source == "api" && service.schedule == nil ? "none" : source, slots: service.schedule?.entries ?? [])
    }

    func setSchedule(_ entries: [ScheduleEntry]?) throws(ScheduleEntry.Problem) {
        let schedule = try entries.map { entries throws(ScheduleEntry.Problem) in try ScheduleEntry.schedule(entries, name: "slots") } ?? schedules.configured
        service.setSchedule(schedule)
        do {
            try schedules.record(entries)
        } catch {
            // The schedule holds now; only its survival across a restart is in doubt.
            service.logger.error("the schedule set through the API could not be saved: \(error)")
        }
    }

    static let hostname: String = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return "hearth" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}

/// The HTTP API as a service of the daemon. A port that cannot be bound is logged and the heater
/// goes on heating without its API: a busy port must not leave a room cold.
struct APIService: Service {
    let options: APIOptions
    let api: HeaterAPI
    let logger: Logger

    func run() async throws {
        let app = Application(
            router: api.router(), configuration: .init(address: .hostname(options.host, port: options.port)), logger: logger)
        await withDiscardingTaskGroup { group in
            // The dashboard's history, recorded for as long as the API runs.
            group.addTask { [api] in await cancelWhenGracefulShutdown { await api.history.run(api.backend) } }
            do {
                try await app.runService()
            } catch {
                logger.error("HTTP API on \(options.host):\(options.port) could not run: \(error); the heater goes on without it")
                try? await gracefulShutdown()
            }
            group.cancelAll()
        }
    }
}

/// cgminer's API as a service of the daemon; like the HTTP API, a port that cannot be bound is
/// logged and the heater goes on without it.
struct CGMinerService: Service {
    let options: APIOptions
    let api: CGMinerAPI
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await api.serve(host: options.host, port: options.port)
            }
        } catch is CancellationError {
        } catch {
            logger.error("cgminer API on \(options.host):\(options.port) could not run: \(error); the heater goes on without it")
            try? await gracefulShutdown()
        }
    }
}
