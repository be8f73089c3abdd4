import Foundation
import HearthControl
import HearthHAL
import Hummingbird

/// Who the heater is, for the readers that show it.
public struct HeaterIdentity: Hashable, Sendable {
    /// Hearth's version, e.g. "0.1.0".
    public var version: String
    /// The machine's host name.
    public var hostname: String

    /// The heater's version and host name.
    public init(version: String, hostname: String) {
        self.version = version
        self.hostname = hostname
    }
}

/// What the API reads of the heater and asks of it; the daemon's control service provides it.
/// Every reader (status, ESP-Miner's system info, metrics, cgminer's API) reads the last tick's
/// snapshot and nothing else.
public protocol HeaterBackend: Sendable {
    /// The last tick's snapshot; `nil` until the first tick has run.
    func snapshot() -> TickSnapshot?
    /// The snapshot of the first tick to begin after this call (so that the answer to a change
    /// shows the heater under it), or the last one if none comes within a few ticks.
    func nextSnapshot() async -> TickSnapshot?
    /// Who the heater is.
    var identity: HeaterIdentity { get }
    /// Sets the setpoint and mode by hand (a schedule takes over again at its next slot).
    func set(setpoint: Celsius?, mode: Mode?)
    /// Clears the latched faults; returns those cleared.
    func clearFaults() -> [String]
    /// The weekly schedule in force, and where it comes from.
    func schedule() -> ScheduleView
    /// Replaces the weekly schedule (no entries: none), or with `nil` returns to the
    /// configuration file's; a problem with an entry changes nothing.
    func setSchedule(_ entries: [ScheduleEntry]?) throws(ScheduleEntry.Problem)
}

/// The weekly schedule as the API shows it: one entry per slot, in week order.
public struct ScheduleView: Codable, Hashable, Sendable, ResponseEncodable {
    /// "config" (the configuration file's), "api" (set through the API, kept in the state
    /// file), or "none".
    public var source: String
    public var slots: [ScheduleEntry]
    public init(source: String, slots: [ScheduleEntry]) {
        self.source = source
        self.slots = slots
    }
}

/// The heater as the API shows it.
public struct HeaterStatus: Codable, Hashable, Sendable {
    public struct Temperature: Codable, Hashable, Sendable {
        public var name: String
        public var role: String
        /// °C; `nil` when the sensor could not be read (`error` says why).
        public var celsius: Double?
        public var error: String?
        public init(name: String, role: String, celsius: Double?, error: String?) {
            self.name = name
            self.role = role
            self.celsius = celsius
            self.error = error
        }
    }

    /// The pool as the tick's snapshot has it (the same fields, the same JSON).
    public typealias PoolStatus = TickSnapshot.Pool

    public var version: String
    public var hostname: String
    public var uptimeSeconds: Int
    public var setpoint: Double
    public var mode: String
    /// The schedule's setpoint is being overridden by hand until its next slot.
    public var scheduleOverridden: Bool
    public var temperatures: [Temperature]
    /// The room temperature the thermostat holds, °C: the board's first room sensor, else its
    /// first intake sensor (`roomSensor` names it); `nil` when that sensor could not be read.
    public var room: Double?
    /// The name of the sensor that is the room, as the board file gives it.
    public var roomSensor: String?
    /// The hottest heat-sink (chip role) sensor that could be read, °C; `nil` without one.
    public var heatSink: Double?
    public var fanDuty: Double?
    public var fanRPM: Double?
    /// The power target applied to the hash engine, W.
    public var powerWatts: Double
    /// Measured supply power, W, when the board has a meter.
    public var supplyWatts: Double?
    public var hashRate: Double
    public var hashes: UInt64
    /// "CPU" or the ASIC model hashing.
    public var engine: String
    public var pool: PoolStatus?
    public var faults: [String]

