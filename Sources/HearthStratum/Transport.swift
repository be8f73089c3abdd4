import HearthMining
import HearthNet
import NIOCore

/// Splits a pool's byte stream into lines, refusing any line longer than `maxLength` bytes: a
/// pool that sends an endless line is disconnected before it can exhaust the heater's memory.
/// Written here rather than taken from swift-nio-extras because its line decoder has no bound.
public struct BoundedLineDecoder: ByteToMessageDecoder {
    public typealias InboundOut = String

    public struct LineTooLong: Error, CustomStringConvertible {
        var limit: Int
        public var description: String { "a line longer than \(limit) bytes" }
    }

    let maxLength: Int

    public init(maxLength: Int) {
        self.maxLength = maxLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maxLength { throw LineTooLong(limit: maxLength) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        if length > maxLength { throw LineTooLong(limit: maxLength) }
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData  // A partial last line is dropped: its JSON could not be complete.
    }
}

/// How a TLS pool's certificate is trusted.
public enum PoolTrust: Hashable, Sendable {
    /// Signed by one of the system's certificate authorities, for the pool's host name: what a
    /// public pool's `stratum+ssl://` port needs.
    case systemRoots
    /// Signed by a certificate in this PEM file instead (a private pool's own authority, or its
    /// self-signed certificate), for the pool's host name.
    case rootsFile(String)
    /// Exactly the certificate whose SHA-256 (of its DER bytes) this is, whatever its name and
    /// issuer: a self-signed pool's, its fingerprint taken from the pool's operator.
    case pinned(sha256: [UInt8])

    /// A fingerprint as `openssl x509 -fingerprint -sha256` prints it ("AB:CD:…"), with or
    /// without the colons and an `sha256:` prefix: 32 bytes, or `nil` if it is not one.
    public static func fingerprint(_ text: String) -> [UInt8]? {
        var hex = text.lowercased()
        if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
        hex.removeAll { $0 == ":" }
        guard hex.count == 64, let bytes = [UInt8](hex: hex) else { return nil }
        return bytes
    }
}

/// Where a pool is: `stratum+tcp://host:port`, or `stratum+ssl://host:port` over TLS.
public struct PoolAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// How the pool's certificate is trusted when it speaks TLS; `nil` for plain TCP.
    public var tls: PoolTrust?

    public init(host: String, port: Int, tls: PoolTrust? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Parses `stratum+tcp://host:port` (also `tcp://` and a bare `host:port`), and
    /// `stratum+ssl://host:port` or `stratum+tls://host:port` for TLS, trusting the system's
    /// certificate authorities (`tls` says otherwise).
    public init(url: String) throws(StratumError) {
        var rest = Substring(url)
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "stratum+tcp", "tcp", "stratum": break
            case "stratum+ssl", "stratum+tls", "ssl", "tls": tls = .systemRoots
            default:
                throw StratumError("\(url): unknown scheme \"\(scheme)\"; a pool address is stratum+tcp://HOST:PORT or stratum+ssl://HOST:PORT")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let address: HostPort
        do throws(HostPort.Problem) {
            address = try HostPort(parsing: rest)
        } catch {
            switch error {
            case .noHost: throw StratumError("\(url): no host name; a pool address is stratum+tcp://HOST:PORT")
            case .noPort: throw StratumError("\(url): no port; a pool address is stratum+tcp://HOST:PORT")
            case .badPort(let text): throw StratumError("\(url): port \"\(text)\" is not a number from 1 to 65535")
            }
        }
        guard !address.isMulticastDNSName else { throw StratumError("\(url): \(address.multicastDNSRefusal)") }
        host = address.host
        port = address.port
    }

    public var description: String { "stratum+\(tls == nil ? "tcp" : "ssl")://\(HostPort(host: host, port: port))" }
}
