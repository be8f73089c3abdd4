import Foundation
import HearthAPI
import HearthControl
import HearthHAL
import HearthHistory
import HearthNet
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A heater that records what the API asked of it.
final class FakeHeater: HeaterBackend {
    private let state = Mutex((setpoint: 20.0, mode: Mode.heat, faults: ["fan stalled: commanded 100 % but no tach"]))
    private let btcPrice = Mutex<Double?>(nil)

    func setBTCPrice(_ price: Double?) -> Bool {
        btcPrice.withLock { $0 = price }
        return true
    }

    let identity = HeaterIdentity(version: "0.1.0", hostname: "den", macAddress: "02:42:ac:11:00:02", board: "raspberry-pi-4b")

    func snapshot() -> TickSnapshot? { tick() }

    /// The heater an hour after start: a room sensor, a heat sink and an exhaust that NACKs, a
    /// fan at 40 %, a pool.
    func tick() -> TickSnapshot {
        let (setpoint, mode, faults) = state.withLock { ($0.setpoint, $0.mode, $0.faults) }
        let readings = [
            SensorReading(name: "room", role: .room, reading: .success(Celsius(19.5))),
            SensorReading(name: "sink", role: .chip, reading: .success(Celsius(55.25))),
            SensorReading(name: "exhaust", role: .exhaust, reading: .failure(HALError(.nackAddress, "no device answered", device: "/dev/i2c-1", address: I2CAddress(0x49)))),
        ]
        var snapshot = TickSnapshot(
            elapsed: .seconds(3600), readings: readings, temperatures: ResolvedTemperatures(readings),
            power: .success(PowerReading(voltage: Volts(12), current: Amperes(362.5 / 12), power: Watts(362.5))),
            fanSpeed: .success(RPM(2100)), fanError: nil,
            safety: SafetyDecision(maxPower: Watts(400), fansFull: false, events: []),
            output: ControlOutput(demand: Watts(350), powerTarget: Watts(350), fanDuty: DutyCycle(0.4)),
            appliedPower: Watts(350), setpoint: Celsius(setpoint), mode: mode, faults: faults, energyKWh: 0.35, hashes: 123_456)
        snapshot.engine = .init(
            description: "ASIC (4 × BM1366 on /dev/ttyS0 at 485 MHz)", hashRate: 1.5e12,
            chain: ChainReport(model: "BM1366", chips: 4, frequency: 485, smallCoresPerChip: 894))
        snapshot.pool = .init(
            name: "fallback 1", url: "stratum+tcp://pool.example:3333", authorized: true, difficulty: 512, accepted: 41,
            rejected: 2, stale: 1, bestDifficulty: 1_234_567, lastError: nil)
        var ledger = HeatLedger()
        ledger.record(energyKWh: 2, sats: 5_000, at: LocalTime(year: 2026, month: 12, day: 4, hour: 8, minute: 0), tariff: .flat(0.3))
        snapshot.accounts = .init(
            ledger: ledger, settings: EconomicsSettings(tariff: .flat(0.3), currency: "EUR", btcPrice: btcPrice.withLock { $0 }),
            price: 0.3)
        return snapshot
    }

    /// What `GET /api/status` shows of it.
    func status() -> HeaterStatus { HeaterStatus(tick(), identity: identity) }

    func set(setpoint: Celsius?, mode: Mode?) {
        state.withLock { state in
            if let setpoint { state.setpoint = setpoint.value }
            if let mode { state.mode = mode }
        }
    }

    func clearFaults() -> [String] {
        state.withLock { state in
            defer { state.faults = [] }
            return state.faults
        }
    }

    private let weekly = Mutex<(source: String, entries: [ScheduleEntry])>(
        ("config", [ScheduleEntry(at: "06:30", setpoint: 21), ScheduleEntry(at: "22:00", setpoint: 17, mode: "night")]))

    func schedule() -> ScheduleView {
        let (source, entries) = weekly.withLock { $0 }
        return ScheduleView(source: source, slots: (try? ScheduleEntry.schedule(entries, name: "slots"))??.entries ?? [])
    }