    public init(
        version: String, hostname: String, uptimeSeconds: Int, setpoint: Double, mode: String, scheduleOverridden: Bool,
        temperatures: [Temperature], fanDuty: Double?, fanRPM: Double?, powerWatts: Double, supplyWatts: Double?,
        hashRate: Double, hashes: UInt64, engine: String, pool: PoolStatus?, faults: [String]
    ) {
        self.version = version
        self.hostname = hostname
        self.uptimeSeconds = uptimeSeconds
        self.setpoint = setpoint
        self.mode = mode
        self.scheduleOverridden = scheduleOverridden
        self.temperatures = temperatures
        self.fanDuty = fanDuty
        self.fanRPM = fanRPM
        self.powerWatts = powerWatts
        self.supplyWatts = supplyWatts
        self.hashRate = hashRate
        self.hashes = hashes
        self.engine = engine
        self.pool = pool
        self.faults = faults
    }
}

extension HeaterStatus: ResponseEncodable {}

extension HeaterStatus {
    /// The status of the heater at the tick of `snapshot`: the one place the API turns a snapshot
    /// into JSON's numbers and strings.
    public init(_ snapshot: TickSnapshot, identity: HeaterIdentity) {
        let temperatures = snapshot.readings.map { reading in
            switch reading.reading {
            case .success(let value): Temperature(name: reading.name, role: reading.role.rawValue, celsius: value.value, error: nil)
            case .failure(let error): Temperature(name: reading.name, role: reading.role.rawValue, celsius: nil, error: "\(error)")
            }
        }
        self.init(
            version: identity.version, hostname: identity.hostname, uptimeSeconds: Int(snapshot.elapsed.components.seconds),
            setpoint: snapshot.setpoint.value, mode: snapshot.mode.rawValue, scheduleOverridden: snapshot.scheduleOverridden,
            temperatures: temperatures, fanDuty: snapshot.output.fanDuty.value, fanRPM: snapshot.fanRPM?.value,
            powerWatts: snapshot.appliedPower.value, supplyWatts: snapshot.measuredPower?.value,
            hashRate: snapshot.engine?.hashRate ?? 0, hashes: snapshot.hashes ?? 0, engine: snapshot.engine?.description ?? "none",
            pool: snapshot.pool, faults: snapshot.faults)
        room = snapshot.room?.value
        roomSensor = snapshot.temperatures.room?.name
        heatSink = snapshot.readings.filter { $0.role == .chip }.compactMap(\.value).max()?.value
    }
}

/// The fields of ESP-Miner's `GET /api/system/info` that apply to a heater, with its names and
/// units (hash rate in GH/s, power in W, temperatures in °C, fan speed in %), so home-miner
/// dashboards and monitoring libraries can read it.
public struct SystemInfo: Codable, Hashable, Sendable, ResponseEncodable {
    public var power: Double
    public var hashRate: Double
    public var temp: Double?
    public var fanspeed: Double?
    public var fanrpm: Double?
    public var sharesAccepted: Int
    public var sharesRejected: Int
    public var bestDiff: String
    public var uptimeSeconds: Int
    public var hostname: String
    public var version: String
    public var ASICModel: String
    public var stratumURL: String
    public var stratumUser: String
    public var isUsingFallbackStratum: Int

    init(_ status: HeaterStatus, user: String) {
        power = status.supplyWatts ?? status.powerWatts
        hashRate = status.hashRate / 1e9
        temp = status.heatSink
        fanspeed = status.fanDuty.map { $0 * 100 }
        fanrpm = status.fanRPM
        sharesAccepted = status.pool?.accepted ?? 0
        sharesRejected = status.pool?.rejected ?? 0
        bestDiff = SystemInfo.shortDifficulty(status.pool?.bestDifficulty ?? 0)
        uptimeSeconds = status.uptimeSeconds
        hostname = status.hostname
        version = status.version
        ASICModel = status.engine
        stratumURL = status.pool?.url ?? ""
        stratumUser = user
        isUsingFallbackStratum = status.pool?.name.map { $0 == "primary" ? 0 : 1 } ?? 0
    }

    /// Difficulty as ESP-Miner shows it: "512", "1.25K", "3.40M", "1.02G".
    static func shortDifficulty(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")]
        for (scale, suffix) in units where value >= scale {
            return String(format: "%.2f%@", value / scale, suffix)
        }
        return value >= 1 ? String(Int(value)) : String(format: "%.4f", value)
    }
}

