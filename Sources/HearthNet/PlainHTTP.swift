import NIOCore
import NIOHTTP1
import NIOPosix

/// One plain HTTP/1.1 request and its answer, the connection closed after: what `hearth` needs to
/// ask its own daemon for something. Written on SwiftNIO's HTTP/1 codec rather than taken from
/// AsyncHTTPClient, which would link BoringSSL into the release binary for TLS it never uses.
public enum PlainHTTP {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends `method` to `url` (`http://HOST[:PORT]/PATH`, HOST may be `[IPv6]`) and returns the
    /// answer, or throws a `Failure` that says what went wrong in a person's words.
    public static func send(
        _ method: HTTPMethod, url: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(10)
    ) async throws -> Response {
        let (host, port, path) = try parse(url)
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await exchange(method, host: host, port: port, path: path, headers: headers, body: body) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else { throw Failure(description: "\(url): no answer within \(timeout)") }
                return first
            }
        } catch let error as Failure {
            throw error
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw Failure(description: "\(url): nothing listens on \(host):\(port) (is hearthd running, with its API on?)")
        } catch let error as NIOConnectionError {
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            throw Failure(description: refused
                ? "\(url): nothing listens on \(host):\(port) (is hearthd running, with its API on?)"
                : "\(url): cannot connect: \(error)")
        } catch {
            throw Failure(description: "\(url): \(error)")
        }
    }

    static func parse(_ url: String) throws(Failure) -> (host: String, port: Int, path: String) {
        guard url.hasPrefix("http://") else { throw Failure(description: "\(url): not an http:// address") }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let address: HostPort
        do {
            address = try HostPort(parsing: authority, defaultPort: 80)
        } catch {
            throw Failure(description: "\(url): \(error == .noHost ? "no host" : "not a port from 1 to 65535")")
        }
        return (address.host, address.port, path.isEmpty ? "/" : String(path))
    }

    private static func exchange(
        _ method: HTTPMethod, host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8]
    ) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var fields = HTTPHeaders(headers)
            fields.replaceOrAdd(name: "Host", value: port == 80 ? host : "\(host):\(port)")
            fields.replaceOrAdd(name: "Content-Length", value: "\(body.count)")
            fields.replaceOrAdd(name: "Connection", value: "close")
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var response = Response(status: 0, body: [])
            for try await part in inbound {
                switch part {
                case .head(let head): response.status = Int(head.status.code)
                case .body(let chunk): response.body += chunk.readableBytesView
                case .end: return response
                }
            }
            throw Failure(description: "the server closed the connection before its answer ended")
        }
    }
}