    func setSchedule(_ entries: [ScheduleEntry]?) throws(ScheduleEntry.Problem) {
        guard let entries else {
            weekly.withLock { $0 = ("config", [ScheduleEntry(at: "06:30", setpoint: 21), ScheduleEntry(at: "22:00", setpoint: 17, mode: "night")]) }
            return
        }
        _ = try ScheduleEntry.schedule(entries, name: "slots")
        weekly.withLock { $0 = (entries.isEmpty ? "none" : "api", entries) }
    }
}

/// The API over real HTTP on loopback.
@Suite struct HeaterAPITests {
    let token = "0123456789abcdef"
    let pools = [
        PoolSetting(host: "pool.example", port: 3333, user: "bc1qheater.den"),
        PoolSetting(host: "backup.example", port: 4444, user: "bc1qheater.backup"),
    ]

    func app(_ heater: FakeHeater, token: String?) -> some ApplicationProtocol {
        Application(router: HeaterAPI(backend: heater, token: token, pools: pools).router())
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    func errorMessage(_ buffer: ByteBuffer) throws -> String? {
        (try json(buffer)["error"] as? [String: Any])?["message"] as? String
    }

    @Test func statusAndESPMinerSystemInfo() async throws {
        try await app(FakeHeater(), token: token).test(.live) { client in
            try await client.execute(uri: "/api/status", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["setpoint"] as? Double == 20)
                #expect(body["faults"] as? [String] == ["fan stalled: commanded 100 % but no tach"])
                #expect(((body["temperatures"] as? [[String: Any]])?[2])?["error"] as? String
                    == "NACK on address: /dev/i2c-1 address 0x49: no device answered")
            }
            try await client.execute(uri: "/api/system/info", method: .get) { response in
                let info = try json(response.body)
                #expect(info["hashRate"] as? Double == 1500, "GH/s, as ESP-Miner reports it")
                #expect(info["power"] as? Double == 362.5, "the measured supply power")
                #expect(info["temp"] as? Double == 55.25, "the chip temperature")
                #expect(info["fanspeed"] as? Int == 40, "percent")
                #expect(info["fanrpm"] as? Int == 2100)
                let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
                #expect(text.contains("\"fanrpm\":2100") && text.contains("\"fanspeed\":40"), "whole numbers, as AxeOS sends them: \(text)")
                #expect(info["sharesAccepted"] as? Int == 41)
                #expect(info["sharesRejected"] as? Int == 2)
                #expect(info["bestDiff"] as? String == "1.23M")
                #expect(info["uptimeSeconds"] as? Int == 3600)
                #expect(info["hostname"] as? String == "den")
                #expect(info["ASICModel"] as? String == "BM1366")
                #expect(info["asicCount"] as? Int == 4 && info["smallCoreCount"] as? Int == 894 && info["frequency"] as? Double == 485)
                #expect(info["expectedHashrate"] as? Double == 485e6 * 894 * 4 / 1e9, "GH/s from the clock and cores")
                #expect(info["stratumURL"] as? String == "pool.example" && info["stratumPort"] as? Int == 3333)
                #expect(info["stratumUser"] as? String == "bc1qheater.den")
                #expect(info["fallbackStratumURL"] as? String == "backup.example" && info["fallbackStratumPort"] as? Int == 4444)
                #expect(info["fallbackStratumUser"] as? String == "bc1qheater.backup")
                #expect(info["isUsingFallbackStratum"] as? Int == 1)
                #expect(info["macAddr"] as? String == "02:42:ac:11:00:02" && info["boardVersion"] as? String == "raspberry-pi-4b")
                #expect(info["autofanspeed"] as? Int == 1, "the fan loop sets the speed")
                #expect(info["stratumDiff"] as? Double == 512)
                #expect(info["overheat_mode"] as? Int == 1, "a latched fault holds compute off")
                #expect(info["vrTemp"] == nil && info["ssid"] == nil, "what a heater does not have is left out, not made up")
            }
            try await client.execute(uri: "/api/economics", method: .get) { response in
                let economics = try json(response.body)
                let today = try #require(economics["today"] as? [String: Any])
                #expect(today["energyKWh"] as? Double == 2 && today["earnedSats"] as? Double == 5_000)
                #expect(abs((today["cost"] as? Double ?? 0) - 0.6) < 1e-12 && today["earned"] == nil, "no bitcoin price: no figure")
                #expect((economics["days"] as? [[String: Any]])?.first?["day"] as? String == "2026-12-04")
            }
            let price = ByteBuffer(string: #"{"btcPrice": 100000}"#)
            try await client.execute(uri: "/api/economics/btc-price", method: .put, headers: [.authorization: "Bearer \(token)"], body: price) { response in
                let economics = try json(response.body)
                #expect((economics["today"] as? [String: Any])?["earned"] as? Double == 5, "5 000 sats at 100 000 a bitcoin")
            }
            try await client.execute(uri: "/api/economics/btc-price", method: .put, headers: [.authorization: "Bearer \(token)"],
                body: ByteBuffer(string: #"{"btcPrice": -3}"#)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/status", method: .get) { response in
                let economics = try #require(try json(response.body)["economics"] as? [String: Any])
                #expect(economics["currency"] as? String == "EUR" && economics["days"] == nil)
            }
            try await client.execute(uri: "/api/system/asic", method: .get) { response in
                let asic = try json(response.body)
                #expect(asic["ASICModel"] as? String == "BM1366" && asic["asicCount"] as? Int == 4)
            }
        }
    }

    /// Hashing with no pool to take the shares is heat only; with a pool that authorized the
    /// worker it is mining; with no hashing, neither.
    @Test func heatOnlyIsHashingThatNoPoolTakes() {
        let heater = FakeHeater()
        var snapshot = heater.tick()
        #expect(!HeaterStatus(snapshot, identity: heater.identity).heatOnly, "an authorized pool")
        snapshot.pool?.authorized = false
        #expect(HeaterStatus(snapshot, identity: heater.identity).heatOnly, "every pool down")
        snapshot.pool = nil
        #expect(HeaterStatus(snapshot, identity: heater.identity).heatOnly, "no pool configured")
        snapshot.engine?.hashRate = 0
        #expect(!HeaterStatus(snapshot, identity: heater.identity).heatOnly, "nothing hashing")
    }

    @Test func writesNeedTheToken() async throws {
        let heater = FakeHeater()
        try await app(heater, token: token).test(.live) { client in
            let body = ByteBuffer(string: #"{"setpoint": 22.5}"#)
            try await client.execute(uri: "/api/setpoint", method: .put, body: body) { response in
                #expect(response.status == .unauthorized)
                let message = try errorMessage(response.body)
                #expect(message?.contains("Authorization: Bearer") == true)
            }
            try await client.execute(uri: "/api/setpoint", method: .put, headers: [.authorization: "Bearer wrong"], body: body) { response in
                #expect(response.status == .unauthorized)
            }
            #expect(heater.status().setpoint == 20, "nothing changed")
            try await client.execute(uri: "/api/setpoint", method: .put, headers: [.authorization: "Bearer \(token)"], body: body) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["setpoint"] as? Double == 22.5)
            }
            #expect(heater.status().setpoint == 22.5)
        }
    }

