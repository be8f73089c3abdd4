import Foundation
import HearthMQTT
import HearthTestFixtures
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `hearthd` on the simulated board with `[mqtt]` pointing at a test mosquitto: it shows up as a
/// complete Home Assistant device, takes a setpoint from its command topic, and says `offline`
/// when stopped; with the broker down it heats on regardless.
@Suite(.serialized) struct MQTTEndToEndTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")?.lowerBound ?? #filePath.endIndex))

    /// The built `hearthd`, beside the test bundle.
    static var hearthd: String? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent(), Bundle.main.bundleURL] {
            let path = candidate.appendingPathComponent("hearthd").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func status(_ port: Int) async -> [String: Any]? {
        guard let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/status")!) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A configuration file for the simulated heater with its API on `apiPort` and `[mqtt]`.
    static func configuration(in folder: URL, apiPort: Int, mqtt: String) throws -> String {
        let file = folder.appendingPathComponent("hearth.toml")
        try """
            board = "\(repository)/Board/sim.toml"
            [heater]
            setpoint = 21
            tick_rate = 10
            [api]
            listen = "127.0.0.1:\(apiPort)"
            cgminer = "off"
            \(mqtt)
            """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func hearthdIsACompleteHomeAssistantDeviceAndTakesASetpoint() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let broker = try Mosquitto()
        defer { broker.remove() }
        let passwordFile = broker.folder.appendingPathComponent("hearth-password")
        try "\(broker.password)\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let apiPort = freeLoopbackPort()
        let config = try Self.configuration(
            in: broker.folder, apiPort: apiPort,
            mqtt: """
                [mqtt]
                broker = "mqtt://127.0.0.1:\(broker.port)"
                username = "\(broker.user)"
                password_file = "\(passwordFile.path)"
                node_id = "e2e"
                """)
        let observer = Observer(broker, subscribe: ["homeassistant/#", "hearth/e2e/#"])
        let log = broker.folder.appendingPathComponent("hearthd.log").path
        let pid = try spawn(hearthd, ["--config", config], log: log)
        var stopped = false
        defer { if !stopped { stop(pid, signal: SIGKILL) } }

        // The whole device: every entity's discovery, retained, in Home Assistant's schema.
        let entities = [
            "climate/e2e/thermostat", "sensor/e2e/power", "sensor/e2e/energy", "sensor/e2e/hash_rate", "sensor/e2e/fan_speed",
            "sensor/e2e/shares_accepted", "binary_sensor/e2e/fault", "button/e2e/clear_faults",
        ].map { "homeassistant/\($0)/config" }
        let found = await eventually {
            let topics = Set(observer.latest.keys)
            return entities.allSatisfy(topics.contains) && observer.last("hearth/e2e/status") == "online" && observer.last("hearth/e2e/setpoint") == "21.0"
        }
        #expect(found, "\(observer.latest.keys.sorted()) \((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(800) ?? "")")
        let late = Observer(broker, subscribe: ["homeassistant/#"])
        #expect(await eventually { Set(late.latest.keys).isSuperset(of: entities) }, "retained for Home Assistant's next start")
        let discovery = late.latest
        await late.stop()
        let sensors = discovery.keys.filter { $0.hasPrefix("homeassistant/sensor/e2e/temperature_") }
        let status = try #require(await Self.status(apiPort))
        let boardSensors = (status["temperatures"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(!boardSensors.isEmpty && sensors.count == boardSensors.count, "a temperature sensor each: \(sensors) for \(boardSensors)")
        var identifiers: Set<[String]> = []
        for (topic, message) in discovery {
            #expect(message.retain)
            let config = try #require(HomeAssistantTests.json(message), "\(topic)")
            #expect(HomeAssistantSchema.check(component: String(topic.split(separator: "/")[1]), config) == [], "\(topic)")
            identifiers.insert((config["device"] as? [String: Any])?["identifiers"] as? [String] ?? [])
        }
        #expect(identifiers == [["hearth_e2e"]], "one device")

        // A setpoint from Home Assistant changes what the API shows at the next tick.
        observer.publish("hearth/e2e/setpoint/set", "23.5")
        var setpoint: Double?
        for _ in 0..<500 where setpoint != 23.5 {
            try await Task.sleep(for: .milliseconds(20))
            setpoint = await Self.status(apiPort)?["setpoint"] as? Double
        }
        #expect(setpoint == 23.5)
        #expect(await eventually { observer.last("hearth/e2e/setpoint") == "23.5" }, "and Home Assistant sees it back")
        observer.publish("hearth/e2e/mode/set", "off")
        var mode: String?
        for _ in 0..<500 where mode != "off" {
            try await Task.sleep(for: .milliseconds(20))
            mode = await Self.status(apiPort)?["mode"] as? String
        }
        #expect(mode == "off")
        observer.publish("hearth/e2e/setpoint/set", "99")
        #expect(await eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("Home Assistant command refused: hearth/e2e/setpoint/set \"99\": setpoint 99.0 is outside 5.0…30.0 °C") })
        #expect(await Self.status(apiPort)?["setpoint"] as? Double == 23.5, "the refused setpoint changed nothing")

        // SIGTERM: the heater stops safely and says offline on its way out.
        #expect(stop(pid) == 0)
        stopped = true
        #expect(await eventually { observer.last("hearth/e2e/status") == "offline" })
        await observer.stop()
    }

    @Test func withTheBrokerDownTheHeaterHeatsOn() async throws {
        let hearthd = try #require(Self.hearthd, "build hearthd first (swift build)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-mqtt-down-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let apiPort = freeLoopbackPort()
        let config = try Self.configuration(in: folder, apiPort: apiPort, mqtt: "[mqtt]\nbroker = \"mqtt://127.0.0.1:\(freeLoopbackPort())\"")
        let log = folder.appendingPathComponent("hearthd.log").path
        let pid = try spawn(hearthd, ["--config", config], log: log)
        var uptimes: [Int] = []
        for _ in 0..<1500 where (uptimes.last ?? 0) < (uptimes.first ?? 0) + 2 || uptimes.count < 2 {
            try await Task.sleep(for: .milliseconds(20))
            if let uptime = await Self.status(apiPort)?["uptimeSeconds"] as? Int { uptimes.append(uptime) }
        }
        #expect(uptimes.count >= 2 && uptimes.last! >= uptimes.first! + 2, "the control loop ticks on: \(uptimes.suffix(3))")
        #expect(stop(pid) == 0, "and stops cleanly, broker or not")
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(said.contains("could not connect to the MQTT broker") && said.contains("the heater is not affected"), "\(said.suffix(600))")
    }
}
