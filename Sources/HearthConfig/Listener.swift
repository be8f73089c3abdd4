import HearthNet

/// Where one of the heater's servers listens, and the token its writes need.
public struct APIOptions: Hashable, Sendable {
    public var host: String
    public var port: Int
    /// The bearer token writes need; `nil`: the server takes no writes.
    public var token: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil) {
        self.host = host
        self.port = port
        self.token = token
    }

    /// `HOST:PORT`, or `[IPV6]:PORT`; anything else is a `ConfigError` naming `source` (the option
    /// or the file) and `key`.
    public init(address: String, token: String? = nil, source: String = "--api", key: String = "") throws(ConfigError) {
        guard let parsed = try? HostPort(parsing: Substring(address)) else {
            throw ConfigError(file: source, key: key, reason: "\"\(address)\" is not HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)")
        }
        self.init(host: parsed.host, port: parsed.port, token: token)
    }
}

/// A server of the heater (the HTTP API, cgminer's API): listening at an address, or off. The
/// command line and the configuration file say it the same way: `HOST:PORT` or `off`.
public enum Listener: Hashable, Sendable {
    case off
    case on(APIOptions)

    /// `off`, `HOST:PORT` or `[IPV6]:PORT`; anything else is a `ConfigError` naming `source` and `key`.
    public init(parsing text: String, token: String? = nil, source: String, key: String = "") throws(ConfigError) {
        if text == "off" {
            self = .off
        } else {
            self = .on(try APIOptions(address: text, token: token, source: source, key: key))
        }
    }

    /// Where it listens; `nil` when off.
    public var options: APIOptions? {
        if case .on(let options) = self { return options }
        return nil
    }
}