    @Test func withoutATokenThereAreNoWrites() async throws {
        let heater = FakeHeater()
        try await app(heater, token: nil).test(.live) { client in
            try await client.execute(uri: "/api/faults/clear", method: .post, headers: [.authorization: "Bearer anything"]) { response in
                #expect(response.status == .forbidden)
                let message = try errorMessage(response.body)
                #expect(message?.contains("no token configured") == true)
            }
            #expect(heater.status().faults.count == 1, "the fault stays latched")
        }
    }

    @Test func badRequestsAreRefusedWithTheReasonAndChangeNothing() async throws {
        let heater = FakeHeater()
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        try await app(heater, token: token).test(.live) { client in
            let cases: [(String, String, String)] = [
                ("/api/setpoint", #"{"setpoint": 45}"#, "setpoint 45.0 is outside 5.0…30.0 °C"),
                ("/api/setpoint", #"{"setpoint": "warm"}"#, "setpoint"),
                ("/api/setpoint", "not json", "not valid JSON"),
                ("/api/mode", #"{"mode": "turbo"}"#, "mode \"turbo\" is not one of off, heat, eco, boost, night"),
                ("/api/mode", #"{}"#, "mode"),
            ]
            for (uri, text, reason) in cases {
                try await client.execute(uri: uri, method: .put, headers: auth, body: ByteBuffer(string: text)) { response in
                    #expect(response.status == .badRequest, "\(uri) \(text)")
                    let message = try errorMessage(response.body) ?? ""
                    #expect(message.contains(reason), "\(uri) \(text): \(message)")
                }
            }
            #expect(heater.status().setpoint == 20 && heater.status().mode == "heat", "nothing changed")
        }
    }

    @Test func modeAndFaultClearing() async throws {
        let heater = FakeHeater()
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        try await app(heater, token: token).test(.live) { client in
            try await client.execute(uri: "/api/mode", method: .put, headers: auth, body: ByteBuffer(string: #"{"mode": "night"}"#)) { response in
                #expect(response.status == .ok)
            }
            #expect(heater.status().mode == "night")
            try await client.execute(uri: "/api/faults/clear", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["cleared"] as? [String] == ["fan stalled: commanded 100 % but no tach"])
            }
            #expect(heater.status().faults.isEmpty)
        }
    }

    /// The value of a sample in Prometheus's text format: the line naming `metric` with all of `labels`.
    func sample(_ text: String, _ metric: String, _ labels: [String] = []) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let series = parts[0]
            guard series == metric || series.hasPrefix(metric + "{") else { continue }
            guard labels.allSatisfy({ series.contains($0) }) else { continue }
            return Double(parts[1]) ?? (parts[1] == "NaN" ? .nan : nil)
        }
        return nil
    }

    @Test func prometheusMetrics() async throws {
        try await app(FakeHeater(), token: nil).test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE hearth_shares_accepted_total counter"))
                #expect(text.contains("# TYPE hearth_temperature_celsius gauge"))
                #expect(sample(text, "hearth_temperature_celsius", [#"sensor="room""#, #"role="room""#]) == 19.5)
                #expect(sample(text, "hearth_temperature_celsius", [#"sensor="exhaust""#])?.isNaN == true, "unreadable: NaN")
                #expect(sample(text, "hearth_sensor_ok", [#"sensor="exhaust""#]) == 0)
                #expect(sample(text, "hearth_sensor_ok", [#"sensor="sink""#]) == 1)
                #expect(sample(text, "hearth_setpoint_celsius") == 20)
                #expect(sample(text, "hearth_mode", [#"mode="heat""#]) == 1)
                #expect(sample(text, "hearth_mode", [#"mode="night""#]) == 0)
                #expect(sample(text, "hearth_power_target_watts") == 350)
                #expect(sample(text, "hearth_supply_watts") == 362.5)
                #expect(sample(text, "hearth_fan_rpm") == 2100)
                #expect(sample(text, "hearth_fan_duty_ratio") == 0.4)
                #expect(sample(text, "hearth_hash_rate_hashes_per_second") == 1.5e12)
                #expect(sample(text, "hearth_hashes_total") == 123_456)
                #expect(sample(text, "hearth_shares_accepted_total") == 41)
                #expect(sample(text, "hearth_shares_rejected_total") == 2)
                #expect(sample(text, "hearth_faults_latched") == 1)
            }
        }
    }

