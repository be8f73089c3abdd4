import Foundation
import HearthAPI
import HearthConfig
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
#endif

/// Which schedule holds: the configuration's, or one set through the API. Shared with the
/// daemon, which saves the API's in the state file.
final class Schedules: Sendable {
    let configured: Schedule?
    let keeper: StateKeeper?
    private let fromAPI: Mutex<[ScheduleEntry]?>

    init(configured: Schedule?, fromAPI: [ScheduleEntry]?, keeper: StateKeeper?) {
        self.configured = configured
        self.fromAPI = Mutex(fromAPI)
        self.keeper = keeper
    }

    var set: [ScheduleEntry]? { fromAPI.withLock { $0 } }

    /// Records the API's schedule and writes it to the state file at once, so that a crash
    /// does not lose it.
    func record(_ entries: [ScheduleEntry]?) throws(ConfigError) {
        fromAPI.withLock { $0 = entries }
        try keeper?.update { $0.schedule = entries }
    }
}

/// The running heater as the API sees it: the control service's last snapshot.
struct DaemonBackend<C: Clock>: HeaterBackend where C.Duration == Duration {
    let service: HeaterService<C>
    let identity: HeaterIdentity
    /// The configuration file's schedule, and the one set through the API (kept in the state file).
    let schedules: Schedules
    /// The accounts, when `[economics]` is configured.
    var accounts: HeatAccounts? = nil

    func setBTCPrice(_ price: Double?) -> Bool {
        guard let accounts else { return false }
        accounts.setBTCPrice(price)
        return true
    }

    func snapshot() -> TickSnapshot? { service.latest }

    /// Waits for the first tick to begin after this call, at most four tick periods (a tick
    /// already under way ends first; with a stuck bus none may come).
    func nextSnapshot() async -> TickSnapshot? {
        let target = service.nextTick
        let deadline = ContinuousClock.now + service.period * 4
        while ContinuousClock.now < deadline {
            if let latest = service.latest, latest.count >= target { return latest }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return service.latest
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
}

/// This machine's network hardware address, as ESP-Miner's API reports it: that of the first
/// interface in name order (`end0`, `eth0`, `wlan0`) with a real one (not the loopback's zeros);
/// empty if none can be read.
func machineAddress(interfaces folder: String = "/sys/class/net") -> String {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted() ?? []
    for name in names where name != "lo" {
        guard let text = try? String(contentsOfFile: "\(folder)/\(name)/address", encoding: .utf8) else { continue }
        let address = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if address.count == 17, address != "00:00:00:00:00:00" { return address }
    }
    return ""
}

/// This machine's host name, as the API reports it; "hearth" if it cannot be read.
let hostname: String = {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count) == 0 else { return "hearth" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}()

/// The HTTP API as a service of the daemon. A port that cannot be bound is logged and the heater
/// goes on heating without its API: a busy port must not leave a room cold.
struct APIService: Service {
    let options: APIOptions
    let api: HeaterAPI
    let logger: Logger

    func run() async throws {
        let app = Application(
            router: api.router(), configuration: .init(address: .hostname(options.host, port: options.port)), logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.error("HTTP API on \(options.host):\(options.port) could not run: \(error); the heater goes on without it")
            try? await gracefulShutdown()
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
