import HearthNet
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the client reaches its broker and what it says on connecting.
public struct MQTTConfiguration: Sendable {
    /// The broker's host name or address.
    public var host: String
    /// The broker's TCP port (1883 is MQTT's own).
    public var port: Int
    /// Who the client is to the broker; a second client with the same id pushes this one off.
    public var clientID: String
    public var username: String?
    /// Sent only with a username (MQTT 3.1.1 allows no password alone).
    public var password: String?
    /// What the broker publishes for the client when the connection is lost without a
    /// DISCONNECT. A clean stop (`stop()`) publishes it too, before disconnecting, since the
    /// broker then does not.
    public var will: MQTTMessage?
    /// The broker takes the client for dead after one and a half of these without a packet; the
    /// client pings when it has sent nothing for half of it, and takes the broker for dead when
    /// a ping goes unanswered this long.
    public var keepAlive = Duration.seconds(30)
    /// Start every connection without the broker's stored session; the client subscribes again.
    public var cleanSession = true
    /// How long the TCP connection and the broker's CONNACK may each take.
    public var connectTimeout = Duration.seconds(10)
    /// Reconnection delays: doubling from the first to the cap, each cut by a random jitter of up to half.
    public var firstBackoff = Duration.milliseconds(500)
    public var maxBackoff = Duration.seconds(30)
    /// The largest packet taken from the broker, fixed header included; a larger one ends the
    /// connection before its body is buffered.
    public var maxPacketSize = 256 * 1024
    /// Messages kept while the broker is away or slow; past this the oldest QoS 0 message goes
    /// first (else the oldest message), counted in `MQTTStatus.dropped`.
    public var maxQueuedMessages = 512
    /// QoS 1 messages sent and not yet acknowledged; past this the oldest is given up, counted
    /// in `MQTTStatus.dropped`.
    public var maxInFlight = 64
    /// Called first on every new connection's channel, before the MQTT handlers are added: the
    /// place for a TLS handler (`mqtts://`: `TLSClient.add`) or a test's spy. Runs on the channel's
    /// event loop; an error fails that connection attempt.
    /// It returns what must complete before the connection is used (a TLS handshake: so that a
    /// refused certificate is reported as such, not as a connection closed under the first
    /// write), or `nil`.
    public var channelInitializer: (@Sendable (any Channel) throws -> EventLoopFuture<Void>?)?

    /// A client of the broker at `host:port`, as `clientID`.
    public init(host: String, port: Int = 1883, clientID: String, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.username = username
        self.password = password
    }

    /// `host:port`, for messages.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The delay before reconnection attempt `attempt` (1, 2, ...), with `jitter` in 0...1.
    public func backoff(attempt: Int, jitter: Double) -> Duration {
        let doubled = firstBackoff * (1 << min(max(attempt - 1, 0), 20))
        return min(doubled, maxBackoff) * (1 - 0.5 * min(max(jitter, 0), 1))
    }

    var connect: MQTTPacket.Connect {
        let seconds = keepAlive.components.seconds
        return MQTTPacket.Connect(
            clientID: clientID, cleanSession: cleanSession, keepAlive: UInt16(clamping: max(seconds, keepAlive > .zero ? 1 : 0)),
            username: username, password: username == nil ? nil : password.map { Array($0.utf8) }, will: will)
    }
}

/// What the client's owner and its tests see of the connection.
public struct MQTTStatus: Hashable, Sendable {
    /// The broker accepted the connection and it is up now.
    public var connected = false
    /// Connections the broker accepted since start.
    public var connections = 0
    /// Attempts that failed since the last accepted connection.
    public var failedAttempts = 0
    /// Why the last attempt failed or the last connection ended; cleared when the broker accepts one.
    public var lastError: String?
    /// The broker's refusal of the last attempt, when it refused it (a wrong password, ...).
    public var refusal: ConnectReturnCode?
    /// Messages given up since start: the queue was full, or too many were unacknowledged.
    public var dropped = 0
    /// Messages waiting to be sent.
    public var queued = 0
}

