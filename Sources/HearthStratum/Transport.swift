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

/// Where a pool is: `stratum+tcp://host:port`.
public struct PoolAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `stratum+tcp://host:port` (also `tcp://` and a bare `host:port`). TLS pools
    /// (`stratum+ssl://`, `stratum+tls://`) are refused with the reason: this build speaks plain TCP.
    public init(url: String) throws(StratumError) {
        var rest = Substring(url)
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "stratum+tcp", "tcp", "stratum": break
            case "stratum+ssl", "stratum+tls", "ssl", "tls":
                throw StratumError("\(url): TLS pools are not supported by this build; use the pool's stratum+tcp:// port")
            default:
                throw StratumError("\(url): unknown scheme \"\(scheme)\"; a pool address is stratum+tcp://HOST:PORT")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        do throws(HostPort.Problem) {
            let address = try HostPort(parsing: rest)
            host = address.host
            port = address.port
        } catch {
            switch error {
            case .noHost: throw StratumError("\(url): no host name; a pool address is stratum+tcp://HOST:PORT")
            case .noPort: throw StratumError("\(url): no port; a pool address is stratum+tcp://HOST:PORT")
            case .badPort(let text): throw StratumError("\(url): port \"\(text)\" is not a number from 1 to 65535")
            }
        }
    }

    public var description: String { "stratum+tcp://\(HostPort(host: host, port: port))" }
}
