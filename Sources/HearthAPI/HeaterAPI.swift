import Foundation
import HearthControl
import HearthHAL
import HearthHistory
import Hummingbird

/// Who the heater is, for the readers that show it.
public struct HeaterIdentity: Hashable, Sendable {
    /// Hearth's version, e.g. "0.1.0".
    public var version: String
    /// The machine's host name.
    public var hostname: String
    /// The machine's network hardware address, "aa:bb:cc:dd:ee:ff"; empty when unknown.
    public var macAddress: String
    /// The board file's name, e.g. "raspberry-pi-4b"; empty when unknown.
    public var board: String

    /// The heater's version and host name, its hardware address and board.
    public init(version: String, hostname: String, macAddress: String = "", board: String = "") {
        self.version = version
        self.hostname = hostname
        self.macAddress = macAddress
        self.board = board
    }
}

/// A pool as configured, for ESP-Miner's system info (host and port apart, as AxeOS shows them).
public struct PoolSetting: Hashable, Sendable {
    public var host: String
    public var port: Int
    public var user: String

    public init(host: String, port: Int, user: String) {
        self.host = host
        self.port = port
        self.user = user
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
    /// Sets the owner's bitcoin price for the accounts (`nil`: none); false when no accounts are kept.
    func setBTCPrice(_ price: Double?) -> Bool
}

extension HeaterBackend {
    /// A heater that keeps no accounts.
    public func setBTCPrice(_ price: Double?) -> Bool { false }
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
    /// The engine hashes, but no pool takes its shares (none configured, or none connected): heat
    /// is all the work makes. The dashboard says "no pool: heat only".
    public var heatOnly: Bool
    public var faults: [String]
    /// What the heat cost and earned; `nil` when no `[economics]` is configured.
    public var economics: EconomicsStatus?
    /// What went wrong with the history (a database replaced, a write that failed), in words;
    /// `nil` while all is well. The heater heats either way.
    public var history: String?

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
        heatOnly = hashRate > 0 && pool?.authorized != true
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
        economics = snapshot.accounts.map { EconomicsStatus($0, withDays: false) }
    }
}

/// What the heat cost and earned, as `GET /api/status` (the hour, day and month under way, and
/// the heater's life) and `GET /api/economics` (with the last days too) show it. Earnings are the
/// expected value of the accepted shares after the pool's fee; in the currency only with a
/// bitcoin price, which is the owner's (nothing is fetched).
public struct EconomicsStatus: Codable, Hashable, Sendable, ResponseEncodable {
    public struct Day: Codable, Hashable, Sendable {
        public var day: String
        public var account: HeatAccount
    }

    public var currency: String
    public var btcPrice: Double?
    /// The price of a kWh now.
    public var pricePerKWh: Double
    public var poolFeePercent: Double
    public var heatPumpCOP: Double
    public var hour: HeatAccount
    public var today: HeatAccount
    public var month: HeatAccount
    public var lifetime: HeatAccount
    /// The last days, oldest first (`GET /api/economics` only).
    public var days: [Day]?

    public init(_ accounts: TickSnapshot.Accounts, withDays: Bool) {
        let ledger = accounts.ledger
        currency = accounts.settings.currency
        btcPrice = accounts.settings.btcPrice
        pricePerKWh = accounts.price
        poolFeePercent = accounts.settings.poolFeePercent
        heatPumpCOP = accounts.settings.heatPumpCOP
        hour = accounts.account(ledger.hour)
        today = accounts.account(ledger.day)
        month = accounts.account(ledger.month)
        lifetime = accounts.account(ledger.lifetime)
        days = withDays ? ledger.days.map { Day(day: $0.day, account: accounts.account($0.totals)) } : nil
    }
}

/// ESP-Miner's `GET /api/system/info` (the AxeOS API), with its names, units and JSON types
/// (hash rate in GH/s, power in W, temperatures in °C, fan speed in %, clock in MHz, flags as 0
/// or 1), so that home-miner dashboards and monitoring libraries (pyasic, and through it Home
/// Assistant's miner integration) read the heater as they read a Bitaxe. The fields that say what
/// a heater does not have (Wi-Fi, the ESP32's heap and display, a voltage regulator's
/// temperature) are left out rather than made up: every client reads those as optional.
public struct SystemInfo: Codable, Hashable, Sendable, ResponseEncodable {
    public var power: Double
    public var hashRate: Double
    /// What the chips should hash at their clock, GH/s; absent without a hash board.
    public var expectedHashrate: Double?
    public var temp: Double?
    public var autofanspeed: Int
    /// Percent and rpm, whole numbers as AxeOS sends them (pyasic refuses a fraction).
    public var fanspeed: Int
    public var fanrpm: Int
    public var sharesAccepted: Int
    public var sharesRejected: Int
    public var bestDiff: String
    public var bestSessionDiff: String
    public var stratumDiff: Double
    public var uptimeSeconds: Int
    public var hostname: String
    public var macAddr: String
    public var version: String
    public var axeOSVersion: String
    public var boardVersion: String
    /// The chips' model ("BM1366"); empty without a hash board.
    public var ASICModel: String
    public var asicCount: Int?
    public var smallCoreCount: Int?
    public var frequency: Double?
    public var stratumURL: String
    public var stratumPort: Int
    public var stratumUser: String
    public var fallbackStratumURL: String
    public var fallbackStratumPort: Int
    public var fallbackStratumUser: String
    public var isUsingFallbackStratum: Int
    /// 1 while a fault holds compute off (AxeOS's overheat mode: stopped, waiting for a person).
    public var overheat_mode: Int

