import Foundation
import HearthControl
import HearthHAL
import HearthNet
import HearthStratum

/// The heater's configuration file, `/etc/hearth/hearth.toml` by default: which board, where the
/// calibration and state live, the setpoint and mode to start with, the weekly schedule, the
/// pools. Every key is optional but the pools' own; command-line options override the file.
///
/// ```toml
/// board = "/usr/local/share/hearth/Board/raspberry-pi-4b.toml"
/// state = "/var/lib/hearth/state.json"
///
/// [heater]
/// setpoint = 20.5
/// mode = "heat"
/// optimal_start = true           # heat early for a scheduled rise (default), at most
/// optimal_start_limit = "3h"     # this long before its slot
///
/// [[schedule]]
/// days = ["mon", "tue", "wed", "thu", "fri"]
/// at = "06:30"
/// setpoint = 21
///
/// [[schedule]]
/// days = ["mon", "tue", "wed", "thu", "fri"]
/// at = "22:30"
/// setpoint = 17
/// mode = "night"
///
/// [mining]
/// offline = "heat"
///
/// [economics]                    # what the heat costs and earns; or [[economics.tariff]]
/// currency = "EUR"               # periods: from = "07:00", price = 0.35
/// price = 0.30                   # per kWh
/// btc_price = 90000              # optional: nothing is fetched
/// pool_fee_percent = 2
///
/// [[pool]]
/// url = "stratum+tcp://public-pool.io:21496"
/// user = "bc1q….heater"
///
/// [[pool]]                       # over TLS; a self-signed pool gives its certificate's
/// url = "stratum+ssl://umbrel.local:2018"   # fingerprint (or ca_file = "/etc/hearth/pool.pem")
/// fingerprint = "sha256:AB:CD:…"
/// user = "bc1q….heater"
///
/// [mqtt]
/// broker = "mqtt://homeassistant.local:1883"
/// username = "hearth"
/// password_file = "/etc/hearth/mqtt-password"
/// ```
public struct HearthConfig: Hashable, Sendable {
    public static let defaultPath = "/etc/hearth/hearth.toml"

    public var board: String?
    public var calibration: String?
    public var state: String?
    public var setpoint: Celsius?
    public var mode: Mode?
    /// Control ticks per second.
    public var tickRate: Double?
    /// The room loop's PID gains (`kp`, `ki`, `kd` in `[heater]`, as `hearth autotune` writes them).
    public var roomGains: PIDGains?
    public var schedule: Schedule?
    public var pools: [Pool] = []
    public var offline: OfflinePolicy?
    public var suggestedDifficulty: Double?
    /// The HTTP API (`[api] listen`); `nil`: the file says nothing.
    public var api: Listener?
    /// The token the HTTP API's writes need (`[api] token`), wherever the API listens.
    public var apiToken: String?
    /// cgminer's API (`[api] cgminer`); `nil`: the file says nothing.
    public var cgminer: Listener?
    /// The kernel watchdog to feed, e.g. `/dev/watchdog`, or `off` (the board file's otherwise).
    public var watchdog: WatchdogChoice?
    /// Optimal start (`[heater] optimal_start`, `optimal_start_limit`); `nil`: the file says
    /// nothing (on, 3 h); `.some(nil)`: off.
    public var optimalStart: OptimalStart??
    /// The price of electricity and the rest of `[economics]`; `nil`: no accounts kept.
    public var economics: EconomicsSettings?
    /// Fees added to a block's subsidy where a job's coinbase does not show them, satoshis.
    public var feeAllowanceSats: Int?
    /// Home Assistant over MQTT (`[mqtt]`); `nil`: none.
    public var mqtt: MQTTOptions?

    public init() {}

    /// Only the board a configuration file names, read without checking the rest of the file
    /// (for `hearth safe`: a mistake elsewhere must not keep the outputs from their safe state).
    public static func board(inFile file: String) throws(ConfigError) -> String? {
        var document = try TOMLReader(file: file, text: try readText(file))
        return try document.path("board")
    }

