/// A network address as people write it: `HOST:PORT`, with an IPv6 host in brackets
/// (`[::1]:8080`). One parser for the pool URLs, the API addresses and `hearth`'s requests.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// What is wrong with an address.
    public enum Problem: Error, Hashable, Sendable {
        case noHost
        case noPort
        /// The text after the colon, which is not a port (1…65535).
        case badPort(String)
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`; without a port, `defaultPort` if given. A host
    /// holding `/` or a space is no host.
    public init(parsing text: Substring, defaultPort: Int? = nil) throws(Problem) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badPort(String(after)) }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else { throw .noHost }
        let port: Int
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else { throw .badPort(String(portText)) }
            port = number
        } else {
            guard let defaultPort else { throw .noPort }
            port = defaultPort
        }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension HostPort {
    /// Whether the host is a multicast-DNS name (`NAME.local`), which only an mDNS resolver finds.
    public var isMulticastDNSName: Bool {
        let name = host.lowercased()
        return name.hasSuffix(".local") || name.hasSuffix(".local.")
    }

    /// Why the daemon refuses to connect out to a multicast-DNS name: its arm64 binaries are fully
    /// static, and a static glibc cannot load the system's mDNS module (nss-mdns), so the name
    /// would fail at every connect rather than once, here.
    public var multicastDNSRefusal: String {
        "\(host) is a multicast-DNS (.local) name, which Hearth cannot look up: give the host's IP address instead (and reserve it in the router so it stays the same)"
    }
}
