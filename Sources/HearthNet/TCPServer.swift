import NIOCore
import NIOPosix
import Synchronization

/// A TCP server that hands each connection to an async handler and, however it stops, closes
/// every connection it accepted.
///
/// Written around a NIO hazard: the `NIOAsyncChannel` made for an accepted connection traps
/// ("Deinited NIOAsyncWriter without calling finish()") when it is dropped before
/// `executeThenClose` has run, and the server channel drops the connections still on their way
/// to the accept loop when that loop is cancelled or the listening socket closes. So every
/// connection is also held here from the moment it is made until the accept loop hands it to
/// its handler; those never handed out are closed through `executeThenClose` at the end.
/// (Wrapping a connection later instead, in its handler's task, loses what a client sends and
/// its half-close before the wrapping.)
public final class TCPServer<Inbound: Sendable, Outbound: Sendable>: Sendable {
    public typealias Connection = NIOAsyncChannel<Inbound, Outbound>

    /// The port bound (the one the system chose when asked for port 0).
    public let port: Int
    private let server: NIOAsyncChannel<Connection, Never>
    private let unclaimed: Unclaimed<Inbound, Outbound>

    /// Binds `host:port`. `setUp` adds a connection's own handlers (decoders), on its event
    /// loop, before the async channel wraps it.
    public init(
        host: String, port: Int, configuration: Connection.Configuration = .init(),
        childOptions: (ServerBootstrap) -> ServerBootstrap = { $0 },
        setUp: @escaping @Sendable (any Channel) throws -> Void = { _ in }
    ) async throws {
        let unclaimed = Unclaimed<Inbound, Outbound>()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        server = try await childOptions(bootstrap).bind(host: host, port: port) { child in
            child.eventLoop.makeCompletedFuture {
                try setUp(child)
                let connection = try Connection(wrappingChannelSynchronously: child, configuration: configuration)
                unclaimed.add(connection, id: ObjectIdentifier(child))
                return connection
            }
        }
        self.port = server.channel.localAddress?.port ?? port
        self.unclaimed = unclaimed
    }

    /// Serves until the task is cancelled: each connection in a child task, through `handle`,
    /// which must run the connection's `executeThenClose`. On cancellation the listening socket
    /// closes, the handlers are cancelled, and the connections never handed out are closed;
    /// returns when all that is done. Throws only when accepting fails while not cancelled.
    public func run(_ handle: @escaping @Sendable (Connection) async -> Void) async throws {
        let server = server
        let unclaimed = unclaimed
        do {
            try await withTaskCancellationHandler {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            unclaimed.claim(ObjectIdentifier(connection.channel))
                            group.addTask { await handle(connection) }
                        }
                    }
                }
            } onCancel: {
                server.channel.close(promise: nil)
            }
        } catch where Task.isCancelled {
        }
        for connection in unclaimed.closeAll() {
            try? await connection.executeThenClose { _, _ in }
        }
    }
}

/// The connections made and not yet handed to a handler. Once `closeAll` has run, a connection
/// made late (accepted just before the listening socket closed) is closed as it arrives.
private final class Unclaimed<Inbound: Sendable, Outbound: Sendable>: Sendable {
    typealias Connection = NIOAsyncChannel<Inbound, Outbound>

    private struct State {
        var connections: [ObjectIdentifier: Connection] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    func add(_ connection: Connection, id: ObjectIdentifier) {
        let late = state.withLock { state in
            if !state.closed { state.connections[id] = connection }
            return state.closed
        }
        if late { Task { try? await connection.executeThenClose { _, _ in } } }
    }

    func claim(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.connections.removeValue(forKey: id) }
    }

    /// The connections never claimed, for closing; from now on, arrivals are closed at once.
    func closeAll() -> [Connection] {
        state.withLock { state in
            state.closed = true
            defer { state.connections = [:] }
            return Array(state.connections.values)
        }
    }
}
