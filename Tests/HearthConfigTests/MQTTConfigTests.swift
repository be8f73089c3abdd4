import Foundation
import Testing

@testable import HearthConfig

/// `[mqtt]`: off without the table; every key checked, errors naming the key.
@Suite struct MQTTConfigTests {
    @Test func offWithoutTheTable() throws {
        #expect(try HearthConfig.parse("", file: "h.toml").mqtt == nil)
        #expect(DaemonOptions(commandLine: .init(), config: try HearthConfig.parse("", file: "h.toml").given).mqtt == nil)
    }

    @Test func readsEveryKey() throws {
        let config = try HearthConfig.parse(
            """
            [mqtt]
            broker = "mqtt://192.168.1.5:1884"
            username = "hearth"
            password = "secret"
            discovery_prefix = "ha"
            node_id = "den-1"
            """, file: "h.toml")
        let mqtt = try #require(config.mqtt)
        #expect(mqtt == MQTTOptions(host: "192.168.1.5", port: 1884, username: "hearth", password: "secret", discoveryPrefix: "ha", nodeID: "den-1"))
        #expect(DaemonOptions(commandLine: .init(), config: config.given).mqtt == mqtt)
        #expect(try config.summary().contains("MQTT: mqtt://192.168.1.5:1884 as hearth, discovery under ha/, node den-1"))
        let plain = try #require(try HearthConfig.parse("[mqtt]\nbroker = \"mqtt://[::1]\"\n", file: "h.toml").mqtt)
        #expect(plain == MQTTOptions(host: "::1", port: 1883), "the default port and prefix, no credentials")
    }

    @Test func aBrokerOverTLS() throws {
        let tls = try #require(try HearthConfig.parse("[mqtt]\nbroker = \"mqtts://ha.lan\"\n", file: "h.toml").mqtt)
        #expect(tls.tls && tls.port == 8883 && tls.caFile == nil, "TLS's port, the system's authorities")
        let own = try #require(try HearthConfig.parse("[mqtt]\nbroker = \"ssl://ha.lan:8884\"\nca_file = \"/etc/hearth/b.pem\"\n", file: "h.toml").mqtt)
        #expect(own.tls && own.port == 8884 && own.caFile == "/etc/hearth/b.pem")
    }

    @Test func thePasswordFromAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-mqtt-password-\(getpid())")
        defer { try? FileManager.default.removeItem(at: file) }
        try "s3cret\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try HearthConfig.parse(
            "[mqtt]\nbroker = \"mqtt://b\"\nusername = \"u\"\npassword_file = \"\(file.path)\"\n", file: "h.toml")
        #expect(config.mqtt?.password == "s3cret")
    }

    @Test(arguments: [
        ("broker = \"mqtt://b\"\nca_file = \"/etc/hearth/b.pem\"", "mqtt.ca_file", "only a broker over TLS (mqtts://)"),
        ("broker = \"b:1883\"", "mqtt.broker", "has no scheme; a broker is mqtt://HOST:PORT"),
        ("broker = \"http://b\"", "mqtt.broker", "unknown scheme \"http\""),
        ("broker = \"mqtt://b:99999\"", "mqtt.broker", "port \"99999\" is not a number from 1 to 65535"),
        ("broker = \"mqtt://homeassistant.local\"", "mqtt.broker", "give the host's IP address instead"),
        ("username = \"u\"", "mqtt.broker", "missing"),
        ("broker = \"mqtt://b\"\npassword = \"p\"", "mqtt.password", "a password needs a username"),
        ("broker = \"mqtt://b\"\nusername = \"u\"\npassword = \"p\"\npassword_file = \"/etc/x\"", "mqtt.password_file", "not both"),
        ("broker = \"mqtt://b\"\nusername = \"u\"\npassword_file = \"/nonexistent/pw\"", "mqtt.password_file", "cannot be read"),
        ("broker = \"mqtt://b\"\ndiscovery_prefix = \"home/#\"", "mqtt.discovery_prefix", "is not a topic prefix"),
        ("broker = \"mqtt://b\"\nnode_id = \"my den\"", "mqtt.node_id", "only letters, digits, _ and -"),
        ("broker = \"mqtt://b\"\nport = 1883", "mqtt.port", "unknown key"),
    ])
    func mistakesAreNamed(body: String, key: String, reason: String) {
        let error = #expect(throws: ConfigError.self) { try HearthConfig.parse("[mqtt]\n\(body)\n", file: "h.toml") }
        #expect(error?.key == key, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.reason.contains(reason) == true, "\(error.map { "\($0)" } ?? "no error")")
    }
}
