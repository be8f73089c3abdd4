import Foundation
import HearthAPI
import HearthControl
import HearthMQTT
import HearthTestFixtures
import HearthNet
import Logging
import Synchronization
import Testing

/// The client and the bridge against a real mosquitto, started by each test on a free port with
/// a password file. Every wait polls with a generous bound and asserts on what happened.
@Suite(.serialized) struct BrokerTests {
    @Test func credentialsAreCheckedAndARefusalIsNamed() async throws {
        let broker = try Mosquitto()
        defer { broker.remove() }
        let good = MQTTClient(configuration: broker.configuration("good"), logger: Logger(label: "good"))
        let goodRun = Task { await good.run() }
        #expect(await eventually { good.status.connected }, "\(good.status)")

        let log = LogRecorder()
        let bad = MQTTClient(configuration: broker.configuration("bad", password: "wrong"), logger: log.logger)
        let badRun = Task { await bad.run() }
        #expect(await eventually { bad.status.failedAttempts >= 2 }, "it keeps trying: \(bad.status)")
        let status = bad.status
        #expect(!status.connected && status.connections == 0)
        // mosquitto answers a wrong password with 5 (not authorized) to MQTT 3.1.1 clients; 4 is the other refusal that means it.
        #expect(status.refusal == .notAuthorized || status.refusal == .badUsernameOrPassword, "\(status)")
        #expect(status.lastError == status.refusal?.description)
        #expect(log.all.contains { $0.contains("could not connect to the MQTT broker: the broker") && $0.contains("the heater is not affected") }, "\(log.all)")
        bad.stop()
        good.stop()
        await badRun.value
        await goodRun.value
    }

    /// mqtts://: a broker whose certificate is trusted through its file (`ca_file`) takes the
    /// client; with only the system's authorities the self-signed certificate is refused, the
    /// reason said, and the client keeps trying.
    @Test func overTLSTheBrokersCertificateIsChecked() async throws {
        let broker = try Mosquitto(tls: true)
        defer { broker.remove() }
        func client(_ id: String, trusting file: String?) -> MQTTClient {
            var configuration = broker.configuration(id)
            configuration.host = "localhost"
            configuration.channelInitializer = { channel in
                try TLSClient.add(to: channel, host: "localhost", configuration: TLSClient.configuration(trustRootsFile: file))
            }
            return MQTTClient(configuration: configuration, logger: Logger(label: id))
        }
        let trusted = client("trusted", trusting: broker.certificate)
        let trustedRun = Task { await trusted.run() }
        #expect(await eventually { trusted.status.connected }, "\(trusted.status) \(broker.log.suffix(400))")
        try trusted.publish(MQTTMessage(topic: "test/tls", text: "over TLS", qos: .atLeastOnce))
        #expect(await eventually { trusted.status.queued == 0 })

        let stranger = client("stranger", trusting: nil)
        let strangerRun = Task { await stranger.run() }
        #expect(await eventually { stranger.status.failedAttempts >= 2 }, "\(stranger.status)")
        #expect(!stranger.status.connected && stranger.status.connections == 0)
        #expect(stranger.status.lastError?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(stranger.status)")
        stranger.stop()
        trusted.stop()
        await strangerRun.value
        await trustedRun.value
    }

    @Test func publishesAndSubscribesAtQoS0And1WithRetain() async throws {
        let broker = try Mosquitto()
        defer { broker.remove() }
        let publisher = MQTTClient(configuration: broker.configuration("publisher"), logger: Logger(label: "publisher"))
        // Published before the connection: queued, then sent once the broker accepts it.
        try publisher.publish(MQTTMessage(topic: "test/retained", text: "kept", qos: .atLeastOnce, retain: true))
        try publisher.publish(MQTTMessage(topic: "test/retained", text: "kept, newer", qos: .atLeastOnce, retain: true))
        #expect(publisher.status.queued == 1, "a retained message replaces the one queued for its topic")
        let publisherRun = Task { await publisher.run() }
        #expect(await eventually { publisher.status.connected && publisher.status.queued == 0 })

        let observer = Observer(broker, subscribe: ["test/#"])
        #expect(await eventually { observer.last("test/retained") == "kept, newer" }, "the retained message reaches a later subscriber")
        #expect(observer.messages.first { $0.topic == "test/retained" }?.retain == true)
        try publisher.publish(MQTTMessage(topic: "test/live", text: "0", qos: .atMostOnce))
        try publisher.publish(MQTTMessage(topic: "test/live", text: "1", qos: .atLeastOnce))
        #expect(await eventually { observer.last("test/live") == "1" })
        #expect(observer.messages.filter { $0.topic == "test/live" }.map(\.retain) == [false, false])
        #expect(throws: MQTTPacketError.self) { try publisher.publish(MQTTMessage(topic: "test/+", text: "no")) }
        publisher.stop()
        await publisherRun.value
        await observer.stop()
    }