    public static func load(file: String) throws(ConfigError) -> HearthConfig {
        try parse(try readText(file), file: file)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> HearthConfig {
        var document = try TOMLReader(file: file, text: text)
        var config = HearthConfig()
        config.board = try document.path("board")
        config.calibration = try document.path("calibration")
        config.state = try document.path("state")
        config.watchdog = try document.path("watchdog").map(WatchdogChoice.init(parsing:))
        if var heater = try document.table("heater") {
            config.setpoint = try heater.double("setpoint", in: Thermostat.setpointRange).map(Celsius.init)
            config.mode = try heater.choice("mode", Mode.self)
            config.tickRate = try heater.double("tick_rate", in: 0.1...100)
            config.roomGains = try roomGains(&heater)
            let optimal = try heater.bool("optimal_start")
            let limitText = try heater.string("optimal_start_limit")
            var start = OptimalStart()
            if let limitText {
                guard let limit = parseDuration(limitText), limit >= .seconds(15 * 60), limit <= .seconds(12 * 3600) else {
                    throw heater.error("optimal_start_limit", "\"\(limitText)\" is not a duration from 15m to 12h")
                }
                start.limit = limit
            }
            if optimal != nil || limitText != nil { config.optimalStart = .some(optimal == false ? nil : start) }
            try heater.finish()
        }
        config.schedule = try schedule(try document.tables("schedule"), document: document)
        if var mining = try document.table("mining") {
            config.offline = try mining.choice("offline", OfflinePolicy.self)
            config.suggestedDifficulty = try mining.double("suggest_difficulty", in: 1e-9...1e15)
            try mining.finish()
        }
        if var api = try document.table("api") {
            let token = try api.string("token")
            if let token, token.count < 16 {
                throw api.error("token", "is \(token.count) characters; use at least 16 (e.g. from `openssl rand -hex 16`)")
            }
            config.apiToken = token
            let listen = try api.string("listen") ?? "127.0.0.1:8080"
            do {
                config.api = try Listener(parsing: listen, source: file)
            } catch {
                throw api.error("listen", "\"\(listen)\" is not HOST:PORT (e.g. 127.0.0.1:8080) or off")
            }
            if let address = try api.string("cgminer") {
                do {
                    config.cgminer = try Listener(parsing: address, source: file)
                } catch {
                    throw api.error("cgminer", "\"\(address)\" is not HOST:PORT (e.g. 127.0.0.1:4028) or off")
                }
            }
            try api.finish()
        }
        if var economics = try document.table("economics") {
            config.economics = try Self.economics(&economics)
            config.feeAllowanceSats = try economics.int("fee_allowance_sats", in: 0...100_000_000)
            try economics.finish()
        }
        if var mqtt = try document.table("mqtt") {
            config.mqtt = try Self.mqtt(&mqtt)
        }
        for (index, var pool) in try document.tables("pool").enumerated() {
            let url = try pool.requiredString("url")
            var address: PoolAddress
            do {
                address = try PoolAddress(url: url)
            } catch {
                throw pool.error("url", error.description)
            }
            // A TLS pool's certificate: the system's authorities, or those of a file, or a pin.
            let caFile = try pool.string("ca_file"), fingerprint = try pool.string("fingerprint")
            if caFile != nil || fingerprint != nil, address.tls == nil {
                throw pool.error(caFile != nil ? "ca_file" : "fingerprint", "only a TLS pool (stratum+ssl://) has a certificate to check")
            }
            if caFile != nil, fingerprint != nil {
                throw pool.error("fingerprint", "give ca_file or fingerprint, not both")
            }
            if let caFile {
                address.tls = .rootsFile(caFile)
            } else if let fingerprint {
                guard let pin = PoolTrust.fingerprint(fingerprint) else {
                    throw pool.error("fingerprint", "\"\(fingerprint)\" is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
                }
                address.tls = .pinned(sha256: pin)
            }
            let name = try pool.string("name") ?? (index == 0 ? "primary" : "fallback \(index)")
            let user = try pool.requiredString("user")
            let password = try pool.string("password") ?? "x"
            try pool.finish()
            config.pools.append(Pool(name: name, address: address, user: user, password: password))
        }
        try document.finish()
        return config
    }

    /// `[economics]`: a flat `price`, or `[[economics.tariff]]` periods (`from` "HH:MM", `price`),
    /// per kWh in `currency`; the owner's `btc_price`, the pool's `pool_fee_percent`, and the
    /// `heat_pump_cop` the heat is compared with.
    static func economics(_ table: inout TOMLReader) throws(ConfigError) -> EconomicsSettings {
        let currency = try table.string("currency") ?? "EUR"
        let flat = try table.double("price", in: 0...100)
        var periods: [Tariff.Period] = []
        for var period in try table.tables("tariff") {
            let from = try period.requiredString("from")
            guard let start = minuteOfDay(from) else { throw period.error("from", "\"\(from)\" is not a time of day as HH:MM") }
            guard !periods.contains(where: { $0.start == start }) else { throw period.error("from", "\(from) starts another period already") }
            periods.append(Tariff.Period(start: start, price: try period.double("price", required: 0...100)))
            try period.finish()
        }
        let tariff: Tariff
        switch (flat, periods.isEmpty) {
        case (let price?, true): tariff = .flat(price)
        case (nil, false): tariff = Tariff(periods)
        case (.some, false): throw table.error("price", "give one price for the whole day, or [[economics.tariff]] periods, not both")
        case (nil, true): throw table.missing("price", "the price of a kWh (or [[economics.tariff]] periods)")
        }
        return EconomicsSettings(
            tariff: tariff, currency: currency, btcPrice: try table.double("btc_price", in: 1...1e9),
            poolFeePercent: try table.double("pool_fee_percent", in: 0...100) ?? 0,
            heatPumpCOP: try table.double("heat_pump_cop", in: 1...10) ?? 3)
    }

    static let gainRanges = [("kp", 0.0...1e6), ("ki", 0.0...1e4), ("kd", 0.0...1e7)]

    /// `kp`, `ki` and `kd`: all three or none.
    static func roomGains(_ heater: inout TOMLReader) throws(ConfigError) -> PIDGains? {
        var values: [Double?] = []
        for (key, range) in gainRanges { values.append(try heater.double(key, in: range)) }
        let given = values.compactMap { $0 }
        if given.isEmpty { return nil }
        guard given.count == 3 else {
            let absent = zip(gainRanges, values).filter { $0.1 == nil }.map(\.0.0)
            throw heater.missing(absent[0], "kp, ki and kd go together: give all three, or none for the defaults")
        }
        return PIDGains(kp: given[0], ki: given[1], kd: given[2])
    }

    /// The configuration file's text with the room-loop gains set in `[heater]`: the three keys
    /// replaced where they are, or added to the table (the table added at the end if missing).
    /// Everything else, comments included, stays as it was. The result is checked by reading it
    /// back; a file it cannot be read from, or that would not say these gains, is refused.
    public static func setting(_ gains: PIDGains, in text: String, file: String) throws(ConfigError) -> String {
        _ = try parse(text, file: file)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        func isTableHeader(_ line: String) -> Bool { line.trimmingCharacters(in: .whitespaces).hasPrefix("[") }
        func key(of line: String) -> String? {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "="), !trimmed.hasPrefix("#") else { return nil }
            return trimmed[..<equals].trimmingCharacters(in: .whitespaces)
        }
        let values = [("kp", gains.kp, "W/°C"), ("ki", gains.ki, "W/(°C·s)"), ("kd", gains.kd, "W·s/°C")]
        let newLines = values.map { "\($0.0) = \($0.1)    # \($0.2), from hearth autotune" }
        if let header = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[heater]") }) {
            var end = lines[(header + 1)...].firstIndex(where: isTableHeader) ?? lines.count
            var index = header + 1
            while index < end {
                if let key = key(of: lines[index]), ["kp", "ki", "kd"].contains(key) {
                    lines.remove(at: index)
                    end -= 1
                } else {
                    index += 1
                }
            }
            // After the table's last key, before the comments and blank lines that lead to the next table.
            let lastKey = lines[(header + 1)..<end].lastIndex { key(of: $0) != nil } ?? header
            lines.insert(contentsOf: newLines, at: lastKey + 1)
        } else {
            lines += ["", "[heater]"] + newLines
        }
        let result = lines.joined(separator: "\n") + "\n"
        let check = try parse(result, file: file)
        guard check.roomGains == gains else {
            throw ConfigError(file: file, key: "heater", reason: "the gains could not be set in this file's [heater] table; set kp, ki and kd there by hand")
        }
        return result
    }

