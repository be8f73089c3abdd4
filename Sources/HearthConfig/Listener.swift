import HearthNet

/// Where one of the heater's servers listens, and the token its writes need.
public struct APIOptions: Hashable, Sendable {
    /// The address to listen on: an IPv4 or IPv6 address, or a host name.
    public var host: String
    /// The TCP port; 0 asks the system for a free one.
    public var port: Int
    /// The bearer token writes need; `nil`: the server takes no writes.
    public var token: String?

    /// Where to listen (127.0.0.1:8080 by default) and the token, if any.
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
    /// The server does not run.
    case off
    /// The server listens there.
    case on(APIOptions)

    /// `off`, `HOST:PORT` or `[IPV6]:PORT`; anything else is a `ConfigError` naming `source` and `key`.
    public init(parsing text: String, source: String, key: String = "") throws(ConfigError) {
        if text == "off" {
            self = .off
        } else {
            self = .on(try APIOptions(address: text, source: source, key: key))
        }
    }

    /// Where it listens; `nil` when off.
    public var options: APIOptions? {
        if case .on(let options) = self { return options }
        return nil
    }
}

/// The kernel watchdog the daemon feeds every tick: a device, or none. Where neither the command
/// line nor the configuration file says, the board file's (`[board] watchdog`) is fed.
public enum WatchdogChoice: Hashable, Sendable {
    /// No watchdog, whatever the board file says.
    case off
    /// This device, e.g. `/dev/watchdog`.
    case device(String)

    /// `off`, or a device's path.
    public init(parsing text: String) {
        self = text == "off" ? .off : .device(text)
    }
}