    @Test func theBridgeAppearsAsADeviceAndTakesCommands() async throws {
        let broker = try Mosquitto()
        defer { broker.remove() }
        let heater = FakeHeater()
        let log = LogRecorder()
        let bridge = makeBridge(broker, heater, log: log)
        let observer = Observer(broker, subscribe: ["homeassistant/#", "hearth/#"])
        // A command left retained on the broker is not taken when the bridge subscribes: it is old.
        observer.publish("hearth/den/setpoint/set", "6", retain: true)
        #expect(await eventually { observer.last("hearth/den/setpoint/set") == "6" })
        let running = Task { await bridge.run() }

        #expect(await eventually { observer.last("hearth/den/status") == "online" && observer.last("hearth/den/setpoint") == "21.0" })
        #expect(await eventually { bridge.status.refused == 1 })
        #expect(log.all.contains { $0.contains("hearth/den/setpoint/set \"6\": it is retained") }, "\(log.all.suffix(5))")
        let kept = heater.state.withLock { $0.setpoint }
        #expect(kept == 21)
        observer.publish("hearth/den/setpoint/set", "", retain: true)  // cleared from the broker (and refused: not a number)
        #expect(await eventually { bridge.status.refused == 2 })

        #expect(await eventually { observer.messages.count(where: { $0.topic.hasPrefix("homeassistant/") }) >= 11 })
        // A later subscriber, as Home Assistant after a restart, gets every discovery message retained.
        let late = Observer(broker, subscribe: ["homeassistant/#"])
        #expect(await eventually { late.latest.count == 11 })
        #expect(late.messages.allSatisfy { $0.retain })
        await late.stop()
        let discovery = observer.latest.filter { $0.key.hasPrefix("homeassistant/") }
        #expect(discovery.count == 11)
        for (topic, message) in discovery {
            let config = try #require(HomeAssistantTests.json(message))
            #expect(HomeAssistantSchema.check(component: String(topic.split(separator: "/")[1]), config) == [], "\(topic)")
        }

        // Home Assistant's commands reach the heater through the API's path.
        observer.publish("hearth/den/setpoint/set", "23.5")
        #expect(await eventually { heater.state.withLock { $0.setpoint } == 23.5 })
        #expect(await eventually { observer.last("hearth/den/setpoint") == "23.5" }, "the accepted value is echoed")
        observer.publish("hearth/den/preset/set", "eco")
        #expect(await eventually { heater.state.withLock { $0.mode } == .eco })
        #expect(await eventually { observer.last("hearth/den/preset") == "eco" && observer.last("hearth/den/mode") == "heat" })
        observer.publish("hearth/den/mode/set", "off")
        #expect(await eventually { heater.state.withLock { $0.mode } == .off })
        #expect(await eventually { observer.last("hearth/den/action") == "off" })
        heater.state.withLock { $0.faults = ["sensor room lost"] }
        #expect(await eventually { observer.last("hearth/den/problem") == "ON" })
        #expect(observer.last("hearth/den/faults")?.contains("sensor room lost") == true)
        observer.publish("hearth/den/faults/clear", "PRESS")
        #expect(await eventually { heater.state.withLock { $0.faults.isEmpty } })
        #expect(await eventually { observer.last("hearth/den/problem") == "OFF" })

        // Bad payloads are refused, logged, and change nothing.
        let before = heater.state.withLock { ($0.setpoint, $0.mode) }
        for (topic, payload) in [("setpoint/set", "hot"), ("setpoint/set", "99"), ("mode/set", "cool"), ("preset/set", "turbo"), ("faults/clear", "now")] {
            observer.publish("hearth/den/\(topic)", payload)
        }
        #expect(await eventually { bridge.status.refused == 7 }, "\(bridge.status) \(log.all.suffix(8))")
        let after = heater.state.withLock { ($0.setpoint, $0.mode) }
        #expect(after == before, "nothing changed")
        let warnings = log.all.filter { $0.hasPrefix("warning: Home Assistant command refused") }
        #expect(warnings.contains { $0.contains("hearth/den/setpoint/set \"99\": setpoint 99.0 is outside 5.0…30.0 °C") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("mode \"cool\" is not one of") })
        #expect(warnings.contains { $0.contains("preset \"turbo\" is not one of eco, boost, night, none") })

        bridge.stop()
        await running.value
        #expect(await eventually { observer.last("hearth/den/status") == "offline" }, "a clean stop says offline")
        await observer.stop()
    }