    /// Sets the room-loop gains in a configuration file, atomically (see `setting(_:in:file:)`).
    public static func save(_ gains: PIDGains, file: String) throws(ConfigError) {
        let text = try setting(gains, in: try readText(file), file: file)
        try writeAtomically(Data(text.utf8), to: file)
    }

    /// The `[[schedule]]` entries as one weekly schedule: each entry's time on each of its days.
    static func schedule(_ tables: [TOMLReader], document: TOMLReader) throws(ConfigError) -> Schedule? {
        guard !tables.isEmpty else { return nil }
        var readers = tables
        var entries: [ScheduleEntry] = []
        for index in readers.indices {
            entries.append(ScheduleEntry(
                days: try readers[index].strings("days"), at: try readers[index].requiredString("at"),
                setpoint: try readers[index].double("setpoint", required: Thermostat.setpointRange),
                mode: try readers[index].choice("mode", Mode.self)?.rawValue))
            try readers[index].finish()
        }
        do {
            return try ScheduleEntry.schedule(entries, name: "schedule")
        } catch {
            throw readers[error.index].error(error.field, error.reason)
        }
    }
}

extension TOMLReader {
    /// A file path: a non-empty string.
    mutating func path(_ key: String) throws(ConfigError) -> String? {
        guard let value = try string(key) else { return nil }
        guard !value.isEmpty else { throw error(key, "must not be empty (a file path)") }
        return value
    }
}

