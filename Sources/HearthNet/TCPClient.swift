import NIOCore
import NIOPosix

/// The client side of the heater's TCP connections (the pools, the MQTT broker).
public enum TCPClient {
    /// Connects to `host`:`port` (keep-alive on, no Nagle delay, at most `timeout` to connect),
    /// lets `prepare` build the channel's pipeline, and returns the channel once what `prepare`
    /// returned has completed: a TLS handshake (`TLSClient.add`), so that a certificate refused is
    /// reported as such, not as a connection closed under the first write. A failure there closes
    /// the channel and is thrown. `prepare` runs on the channel's event loop.
    public static func connect<Inbound: Sendable, Outbound: Sendable>(
        host: String, port: Int, timeout: Duration,
        prepare: @escaping @Sendable (any Channel) throws -> EventLoopFuture<Void>?
    ) async throws -> NIOAsyncChannel<Inbound, Outbound> {
        let (channel, ready) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ready = try prepare(channel)
                    return (try NIOAsyncChannel<Inbound, Outbound>(wrappingChannelSynchronously: channel), ready)
                }
            }
        do {
            try await ready?.get()
        } catch {
            try? await channel.channel.close()
            throw error
        }
        return channel
    }
}