    @Test func aBrokerRestartIsFollowedByAReconnectAndEverythingAgain() async throws {
        let broker = try Mosquitto()
        defer { broker.remove() }
        let heater = FakeHeater()
        let bridge = makeBridge(broker, heater, log: LogRecorder())
        let running = Task { await bridge.run() }
        #expect(await eventually { bridge.mqtt?.connections == 1 })

        broker.stop()  // no persistence: every retained message is gone with it
        #expect(await eventually { bridge.mqtt?.connected == false })
        heater.state.withLock { $0.setpoint = 18 }  // the heater goes on meanwhile
        try broker.start()
        #expect(await eventually { bridge.mqtt?.connections == 2 }, "\(String(describing: bridge.mqtt))")

        let observer = Observer(broker, subscribe: ["homeassistant/#", "hearth/#"])
        #expect(await eventually {
            observer.latest.keys.count(where: { $0.hasPrefix("homeassistant/") }) == 11 && observer.last("hearth/den/status") == "online"
                && observer.last("hearth/den/setpoint") == "18.0"
        }, "discovery, availability and the state are published again: \(observer.latest.keys.sorted())")
        // Commands still arrive: the subscriptions were made again.
        observer.publish("hearth/den/setpoint/set", "22")
        #expect(await eventually { heater.state.withLock { $0.setpoint } == 22 })
        bridge.stop()
        await running.value
        await observer.stop()
    }

    @Test func withTheBrokerDownTheClientKeepsTryingWithoutBlocking() async throws {
        let port = freeLoopbackPort()
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "lonely")
        configuration.firstBackoff = .milliseconds(10)
        configuration.maxBackoff = .milliseconds(40)
        configuration.maxQueuedMessages = 100
        let log = LogRecorder()
        let client = MQTTClient(configuration: configuration, logger: log.logger)
        let running = Task { await client.run() }
        #expect(await eventually { client.status.failedAttempts >= 5 }, "\(client.status)")
        #expect(client.status.lastError == "127.0.0.1:\(port) refused the connection (nothing listens on that port)")
        // Publishing while it is away returns at once; the queue stays bounded, the oldest QoS 0 going first.
        try client.publish(MQTTMessage(topic: "keep", text: "1", qos: .atLeastOnce))
        for index in 0..<1_000 { try client.publish(MQTTMessage(topic: "reading", text: "\(index)")) }
        let status = client.status
        #expect(status.queued == 100 && status.dropped == 901, "\(status)")
        #expect(log.all.contains { $0.contains("dropping the oldest QoS 0 ones") })
        #expect(log.all.filter { $0.hasPrefix("warning: could not connect") }.count == 1, "one warning for a repeated reason, the rest at debug")
        client.stop()
        await running.value
    }

    @Test func aMalformedOrOversizedPacketEndsTheConnectionWithItsReason() async throws {
        for (reply, expected) in [
            ([0x20, 0x02, 0x00, 0x00, 0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01] as [UInt8], "the broker sent a malformed PUBLISH: QoS 3 is not a QoS (the flags are 0x06)"),
            ([0x20, 0x02, 0x00, 0x00, 0x30, 0x80, 0x80, 0x80, 0x01], "the broker sent a malformed PUBLISH: 2097157 bytes is more than the 1024 bytes this client accepts in one packet"),
            ([0x20, 0x02, 0x00, 0x07], "the broker sent a malformed CONNACK: return code 7 is reserved (MQTT 3.1.1 defines 0…5)"),
            ([0x20, 0x02, 0x00, 0x00, 0xC0, 0x00], "the broker sent PINGREQ, which only a client sends"),
        ] {
            let fake = try FakeBroker(reply: reply)
            var configuration = MQTTConfiguration(host: "127.0.0.1", port: fake.port, clientID: "victim")
            configuration.maxPacketSize = 1024
            configuration.firstBackoff = .seconds(60)
            let client = MQTTClient(configuration: configuration, logger: Logger(label: "victim"))
            let running = Task { await client.run() }
            #expect(await eventually { client.status.lastError != nil })
            #expect(client.status.lastError == expected)
            client.stop()
            await running.value
            fake.close()
        }
    }

    func makeBridge(_ broker: Mosquitto, _ heater: FakeHeater, log: LogRecorder) -> HomeAssistantBridge {
        let device = HomeAssistantDevice(nodeID: "den", name: "Hearth den", model: "Hearth space heater (test)", softwareVersion: "9.9.9")
        var settings = HomeAssistantBridge.Settings(device: device)
        settings.stateInterval = .milliseconds(100)
        settings.pollInterval = .milliseconds(20)
        return HomeAssistantBridge(settings: settings, broker: broker.configuration("hearth-den"), backend: heater, logger: log.logger)
    }
}

/// A "broker" that answers whatever comes with the same bytes, on a thread of its own.
final class FakeBroker: Sendable {
    let port: Int
    private let fd: Int32

    init(reply: [UInt8]) throws {
        let (fd, port) = boundLoopbackSocket()
        guard listen(fd, 4) == 0 else { throw Failure("listen: \(errno)") }
        self.fd = fd
        self.port = port
        Thread.detachNewThread {
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 512)
                _ = read(connection, &buffer, buffer.count)  // the CONNECT
                _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                Thread.sleep(forTimeInterval: 0.5)
                Glibc.close(connection)
            }
        }
    }

    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