extension HearthConfig {
    /// What the file sets, a line each, after loading the board and calibration files it names
    /// (their errors are thrown as they are).
    public func summary() throws(ConfigError) -> [String] {
        var lines: [String] = []
        if let board {
            let profile = try BoardProfile.load(file: board)
            lines.append("board: \(board) (\(profile.name), \(profile.sensors.count) sensors)")
            if let calibration {
                let calibrations = try CalibrationFile.load(file: calibration, sensors: profile.sensors.map(\.name))
                lines.append("calibration: \(calibration) for \(calibrations.keys.sorted().joined(separator: ", "))")
            }
        } else {
            lines.append("board: the simulated one (no board key)")
            if let calibration { lines.append("calibration: \(calibration) (checked against the board when the daemon starts)") }
        }
        if let state { lines.append("state: \(state)") }
        switch watchdog {
        case .device(let path): lines.append("watchdog: \(path)")
        case .off: lines.append("watchdog: off")
        case nil: break
        }
        if let setpoint { lines.append("setpoint: \(setpoint)") }
        if let mode { lines.append("mode: \(mode.rawValue)") }
        if let tickRate { lines.append("tick rate: \(tickRate) Hz") }
        for slot in schedule?.slots ?? [] {
            lines.append("schedule: \(slot.start) \(slot.setpoint) \(slot.mode.rawValue)")
        }
        for pool in pools { lines.append("pool \(pool.name): \(pool.address) as \(pool.user)") }
        if let offline { lines.append("offline: \(offline.rawValue)") }
        if let suggestedDifficulty { lines.append("suggested difficulty: \(suggestedDifficulty)") }
        switch cgminer {
        case .on(let cgminer): lines.append("cgminer API: \(cgminer.host):\(cgminer.port)")
        case .off: lines.append("cgminer API: off")
        case nil: break
        }
        if api == .off { lines.append("API: off") }
        if let mqtt {
            lines.append("MQTT: \(mqtt.tls ? "mqtts" : "mqtt")://\(HostPort(host: mqtt.host, port: mqtt.port))\(mqtt.username.map { " as \($0)" } ?? ""), discovery under \(mqtt.discoveryPrefix)/\(mqtt.nodeID.map { ", node \($0)" } ?? "")")
        }
        if let api = api?.options { lines.append("API: http://\(api.host):\(api.port)\(apiToken == nil ? " (read-only: no token)" : " (writes with the token)")") }
        return lines
    }
}