/// An MQTT 3.1.1 client on SwiftNIO: keeps one connection to one broker through refusals,
/// restarts and silence, reconnecting with exponential backoff; resubscribes after each
/// reconnect and tells its owner (`onConnect`) so that retained state can be published again.
/// `publish` never blocks and never fails: with the broker away, messages wait in a bounded queue
/// (a retained message replaces the one queued for its topic; when full, the oldest QoS 0 goes
/// first), and QoS 1 messages are sent again until acknowledged.
public final class MQTTClient: Sendable {
    public let configuration: MQTTConfiguration
    private let logger: Logger
    private let onConnect: @Sendable (MQTTClient) -> Void
    private let onMessage: @Sendable (MQTTMessage, MQTTClient) -> Void
    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    private struct Queued {
        var message: MQTTMessage
        var duplicate = false
    }

    private enum Phase { case idle, awaitingConnAck, connected }

    private struct State {
        var status = MQTTStatus()
        var phase = Phase.idle
        var stopping = false
        var subscriptions: [MQTTSubscription] = []
        /// The filters of each SUBSCRIBE not yet answered, by packet identifier.
        var pendingSubscriptions: [UInt16: [String]] = [:]
        /// Control packets of this connection (CONNECT, SUBSCRIBE, PUBACK, PINGREQ), before any message.
        var control: [MQTTPacket] = []
        var queue: [Queued] = []
        var inFlight: [(id: UInt16, message: MQTTMessage)] = []
        var nextID: UInt16 = 1
        var doorbell: AsyncStream<Void>.Continuation?
        var lastWrite = Duration.zero
        var pingSent: Duration?
        var connectStarted = Duration.zero
        /// Messages dropped since the broker was last there, for one line when it is back.
        var droppedInOutage = 0
    }

    /// How one connection ended.
    enum Outcome: Equatable {
        case failed(String)
        case refused(ConnectReturnCode)
        case stopped
    }

