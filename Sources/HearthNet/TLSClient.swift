import NIOCore
import NIOSSL
import NIOTLS

/// The client side of TLS for the heater's connections (pools, the MQTT broker): a server's
/// certificate checked against the system's certificate authorities, or against those of a file
/// (a private service's own authority, or its self-signed certificate), for the server's name.
public enum TLSClient {
    /// TLS 1.2 or later, trusting the system's authorities, or the certificates in
    /// `trustRootsFile` (PEM) instead.
    public static func configuration(trustRootsFile: String?) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsFile { configuration.trustRoots = .file(trustRootsFile) }
        return configuration
    }

    /// Adds a TLS client for `host` to `channel`'s pipeline (its first handlers), and returns what
    /// completes when the handshake is done, or fails with the handshake's error (or the
    /// connection's end, if that comes first). A host name is sent as SNI and checked against the
    /// certificate; an address literal is checked against its IP addresses. `verify`, when given,
    /// replaces every check of the certificate. Run on the channel's event loop.
    public static func add(
        to channel: any Channel, host: String, configuration: TLSConfiguration,
        verify: NIOSSLCustomVerificationCallback? = nil
    ) throws -> EventLoopFuture<Void> {
        let name = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        let context = try NIOSSLContext(configuration: configuration)
        let handler = try verify.map { try NIOSSLClientHandler(context: context, serverHostname: name, customVerificationCallback: $0) }
            ?? NIOSSLClientHandler(context: context, serverHostname: name)
        let done = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: done))
        return done.futureResult
    }
}

/// Completes its promise when the TLS handshake before it in the pipeline finishes, or fails it
/// with the handshake's error (or the connection's end, if that comes first).
private final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { done.fail(ChannelError.ioOnClosedChannel) }
}