    init(_ snapshot: TickSnapshot, identity: HeaterIdentity, pools: [PoolSetting]) {
        let status = HeaterStatus(snapshot, identity: identity)
        let chain = snapshot.engine?.chain
        power = status.supplyWatts ?? status.powerWatts
        hashRate = status.hashRate / 1e9
        expectedHashrate = chain.map { $0.expectedHashRate / 1e9 }
        temp = status.heatSink
        autofanspeed = 1  // the fan loop sets the speed
        fanspeed = Int(((status.fanDuty ?? 0) * 100).rounded())
        fanrpm = Int((status.fanRPM ?? 0).rounded())
        sharesAccepted = status.pool?.accepted ?? 0
        sharesRejected = status.pool?.rejected ?? 0
        bestDiff = SystemInfo.shortDifficulty(status.pool?.bestDifficulty ?? 0)
        bestSessionDiff = bestDiff
        stratumDiff = status.pool?.difficulty ?? 0
        uptimeSeconds = status.uptimeSeconds
        hostname = identity.hostname
        macAddr = identity.macAddress
        version = identity.version
        axeOSVersion = identity.version
        boardVersion = identity.board
        ASICModel = chain?.model ?? ""
        asicCount = chain?.chips
        smallCoreCount = chain?.smallCoresPerChip
        frequency = chain?.frequency
        let primary = pools.first, fallback = pools.dropFirst().first
        stratumURL = primary?.host ?? ""
        stratumPort = primary?.port ?? 0
        stratumUser = primary?.user ?? ""
        fallbackStratumURL = fallback?.host ?? ""
        fallbackStratumPort = fallback?.port ?? 0
        fallbackStratumUser = fallback?.user ?? ""
        isUsingFallbackStratum = status.pool?.name.map { $0 == "primary" ? 0 : 1 } ?? 0
        overheat_mode = status.faults.isEmpty ? 0 : 1
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

/// ESP-Miner's `GET /api/system/asic`: the chips (empty model and no count without a hash board).
public struct ASICInfo: Codable, Hashable, Sendable, ResponseEncodable {
    public var ASICModel: String
    public var deviceModel: String
    public var asicCount: Int
    public var smallCoreCount: Int
    public var frequency: Double

    init(_ snapshot: TickSnapshot) {
        let chain = snapshot.engine?.chain
        ASICModel = chain?.model ?? ""
        deviceModel = "Hearth"
        asicCount = chain?.chips ?? 0
        smallCoreCount = chain?.smallCoresPerChip ?? 0
        frequency = chain?.frequency ?? 0
    }
}

/// The heater's HTTP API. Reads are open; every write needs `Authorization: Bearer TOKEN`, and
/// with no token configured there are no writes at all. Errors are JSON with a message.
public struct HeaterAPI: Sendable {
    public var backend: any HeaterBackend
    public var token: String?
    /// The pools as configured, for ESP-Miner's `stratumURL`, `stratumPort`, `stratumUser` and
    /// their fallback.
    public var pools: [PoolSetting]
    /// What `GET /metrics` shows.
    public var metrics: HeaterMetrics
    /// What `GET /api/history` shows (and the dashboard's charts draw); someone must record it.
    public var history: any HistorySource

    public init(
        backend: any HeaterBackend, token: String?, pools: [PoolSetting] = [], metrics: HeaterMetrics = HeaterMetrics(),
        history: any HistorySource = HeaterHistory()
    ) {
        self.backend = backend
        self.token = token
        self.pools = pools
        self.metrics = metrics
        self.history = history
    }

    struct SetpointRequest: Decodable { var setpoint: Double }
    struct ModeRequest: Decodable { var mode: String }
    struct Cleared: Codable, ResponseEncodable { var cleared: [String] }
    struct ScheduleRequest: Decodable { var slots: [ScheduleEntry] }
    struct BTCPriceRequest: Decodable { var btcPrice: Double? }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let backend = backend
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Dashboard.html)))
        }
        router.get("/api/status") { [history] _, _ in
            var status = try backend.status()
            status.history = history.problem
            return status
        }
        router.get("/api/history") { [history] request, _ in
            let range: HistoryRange
            do throws(HistoryRange.Problem) {
                range = try HistoryRange(parsing: request.uri.queryParameters.get("range"))
            } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
            return await HistoryPage(range: range, source: history)
        }
        router.get("/api/system/info") { [pools] _, _ in SystemInfo(try backend.latest(), identity: backend.identity, pools: pools) }
        router.get("/api/system/asic") { _, _ in ASICInfo(try backend.latest()) }
        router.get("/api/economics") { _, _ in
            guard let accounts = try backend.latest().accounts else {
                throw HTTPError(.notFound, message: "no accounts are kept: set [economics] in the configuration file")
            }
            return EconomicsStatus(accounts, withDays: true)
        }
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
        writes.put("economics/btc-price") { request, context in
            let body = try await request.decode(as: BTCPriceRequest.self, context: context)
            if let price = body.btcPrice, !(price.isFinite && (1...1e9).contains(price)) {
                throw HTTPError(.badRequest, message: "btcPrice \(price) is not a price from 1 to 1e9 (or null for none)")
            }
            guard backend.setBTCPrice(body.btcPrice) else {
                throw HTTPError(.notFound, message: "no accounts are kept: set [economics] in the configuration file")
            }
            guard let accounts = await backend.nextSnapshot()?.accounts else {
                throw HTTPError(.serviceUnavailable, message: "the heater is starting: no tick has run yet")
            }
            return EconomicsStatus(accounts, withDays: false)
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