    /// A client; nothing happens until `run()`. `onConnect` is called each time the broker
    /// accepts a connection, after the subscriptions are queued and before anything else queued
    /// is sent; `onMessage` with each message from a subscription. Both are called on the
    /// connection's task and must not block.
    public init(
        configuration: MQTTConfiguration, logger: Logger, onConnect: @escaping @Sendable (MQTTClient) -> Void = { _ in },
        onMessage: @escaping @Sendable (MQTTMessage, MQTTClient) -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "broker"] = "\(configuration.address)"
        self.logger = logger
        self.onConnect = onConnect
        self.onMessage = onMessage
    }

    public var status: MQTTStatus {
        state.withLock { state in
            var status = state.status
            status.queued = state.queue.count
            return status
        }
    }

    private var now: Duration { origin.duration(to: .now) }

    // MARK: What the owner asks

    /// Queues a message; never blocks. Sent at once while connected, else when the broker is back.
    /// Throws only for a message MQTT cannot carry (an empty topic, a wildcard in it, a topic
    /// over 65,535 bytes), which is not queued.
    public func publish(_ message: MQTTMessage) throws(MQTTPacketError) {
        try MQTTCodec.checkTopicName(message.topic, packet: "PUBLISH")
        guard message.topic.utf8.count <= 65_535 else {
            throw MQTTPacketError("PUBLISH", "the topic name is \(message.topic.utf8.count) bytes; MQTT's limit is 65,535")
        }
        let firstDrop = state.withLock { state -> Bool in
            if message.retain, let index = state.queue.firstIndex(where: { $0.message.retain && $0.message.topic == message.topic }) {
                state.queue.remove(at: index)
            }
            state.queue.append(Queued(message: message))
            var firstDrop = false
            if state.queue.count > configuration.maxQueuedMessages {
                let index = state.queue.firstIndex { $0.message.qos == .atMostOnce } ?? 0
                state.queue.remove(at: index)
                state.status.dropped += 1
                state.droppedInOutage += 1
                firstDrop = state.droppedInOutage == 1
            }
            if state.phase == .connected { state.doorbell?.yield() }
            return firstDrop
        }
        if firstDrop {
            logger.warning(
                "\(configuration.maxQueuedMessages) messages wait for the broker: dropping the oldest QoS 0 ones (state is sent again on reconnect)")
        }
    }

    /// Subscribes to `filters` now if connected, and again after every reconnect.
    public func subscribe(_ filters: [MQTTSubscription]) {
        state.withLock { state in
            state.subscriptions += filters.filter { filter in !state.subscriptions.contains(filter) }
            if state.phase == .connected, !filters.isEmpty {
                Self.sendSubscribe(filters, &state)
                state.doorbell?.yield()
            }
        }
    }

    /// Ends `run()`: connected, publishes the will (the broker would not after a DISCONNECT),
    /// then DISCONNECT; otherwise at once.
    public func stop() {
        state.withLock { state in
            state.stopping = true
            if state.phase == .connected { farewell(&state) }
            state.doorbell?.yield()
        }
    }

    /// The will, said by the client itself, and DISCONNECT.
    private func farewell(_ state: inout State) {
        if let will = configuration.will {
            state.control.append(.publish(.init(message: MQTTMessage(topic: will.topic, payload: will.payload, retain: will.retain))))
        }
        state.control.append(.disconnect)
    }

    // MARK: The connection

    /// Connects and reconnects until `stop()` or cancellation. Never throws: every failure is
    /// logged, kept in `status`, and followed by a backoff and another attempt.
    public func run() async {
        var attempt = 0
        while !Task.isCancelled, !state.withLock({ $0.stopping }) {
            let outcome = await session()
            let wasConnected = state.withLock { state in
                let connected = state.phase == .connected
                Self.endSession(&state)
                return connected
            }
            let reason: String
            switch outcome {
            case .stopped:
                logger.info("disconnected from the MQTT broker")
                return
            case .refused(let code):
                reason = code.description
                state.withLock { $0.status.refusal = code }
            case .failed(let text):
                reason = text
            }
            if Task.isCancelled || state.withLock({ $0.stopping }) { return }
            attempt = wasConnected ? 1 : attempt + 1
            let delay = configuration.backoff(attempt: attempt, jitter: Double.random(in: 0...1))
            let repeated = state.withLock { state in
                defer {
                    state.status.lastError = reason
                    state.status.failedAttempts += 1
                }
                return state.status.lastError == reason && !wasConnected
            }
            let line: Logger.Message = "\(wasConnected ? "lost the MQTT broker" : "could not connect to the MQTT broker"): \(reason); trying again in \(delay.secondsText) (attempt \(attempt + 1)); the heater is not affected"
            if repeated { logger.debug(line) } else { logger.warning(line) }
            await pause(delay)
        }
    }

    /// Sleeps for `delay`, or less when `stop()` is called or the task is cancelled.
    private func pause(_ delay: Duration) async {
        let end = now + delay
        while now < end, !Task.isCancelled, !state.withLock({ $0.stopping }) {
            try? await Task.sleep(for: min(end - now, .milliseconds(100)))
        }
    }

    /// One connection, from TCP connect to its end.
    func session() async -> Outcome {
        let channel: NIOAsyncChannel<MQTTPacket, MQTTPacket>
        do {
            channel = try await connect()
        } catch {
            return .failed(describe(error))
        }
        let (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let start = now
        state.withLock { state in
            state.phase = .awaitingConnAck
            state.control = [.connect(configuration.connect)]
            state.doorbell = ring
            state.lastWrite = start
            state.connectStarted = start
            state.pingSent = nil
        }
        ring.yield()
        defer { ring.finish() }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Outcome?.self) { group in
                    group.addTask {
                        for await _ in doorbell {
                            while let packet = self.next() {
                                try await outbound.write(packet)
                                if packet == .disconnect { return .stopped }
                            }
                        }
                        return nil
                    }
                    group.addTask {
                        for try await packet in inbound {
                            if let end = self.receive(packet) { return end }
                        }
                        return .failed("the broker closed the connection")
                    }
                    group.addTask { try await self.watch() }
                    var outcome: Outcome?
                    while outcome == nil, let next = try await group.next() { outcome = next }
                    group.cancelAll()
                    return outcome ?? .failed("the connection ended")
                }
            }
        } catch {
            return .failed(describe(error))
        }
    }

    private func connect() async throws -> NIOAsyncChannel<MQTTPacket, MQTTPacket> {
        let configuration = configuration
        return try await TCPClient.connect(host: configuration.host, port: configuration.port, timeout: configuration.connectTimeout) { channel in
            let ready = try configuration.channelInitializer?(channel) ?? nil
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: configuration.maxPacketSize)))
            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MQTTPacketEncoder()))
            return ready
        }
    }

    /// The next packet to write: control packets first; messages only once the broker accepted
    /// the connection (a QoS 1 message takes a packet identifier and waits for its PUBACK).
    private func next() -> MQTTPacket? {
        let now = now
        return state.withLock { state -> MQTTPacket? in
            var packet: MQTTPacket?
            if !state.control.isEmpty {
                packet = state.control.removeFirst()
            } else if state.phase == .connected, !state.stopping, !state.queue.isEmpty {
                let queued = state.queue.removeFirst()
                if queued.message.qos == .atMostOnce {
                    packet = .publish(.init(message: queued.message))
                } else {
                    let id = Self.takeID(&state)
                    state.inFlight.append((id, queued.message))
                    if state.inFlight.count > configuration.maxInFlight {
                        state.inFlight.removeFirst()
                        state.status.dropped += 1
                    }
                    packet = .publish(.init(message: queued.message, packetID: id, duplicate: queued.duplicate))
                }
            }
            if packet != nil { state.lastWrite = now }
            return packet
        }
    }

    /// One packet from the broker; an outcome when it ends the connection.
    private func receive(_ packet: MQTTPacket) -> Outcome? {
        switch packet {
        case .connack(let ack):
            let accepted = state.withLock { state -> Bool? in
                guard state.phase == .awaitingConnAck else { return nil }
                guard ack.returnCode == .accepted else { return false }
                state.phase = .connected
                state.status.connected = true
                state.status.connections += 1
                state.status.failedAttempts = 0
                state.status.lastError = nil
                state.status.refusal = nil
                if !state.subscriptions.isEmpty { Self.sendSubscribe(state.subscriptions, &state) }
                // Unacknowledged QoS 1 messages go first, marked as possible duplicates.
                let resend = state.inFlight.map { Queued(message: $0.message, duplicate: true) }
                state.inFlight = []
                state.queue.insert(contentsOf: resend, at: 0)
                if state.stopping { farewell(&state) }
                return true
            }
            switch accepted {
            case nil: return .failed("the broker sent a second CONNACK")
            case false?: return .refused(ack.returnCode)
            case true?:
                let dropped = state.withLock { state in
                    defer { state.droppedInOutage = 0 }
                    return state.droppedInOutage
                }
                logger.info("connected to the MQTT broker as \(configuration.clientID)\(dropped > 0 ? " (\(dropped) queued messages were dropped while it was away)" : "")")
                onConnect(self)
                state.withLock { _ = $0.doorbell?.yield() }
                return nil
            }
        case .publish(let publish):
            guard state.withLock({ $0.phase == .connected }) else {
                return .failed("the broker sent PUBLISH before CONNACK")
            }
            if let id = publish.packetID {
                state.withLock { state in
                    state.control.append(.puback(packetID: id))
                    state.doorbell?.yield()
                }
            }
            onMessage(publish.message, self)
            return nil
        case .puback(let id):
            state.withLock { state in state.inFlight.removeAll { $0.id == id } }
            return nil
        case .suback(let ack):
            let filters = state.withLock { $0.pendingSubscriptions.removeValue(forKey: ack.packetID) } ?? []
            let refused = ack.granted.enumerated().filter { $0.element == nil }.map { $0.offset < filters.count ? filters[$0.offset] : "filter \($0.offset + 1)" }
            if !refused.isEmpty { logger.error("the MQTT broker refused the subscription to \(refused.joined(separator: ", ")) (its access list?)") }
            return nil
        case .unsuback:
            return nil
        case .pingresp:
            state.withLock { $0.pingSent = nil }
            return nil
        case .connect, .subscribe, .unsubscribe, .pingreq, .disconnect:
            return .failed("the broker sent \(packet.name), which only a client sends")
        }
    }

    /// Ends a connection that gets no CONNACK in time or no answer to a ping; pings when the
    /// client has been quiet for half the keep-alive.
    private func watch() async throws -> Outcome? {
        let keepAlive = configuration.keepAlive
        let interval = max(min(keepAlive / 4, configuration.connectTimeout / 4, .seconds(1)), .milliseconds(10))
        while true {
            try await Task.sleep(for: interval)
            let now = now
            let end = state.withLock { state -> Outcome? in
                if state.stopping, state.phase != .connected { return .stopped }
                switch state.phase {
                case .idle: return nil
                case .awaitingConnAck:
                    if now - state.connectStarted > configuration.connectTimeout {
                        return .failed("no CONNACK within \(configuration.connectTimeout.secondsText)")
                    }
                case .connected:
                    guard keepAlive > .zero else { return nil }
                    if let sent = state.pingSent {
                        if now - sent > keepAlive { return .failed("no PINGRESP within \(keepAlive.secondsText)") }
                    } else if now - state.lastWrite >= keepAlive / 2 {
                        state.pingSent = now
                        state.control.append(.pingreq)
                        state.doorbell?.yield()
                    }
                }
                return nil
            }
            if let end { return end }
        }
    }

    private static func sendSubscribe(_ filters: [MQTTSubscription], _ state: inout State) {
        let id = takeID(&state)
        state.pendingSubscriptions[id] = filters.map(\.filter)
        state.control.append(.subscribe(.init(packetID: id, filters: filters)))
    }

    private static func endSession(_ state: inout State) {
        state.pendingSubscriptions = [:]
        state.phase = .idle
        state.status.connected = false
        state.control = []
        state.doorbell = nil
        state.pingSent = nil
        // Messages sent and not acknowledged go again after the reconnect.
        state.queue.insert(contentsOf: state.inFlight.map { Queued(message: $0.message, duplicate: true) }, at: 0)
        state.inFlight = []
    }

    /// A packet identifier not in flight: 1…65535, then round again.
    private static func takeID(_ state: inout State) -> UInt16 {
        while true {
            let id = state.nextID
            state.nextID = id == .max ? 1 : id + 1
            if !state.inFlight.contains(where: { $0.id == id }) { return id }
        }
    }

    /// What a person needs to hear about a connection error.
    func describe(_ error: any Error) -> String {
        let address = configuration.address
        switch error {
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(configuration.host): \(dns)"
            }
            if let first = error.connectionErrors.first { return describe(first.error) }
            return "cannot connect to \(address)"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "\(address) refused the connection (nothing listens on that port)"
        case let error as IOError where error.errnoCode == ECONNRESET:
            return "\(address) reset the connection"
        case let error as IOError where error.errnoCode == EPIPE:
            return "\(address) closed the connection while we were writing"
        case ChannelError.ioOnClosedChannel, ChannelError.outputClosed, ChannelError.alreadyClosed, ChannelError.eof:
            return "\(address) closed the connection"
        case ChannelError.connectTimeout:
            return "\(address) did not accept the connection within \(configuration.connectTimeout.secondsText)"
        case let error as MQTTPacketError:
            return "the broker sent a \(error.description)"
        default:
            return "\(error)"
        }
    }
}

extension Duration {
    /// Seconds to a tenth, for messages: "2.5 s".
    var secondsText: String {
        let tenths = (components.seconds * 10 + components.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