/// The heater's HTTP API. Reads are open; every write needs `Authorization: Bearer TOKEN`, and
/// with no token configured there are no writes at all. Errors are JSON with a message.
public struct HeaterAPI: Sendable {
    public var backend: any HeaterBackend
    public var token: String?
    /// The pool worker, for ESP-Miner's `stratumUser`.
    public var user: String
    /// What `GET /metrics` shows.
    public var metrics: HeaterMetrics
    /// What `GET /api/history` shows (and the dashboard's chart draws); someone must record it.
    public var history: HeaterHistory

    public init(
        backend: any HeaterBackend, token: String?, user: String = "", metrics: HeaterMetrics = HeaterMetrics(),
        history: HeaterHistory = HeaterHistory()
    ) {
        self.backend = backend
        self.token = token
        self.user = user
        self.metrics = metrics
        self.history = history
    }

    struct SetpointRequest: Decodable { var setpoint: Double }
    struct ModeRequest: Decodable { var mode: String }
    struct Cleared: Codable, ResponseEncodable { var cleared: [String] }
    struct ScheduleRequest: Decodable { var slots: [ScheduleEntry] }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let backend = backend
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.html)))
        }
        router.get("/api/status") { _, _ in try backend.status() }
        router.get("/api/history") { [history] _, _ in history.page }
        router.get("/api/system/info") { [user] _, _ in SystemInfo(try backend.status(), user: user) }
        router.get("/metrics") { [metrics] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.scrape(try backend.latest()))))
        }
        let writes = router.group("/api").add(middleware: BearerToken(token: token))
        writes.put("setpoint") { request, context in
            let body = try await request.decode(as: SetpointRequest.self, context: context)
            let setpoint: Celsius
            do throws(HeaterRequest.Refusal) {
                setpoint = try HeaterRequest.setpoint(body.setpoint)
            } catch {
                throw HTTPError(.badRequest, message: error.message)
            }
            backend.set(setpoint: setpoint, mode: nil)
            return try await backend.statusOfNextTick()
        }
        writes.put("mode") { request, context in
            let body = try await request.decode(as: ModeRequest.self, context: context)
            let mode: Mode
            do throws(HeaterRequest.Refusal) {
                mode = try HeaterRequest.mode(body.mode)
            } catch {
                throw HTTPError(.badRequest, message: error.message)
            }
            backend.set(setpoint: nil, mode: mode)
            return try await backend.statusOfNextTick()
        }
        writes.post("faults/clear") { _, _ in Cleared(cleared: backend.clearFaults()) }
        router.get("/api/schedule") { _, _ in backend.schedule() }
        writes.put("schedule") { request, context in
            let body = try await request.decode(as: ScheduleRequest.self, context: context)
            do throws(ScheduleEntry.Problem) {
                try backend.setSchedule(body.slots)
            } catch {
                throw HTTPError(.badRequest, message: "slots[\(error.index)].\(error.field): \(error.reason)")
            }
            return backend.schedule()
        }
        writes.delete("schedule") { _, _ in
            try? backend.setSchedule(nil)
            return backend.schedule()
        }
        return router
    }
}

extension HeaterBackend {
    /// The last tick's snapshot; before the first tick, 503 with a message.
    func latest() throws -> TickSnapshot {
        guard let snapshot = snapshot() else {
            throw HTTPError(.serviceUnavailable, message: "the heater is starting: no tick has run yet")
        }
        return snapshot
    }

    /// The last tick's status, as `GET /api/status` shows it; before the first tick, 503.
    public func status() throws -> HeaterStatus { HeaterStatus(try latest(), identity: identity) }

    /// The status of the first tick to begin after this call; before the first tick, 503.
    func statusOfNextTick() async throws -> HeaterStatus {
        guard let snapshot = await nextSnapshot() else { return try status() }
        return HeaterStatus(snapshot, identity: identity)
    }

    /// A backend whose every snapshot is fresh (a test's) answers at once.
    public func nextSnapshot() async -> TickSnapshot? { snapshot() }
}

/// Lets a request through only with the configured bearer token.
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            throw HTTPError(.forbidden, message: "this heater's API has no token configured ([api] token), so it takes no changes")
        }
        guard let header = request.headers[.authorization], header == "Bearer \(token)" else {
            throw HTTPError(.unauthorized, message: "changes need the header Authorization: Bearer <the [api] token>")
        }
        return try await next(request, context)
    }
}