    /// Counters follow the heater's totals across scrapes, and never go down.
    @Test func countersAddWhatTheTotalsGained() {
        let metrics = HeaterMetrics()
        var status = FakeHeater().tick()
        func accepted() -> Double? { sample(String(decoding: metrics.scrape(status), as: UTF8.self), "hearth_shares_accepted_total") }
        #expect(accepted() == 41)
        #expect(accepted() == 41, "a second scrape adds nothing")
        status.pool?.accepted = 45
        #expect(accepted() == 45)
        status.pool?.accepted = 3  // the client started counting again
        #expect(accepted() == 48)
    }

    @Test func theDashboardAndItsHistory() async throws {
        let heater = FakeHeater()
        let history = HeaterHistory(interval: .seconds(30))
        var tick = heater.tick()
        tick.wallTime = 1_000
        history.record(tick)
        let api = HeaterAPI(backend: heater, token: nil, history: history)
        try await Application(router: api.router()).test(.live) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let page = String(buffer: response.body)
                for id in ["room", "setpoint", "mode", "power", "hashrate", "fan", "faults", "chart", "power-chart", "hashrate-chart", "ranges", "modes", "token"] {
                    #expect(page.contains("id=\"\(id)\""), "the page has #\(id)")
                }
                #expect(page.contains("/api/status") && page.contains("/api/history?range=") && page.contains("/api/mode"))
            }
            try await client.execute(uri: "/api/history", method: .get) { response in
                let body = try json(response.body)
                #expect(body["range"] as? String == "24h", "the last day when no range is asked for")
                #expect(body["sampleSeconds"] as? Double == 30)
                #expect(body["intervalSeconds"] as? Double == 240)
                #expect(body["store"] as? String == "memory")
                let samples = try #require(body["samples"] as? [[String: Any]])
                #expect(samples.count == 1)
                #expect(samples[0]["time"] as? Double == 960, "the point's span begins at a multiple of 4 min")
                #expect(samples[0]["room"] as? Double == 19.5)
                #expect(samples[0]["setpoint"] as? Double == 20)
                #expect(samples[0]["powerWatts"] as? Double == 350)
                #expect(samples[0]["hashRate"] as? Double == 1.5e12)
                #expect(samples[0]["fanDuty"] as? Double == 0.4)
                #expect(samples[0]["faults"] as? [String] == ["fan stalled: commanded 100 % but no tach"])
            }
        }
    }

    /// `?range=` takes 6h, 24h or 7d, each in at most 360 points reaching back from the newest
    /// sample; anything else is refused with the values it takes.
    @Test func theHistoryComesInRanges() async throws {
        let heater = FakeHeater()
        let history = HeaterHistory(interval: .seconds(30))
        var tick = heater.tick()
        let end = 1_800_000_000.0
        for second in stride(from: end - 8 * 86_400, through: end, by: 15) {
            tick.wallTime = second
            tick.setpoint = Celsius(second < end - 3 * 3600 ? 17 : 21)
            history.record(tick)
        }
        let api = HeaterAPI(backend: heater, token: nil, history: history)
        try await Application(router: api.router()).test(.router) { client in
            for (range, width, count) in [("6h", 60.0, 360), ("24h", 240, 360), ("7d", 1_680, 360)] {
                try await client.execute(uri: "/api/history?range=\(range)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try json(response.body)
                    #expect(body["range"] as? String == range && body["intervalSeconds"] as? Double == width)
                    let samples = try #require(body["samples"] as? [[String: Any]])
                    let times = samples.compactMap { $0["time"] as? Double }
                    #expect(samples.count <= count, "\(range): \(samples.count) points")
                    #expect(times.last == end - end.truncatingRemainder(dividingBy: width), "\(range): the newest point holds now")
                    #expect(times.first! >= end - Double(samples.count) * width, "\(range) reaches back no further than it says")
                    #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == width }, "\(range): one point a span")
                    #expect(samples.dropLast().allSatisfy { $0["ticks"] as? Int == Int(width / 15) }, "\(range): whole spans")
                    if range == "6h" {
                        #expect(samples.first?["setpoint"] as? Double == 17 && samples.last?["setpoint"] as? Double == 21)
                    }
                }
            }
            try await client.execute(uri: "/api/history?range=3d", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"range \"3d\" is not one of 6h, 24h, 7d"#))
            }
        }
    }

    /// What went wrong with the history shows in the status; nothing while all is well.
    @Test func theStatusSaysWhatWentWrongWithTheHistory() async throws {
        struct Troubled: HistorySource {
            var sampleSeconds: Double { 30 }
            var newest: Double? { nil }
            var store: String { "memory" }
            var problem: String? { "history database /var/lib/hearth/history.sqlite: its folder cannot be made" }
            func samples(from start: Double, to end: Double) async -> [HistorySample] { [] }
        }
        for (source, expected) in [(HeaterHistory() as any HistorySource, nil), (Troubled(), Troubled().problem)] {
            let api = HeaterAPI(backend: FakeHeater(), token: nil, history: source)
            try await Application(router: api.router()).test(.router) { client in
                try await client.execute(uri: "/api/status", method: .get) { response in
                    let body = try json(response.body)
                    #expect(body["history"] as? String == expected)
                }
                try await client.execute(uri: "/api/history?range=7d", method: .get) { response in
                    let body = try json(response.body)
                    #expect(body["problem"] as? String == expected)
                    #expect((body["samples"] as? [Any])?.isEmpty == true)
                }
            }
        }
    }

    /// `hearth fault clear`'s HTTP client against the real API: the answer, the refusal, and a
    /// port where nothing listens, each in a person's words.
    @Test func theOneRequestClientTalksToTheAPI() async throws {
        let heater = FakeHeater()
        try await app(heater, token: token).test(.live) { client in
            let port = try #require(client.port)
            let url = "http://127.0.0.1:\(port)/api/faults/clear"
            let refused = try await PlainHTTP.send(.POST, url: url, headers: [("Authorization", "Bearer wrong")])
            #expect(refused.status == 401)
            #expect(heater.status().faults.count == 1)
            let cleared = try await PlainHTTP.send(.POST, url: url, headers: [("Authorization", "Bearer \(token)")])
            #expect(cleared.status == 200)
            #expect(String(decoding: cleared.body, as: UTF8.self).contains("fan stalled"))
            #expect(heater.status().faults.isEmpty)
            let status = try await PlainHTTP.send(.GET, url: "http://127.0.0.1:\(port)/api/status")
            #expect(status.status == 200 && !status.body.isEmpty)
        }
        await #expect { try await PlainHTTP.send(.GET, url: "http://127.0.0.1:1/") } throws: { error in
            "\(error)".contains("nothing listens on 127.0.0.1:1")
        }
        await #expect { try await PlainHTTP.send(.GET, url: "https://example.org/") } throws: { error in
            "\(error)".contains("not an http:// address")
        }
    }

    @Test func theScheduleThroughTheAPI() async throws {
        let heater = FakeHeater()
        let auth: HTTPFields = [.authorization: "Bearer \(token)"]
        try await app(heater, token: token).test(.live) { client in
            try await client.execute(uri: "/api/schedule", method: .get) { response in
                let body = try json(response.body)
                #expect(body["source"] as? String == "config")
                #expect((body["slots"] as? [[String: Any]])?.count == 14, "two times on every day")
            }
            let weekdays = #"{"slots": [{"days": ["mon", "tue", "wed", "thu", "fri"], "at": "07:00", "setpoint": 21.5}, {"at": "23:00", "setpoint": 16, "mode": "night"}]}"#
            try await client.execute(uri: "/api/schedule", method: .put, body: ByteBuffer(string: weekdays)) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/schedule", method: .put, headers: auth, body: ByteBuffer(string: weekdays)) { response in
                #expect(response.status == .ok)
                let body = try json(response.body)
                #expect(body["source"] as? String == "api")
                let slots = try #require(body["slots"] as? [[String: Any]])
                #expect(slots.count == 5 + 7)
                #expect(slots[0]["days"] as? [String] == ["mon"] && slots[0]["at"] as? String == "07:00")
                #expect(slots[0]["setpoint"] as? Double == 21.5 && slots[0]["mode"] as? String == "heat")
            }
            let cases: [(String, String)] = [
                (#"{"slots": [{"at": "25:00", "setpoint": 20}]}"#, "slots[0].at: \"25:00\" is not a time of day as HH:MM"),
                (#"{"slots": [{"at": "07:00", "setpoint": 40}]}"#, "slots[0].setpoint: 40.0 is outside the allowed 5.0…30.0"),
                (#"{"slots": [{"at": "07:00", "setpoint": 20}, {"days": ["sun"], "at": "07:00", "setpoint": 18}]}"#,
                 "slots[1].at: Sun 07:00 is already the start of slots[0]"),
                (#"{"slots": [{"days": ["someday"], "at": "07:00", "setpoint": 20}]}"#, "slots[0].days: \"someday\" is not a day"),
                (#"{"slots": [{"at": "07:00", "setpoint": 20, "mode": "turbo"}]}"#, "slots[0].mode: \"turbo\" is not one of"),
            ]
            for (text, reason) in cases {
                try await client.execute(uri: "/api/schedule", method: .put, headers: auth, body: ByteBuffer(string: text)) { response in
                    #expect(response.status == .badRequest, "\(text)")
                    let message = try errorMessage(response.body) ?? ""
                    #expect(message.contains(reason), "\(text): \(message)")
                }
            }
            #expect(heater.schedule().source == "api" && heater.schedule().slots.count == 12, "a bad schedule changes nothing")
            try await client.execute(uri: "/api/schedule", method: .delete, headers: auth) { response in
                let body = try json(response.body)
                #expect(body["source"] as? String == "config")
            }
        }
    }
}

