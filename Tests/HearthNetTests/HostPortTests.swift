import HearthNet
import Testing

@Suite struct HostPortTests {
    @Test func namesAddressesAndBracketedIPv6() throws {
        #expect(try HostPort(parsing: "127.0.0.1:8080") == HostPort(host: "127.0.0.1", port: 8080))
        #expect(try HostPort(parsing: "pool.example:3333") == HostPort(host: "pool.example", port: 3333))
        #expect(try HostPort(parsing: "[::1]:8080") == HostPort(host: "::1", port: 8080))
        #expect(try HostPort(parsing: "[fe80::1%eth0]:4028") == HostPort(host: "fe80::1%eth0", port: 4028))
        #expect(try HostPort(parsing: "heater.local", defaultPort: 80) == HostPort(host: "heater.local", port: 80))
        #expect(try HostPort(parsing: "[::1]", defaultPort: 80) == HostPort(host: "::1", port: 80))
        #expect(HostPort(host: "::1", port: 8080).description == "[::1]:8080")
        #expect(HostPort(host: "10.0.0.2", port: 3333).description == "10.0.0.2:3333")
    }

    @Test func saysWhatIsWrong() {
        #expect(throws: HostPort.Problem.noPort) { try HostPort(parsing: "heater.local") }
        #expect(throws: HostPort.Problem.noHost) { try HostPort(parsing: ":8080") }
        #expect(throws: HostPort.Problem.noHost) { try HostPort(parsing: "a/b:8080") }
        #expect(throws: HostPort.Problem.badPort("99999")) { try HostPort(parsing: "heater:99999") }
        #expect(throws: HostPort.Problem.badPort("http")) { try HostPort(parsing: "heater:http") }
        #expect(throws: HostPort.Problem.badPort("8080")) { try HostPort(parsing: "[::1]8080") }
    }

    @Test func knowsAMulticastDNSName() {
        #expect(HostPort(host: "umbrel.local", port: 2018).isMulticastDNSName)
        #expect(HostPort(host: "Start9.LOCAL.", port: 3333).isMulticastDNSName)
        #expect(!HostPort(host: "pool.localdomain", port: 3333).isMulticastDNSName)
        #expect(!HostPort(host: "192.168.1.20", port: 3333).isMulticastDNSName)
        #expect(HostPort(host: "umbrel.local", port: 2018).multicastDNSRefusal.contains("give the host's IP address"))
    }
}
