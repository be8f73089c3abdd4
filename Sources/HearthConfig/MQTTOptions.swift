import HearthNet

/// Home Assistant over MQTT, as `[mqtt]` in the configuration file says it: the broker, the
/// credentials, where discovery goes and the node id. Without `[mqtt]` the heater speaks no MQTT.
///
/// ```toml
/// [mqtt]
/// broker = "mqtt://homeassistant.local:1883"
/// username = "hearth"
/// password_file = "/etc/hearth/mqtt-password"
/// # broker = "mqtts://homeassistant.local"   # over TLS (8883); ca_file = "/etc/hearth/broker.pem"
/// ```
public struct MQTTOptions: Hashable, Sendable {
    /// The broker's host name or address.
    public var host: String
    /// The broker's port, 1883 unless the URL says otherwise.
    public var port: Int
    public var username: String?
    /// From `password`, or the first line of `password_file`.
    public var password: String?
    /// Where Home Assistant looks for discovery messages.
    public var discoveryPrefix: String
    /// The device's id in every topic; `nil`: made from the host name.
    public var nodeID: String?
    /// Over TLS (`mqtts://`, port 8883 unless the URL says otherwise).
    public var tls = false
    /// With TLS: the certificates to trust instead of the system's authorities (a broker on the
    /// home network with its own or a self-signed certificate), PEM; `nil`: the system's.
    public var caFile: String?

    /// MQTT's own port, and MQTT over TLS's.
    public static let defaultPort = 1883
    public static let defaultTLSPort = 8883
    /// Home Assistant's default discovery prefix.
    public static let defaultDiscoveryPrefix = "homeassistant"

    public init(
        host: String, port: Int = defaultPort, username: String? = nil, password: String? = nil,
        discoveryPrefix: String = defaultDiscoveryPrefix, nodeID: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.discoveryPrefix = discoveryPrefix
        self.nodeID = nodeID
    }

    /// `mqtt://HOST[:PORT]` (also `tcp://`), or `mqtts://HOST[:PORT]` (also `ssl://`, `tls://`)
    /// over TLS; what is wrong, in words, otherwise.
    public static func parseBroker(_ url: String) -> Result<(address: HostPort, tls: Bool), ParseProblem> {
        guard let schemeEnd = url.range(of: "://") else {
            return .failure(ParseProblem("\"\(url)\" has no scheme; a broker is mqtt://HOST:PORT or mqtts://HOST:PORT"))
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let tls: Bool
        switch scheme {
        case "mqtt", "tcp": tls = false
        case "mqtts", "ssl", "tls": tls = true
        default:
            return .failure(ParseProblem("\"\(url)\": unknown scheme \"\(scheme)\"; a broker is mqtt://HOST:PORT or mqtts://HOST:PORT"))
        }
        var rest = url[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        do throws(HostPort.Problem) {
            let address = try HostPort(parsing: rest, defaultPort: tls ? defaultTLSPort : defaultPort)
            guard !address.isMulticastDNSName else { return .failure(ParseProblem("\"\(url)\": \(address.multicastDNSRefusal)")) }
            return .success((address, tls))
        } catch {
            switch error {
            case .noHost, .noPort: return .failure(ParseProblem("\"\(url)\" has no host; a broker is mqtt://HOST:PORT"))
            case .badPort(let text): return .failure(ParseProblem("\"\(url)\": port \"\(text)\" is not a number from 1 to 65535"))
            }
        }
    }

    /// Why a broker URL cannot be used.
    public struct ParseProblem: Error, Hashable, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

extension HearthConfig {
    /// `[mqtt]`: every key checked, errors naming the key.
    static func mqtt(_ table: inout TOMLReader) throws(ConfigError) -> MQTTOptions {
        let url = try table.requiredString("broker")
        let address: HostPort, tls: Bool
        switch MQTTOptions.parseBroker(url) {
        case .success(let parsed): (address, tls) = parsed
        case .failure(let problem): throw table.error("broker", problem.reason)
        }
        var options = MQTTOptions(host: address.host, port: address.port)
        options.tls = tls
        options.caFile = try table.path("ca_file")
        if options.caFile != nil, !tls { throw table.error("ca_file", "only a broker over TLS (mqtts://) has a certificate to check") }
        options.username = try table.string("username")
        if options.username?.isEmpty == true { throw table.error("username", "must not be empty (leave it out for a broker without accounts)") }
        let password = try table.string("password")
        if let file = try table.path("password_file") {
            guard password == nil else { throw table.error("password_file", "give password or password_file, not both") }
            let text: String
            do {
                text = try readText(file)
            } catch {
                throw table.error("password_file", "\(file) \(error.reason)")
            }
            guard let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, !line.isEmpty else {
                throw table.error("password_file", "\(file) is empty (its first line is the password)")
            }
            options.password = String(line.hasSuffix("\r") ? line.dropLast() : line)
        } else {
            options.password = password
        }
        if options.password != nil, options.username == nil {
            throw table.error(password == nil ? "password_file" : "password", "a password needs a username (MQTT 3.1.1 sends no password alone)")
        }
        if let prefix = try table.string("discovery_prefix") {
            guard !prefix.isEmpty, !prefix.hasPrefix("/"), !prefix.hasSuffix("/"), !prefix.contains("+"), !prefix.contains("#"),
                !prefix.contains(" ")
            else {
                throw table.error("discovery_prefix", "\"\(prefix)\" is not a topic prefix (no spaces, no + or #, no / at either end; Home Assistant's default is \"homeassistant\")")
            }
            options.discoveryPrefix = prefix
        }
        if let node = try table.string("node_id") {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
            guard !node.isEmpty, node.allSatisfy(allowed.contains) else {
                throw table.error("node_id", "\"\(node)\" may hold only letters, digits, _ and - (it is part of every topic)")
            }
            options.nodeID = node
        }
        try table.finish()
        return options
    }
}
