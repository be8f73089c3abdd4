import HearthMining
import HearthNet
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pool to mine on.
public struct Pool: Hashable, Sendable {
    public var name: String
    public var address: PoolAddress
    public var user: String
    public var password: String

    public init(name: String, address: PoolAddress, user: String, password: String = "x") {
        self.name = name
        self.address = address
        self.user = user
        self.password = password
    }
}

/// What the heater hashes while no pool is reachable.
public enum OfflinePolicy: String, Hashable, Sendable, CaseIterable {
    /// Keep hashing the last work, so the room stays warm; its shares are discarded.
    case heat
    /// Stop hashing until a pool answers.
    case idle
}

public struct StratumConfiguration: Sendable {
    /// Primary first, then the fallbacks in order.
    public var pools: [Pool]
    public var userAgent: String
    public var suggestedDifficulty: Double?
    public var versionRolling = true
    public var offline = OfflinePolicy.heat
    /// A connected pool that sends nothing (no job, no answer, no ping) for this long is dead.
    public var silenceDeadline = Duration.seconds(150)
    public var responseTimeout = Duration.seconds(30)
    public var connectTimeout = Duration.seconds(10)
    /// Failed attempts on one pool before moving to the next.
    public var attemptsBeforeFailover = 3
    /// While on a fallback, how often the primary is tried.
    public var primaryProbeInterval = Duration.seconds(60)
    /// Reconnection delays: doubling from the first to the cap, each cut by a random jitter of up to half.
    public var firstBackoff = Duration.seconds(1)
    public var maxBackoff = Duration.seconds(60)
    public var maxLineLength = 64 * 1024
    /// Satoshis of fees added to a block's subsidy where a job's coinbase does not show its
    /// outputs (what a share is worth, `StratumStatus.expectedSats`).
    public var feeAllowance: UInt64 = 0

    public init(pools: [Pool], userAgent: String, suggestedDifficulty: Double? = nil) {
        precondition(!pools.isEmpty, "at least one pool")
        self.pools = pools
        self.userAgent = userAgent
        self.suggestedDifficulty = suggestedDifficulty
    }

    func options(for pool: Pool) -> StratumSession.Options {
        StratumSession.Options(
            user: pool.user, password: pool.password, userAgent: userAgent, suggestedDifficulty: suggestedDifficulty,
            versionRolling: versionRolling, responseTimeout: responseTimeout, feeAllowance: feeAllowance)
    }

    /// The delay before reconnection attempt `attempt` (1, 2, ...), with `jitter` in 0...1.
    func backoff(attempt: Int, jitter: Double) -> Duration {
        let doubled = firstBackoff * (1 << min(max(attempt - 1, 0), 20))
        return min(doubled, maxBackoff) * (1 - 0.5 * min(max(jitter, 0), 1))
    }
}

/// What the heater's owner and the API see of the pool side.
public struct StratumStatus: Hashable, Sendable {
    /// The pool connected to, if any.
    public var pool: String?
    /// The address of the pool connected to or, during an outage, of the one being tried.
    public var url: String?
    public var authorized = false
    public var difficulty = 0.0
    public var accepted = 0
    public var rejected = 0
    /// Shares not sent because their job was gone (the pool had cleaned its jobs).
    public var stale = 0
    /// Shares found while no pool was ready: the heat was made, the share went nowhere.
    public var discarded = 0
    public var lastRejection: String?
    public var bestDifficulty = 0.0
    /// Moves from one pool to another.
    public var failovers = 0
    /// Why the last connection failed or ended; cleared once a pool authorizes the worker again.
    public var lastError: String?
    /// What the accepted shares are worth on average, satoshis, before the pool's fee: each its
    /// job's chance of being a block (the pool's share difficulty over the network's) times the
    /// block's reward, as a pool that pays per share pays them.
    public var expectedSats = 0.0
}

/// The Stratum V1 client: keeps the heater on a pool through refused connections, silent pools
/// and pool restarts, hands each job to `onWork`, and sends the engine's shares.
///
/// Pools are tried in order: after `attemptsBeforeFailover` failed attempts, or at once when a
/// connected pool falls silent, the next one is used; while on a fallback the primary is probed
/// every `primaryProbeInterval` and returned to when it answers.
public final class StratumClient: Sendable {
    public let configuration: StratumConfiguration
    private let logger: Logger
    private let onWork: @Sendable (WorkTemplate?) -> Void
    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    private struct State {
        var status = StratumStatus()
        var live: Live?
    }

    private struct Live {
        var pool: Pool
        var session: StratumSession
        var outbox: AsyncStream<String>.Continuation
    }

    /// How one connection ended.
    enum Outcome: Equatable {
        /// It never became a working session (no connection, refused, closed during the opening).
        case failed(String)
        /// A working session was lost.
        case lost(String)
        /// The pool went silent.
        case silent(String)
        case reconnect(Duration)
        case returnToPrimary
    }

    public init(
        configuration: StratumConfiguration, logger: Logger, onWork: @escaping @Sendable (WorkTemplate?) -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onWork = onWork
    }

    public var status: StratumStatus { state.withLock { $0.status } }

    private var now: Duration { origin.duration(to: .now) }

    /// Sends a share the engine found, if its job is still the pool's and it meets the pool's
    /// target; otherwise counts why not. Never blocks: the line is queued for the connection.
    public func submit(_ share: Share) {
        let now = now
        state.withLock { state in
            guard let outcome = state.live?.session.submit(share, now: now) else {
                state.status.discarded += 1
                return
            }
            switch outcome {
            case .success(let line):
                state.live?.outbox.yield(line)
                state.status.bestDifficulty = max(state.status.bestDifficulty, share.difficulty)
            case .failure(.stale), .failure(.belowTarget): state.status.stale += 1
            case .failure(.notReady): state.status.discarded += 1
            }
        }
    }

    /// Mines until the task is cancelled.
    public func run() async {
        var index = 0
        var failures = 0
        var attempt = 0
        while !Task.isCancelled {
            let pool = configuration.pools[index]
            let outcome = await mine(on: pool, isPrimary: index == 0)
            if configuration.offline == .idle { onWork(nil) }
            if Task.isCancelled { return }
            var failOver = false
            switch outcome {
            case .returnToPrimary:
                logger.notice("the primary pool answers again: returning to it", metadata: ["pool": "\(pool.name)"])
                index = 0
                failures = 0
                attempt = 0
                count(failover: "returned to the primary pool")
                continue
            case .reconnect(let wait):
                logger.notice("the pool asked to be reconnected to in \(wait)", metadata: ["pool": "\(pool.name)"])
                failures = 0
                attempt = 0
                try? await Task.sleep(for: wait)
                continue
            case .silent(let reason):
                logger.warning("\(reason): moving on", metadata: ["pool": "\(pool.name)"])
                failOver = true
            case .lost(let reason):
                logger.warning("connection lost: \(reason)", metadata: ["pool": "\(pool.name)"])
                failures = 1
                attempt = 0
            case .failed(let reason):
                logger.warning("attempt failed: \(reason)", metadata: ["pool": "\(pool.name)"])
                failures += 1
                failOver = failures >= configuration.attemptsBeforeFailover
            }
            record(error: outcome)
            if failOver, configuration.pools.count > 1 {
                index = (index + 1) % configuration.pools.count
                failures = 0
                count(failover: "now on \(configuration.pools[index].name)")
            } else if failOver {
                failures = 0
            }
            attempt += 1
            try? await Task.sleep(for: configuration.backoff(attempt: attempt, jitter: Double.random(in: 0...1)))
        }
    }

    private func count(failover: String) {
        state.withLock { $0.status.failovers += 1 }
        logger.notice("pool failover: \(failover)")
    }

    private func record(error outcome: Outcome) {
        let reason: String? = switch outcome {
        case .failed(let reason), .lost(let reason), .silent(let reason): reason
        default: nil
        }
        state.withLock { $0.status.lastError = reason }
    }

    /// One connection to one pool, from connect to its end.
    func mine(on pool: Pool, isPrimary: Bool) async -> Outcome {
        state.withLock { $0.status.url = pool.address.description }
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await Self.connect(pool.address, configuration: configuration)
        } catch {
            return .failed(Self.describe(error, pool: pool))
        }
        let (outbox, continuation) = AsyncStream<String>.makeStream()
        var session = StratumSession(options: configuration.options(for: pool), now: now)
        for line in session.start(now: now) { continuation.yield(line) }
        state.withLock { state in
            state.live = Live(pool: pool, session: session, outbox: continuation)
            state.status.pool = pool.name
            state.status.url = pool.address.description
            state.status.authorized = false
        }
        logger.info("connected", metadata: ["pool": "\(pool.name)", "url": "\(pool.address)"])
        defer {
            continuation.finish()
            state.withLock { state in
                state.live = nil
                state.status.pool = nil
                state.status.authorized = false
            }
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Outcome?.self) { group in
                    group.addTask {
                        for await line in outbox { try await outbound.write(ByteBuffer(string: line + "\n")) }
                        return nil
                    }
                    group.addTask {
                        for try await line in inbound {
                            if let end = self.handle(line, from: pool) { return end }
                        }
                        return self.ended("the pool closed the connection")
                    }
                    group.addTask { try await self.watch(pool) }
                    if !isPrimary {
                        group.addTask { try await self.probePrimary() }
                    }
                    var outcome: Outcome?
                    while outcome == nil, let next = try await group.next() { outcome = next }
                    group.cancelAll()
                    return outcome ?? ended("the connection ended")
                }
            }
        } catch {
            return ended(Self.describe(error, pool: pool))
        }
    }

    /// The end of a connection, as a failure if it never got to work.
    private func ended(_ reason: String) -> Outcome {
        state.withLock { $0.status.authorized } ? .lost(reason) : .failed(reason)
    }

    /// One line from the pool: into the session, and its events acted on outside the lock (the
    /// engine's lock is taken by `onWork`, and the engine calls `submit` holding it).
    private func handle(_ line: String, from pool: Pool) -> Outcome? {
        let now = now
        let events = state.withLock { state in state.live?.session.receive(line, now: now) ?? [] }
        return act(on: events, from: pool)
    }

    private func act(on events: [StratumSession.Event], from pool: Pool) -> Outcome? {
        let metadata: Logger.Metadata = ["pool": "\(pool.name)"]
        for event in events {
            switch event {
            case .send(let line):
                state.withLock { _ = $0.live?.outbox.yield(line) }
            case .subscribed(let extranonce1, let size):
                logger.debug("subscribed: extranonce1 \(extranonce1.hex), extranonce2 \(size) bytes", metadata: metadata)
            case .authorized:
                state.withLock { state in
                    state.status.authorized = true
                    state.status.lastError = nil
                }
                logger.info("worker \(pool.user) authorized", metadata: metadata)
            case .refused(let reason):
                return .failed(reason)
            case .work(let template, let clean):
                state.withLock { $0.status.difficulty = template.shareTarget.difficulty }
                logger.debug("job \(template.jobID)\(clean ? " (clean)" : "")", metadata: metadata)
                onWork(template)
            case .difficulty(let difficulty):
                logger.debug("difficulty \(difficulty)", metadata: metadata)
            case .versionMask(let mask):
                logger.debug("version rolling mask \(String(mask, radix: 16))", metadata: metadata)
            case .accepted(let share):
                state.withLock { state in
                    state.status.accepted += 1
                    state.status.expectedSats += share.credit
                }
                logger.debug("share accepted: job \(share.jobID), difficulty \(share.difficulty)", metadata: metadata)
            case .rejected(let share, let reason):
                state.withLock {
                    $0.status.rejected += 1
                    $0.status.lastRejection = reason
                }
                logger.notice("share rejected: job \(share.jobID): \(reason)", metadata: metadata)
            case .reconnect(let wait):
                return .reconnect(wait)
            case .message(let message):
                logger.notice("message from the pool: \(message)", metadata: metadata)
            case .ignored(let reason):
                logger.warning("ignored: \(reason)", metadata: metadata)
            }
        }
        return nil
    }

    /// Expires overdue requests and ends the connection when the pool has been silent too long.
    private func watch(_ pool: Pool) async throws -> Outcome? {
        let interval = min(max(min(configuration.silenceDeadline, configuration.responseTimeout) / 4, .milliseconds(10)), .seconds(1))
        while true {
            try await Task.sleep(for: interval)
            let now = now
            let (events, silence) = state.withLock { state -> ([StratumSession.Event], Duration) in
                guard let events = state.live?.session.expire(now: now), let heard = state.live?.session.lastHeard else {
                    return ([], .zero)
                }
                return (events, now - heard)
            }
            if let end = act(on: events, from: pool) { return end }
            if silence > configuration.silenceDeadline {
                return .silent("nothing from the pool for \(silence.secondsText)")
            }
        }
    }

    /// While on a fallback: tries the primary every interval; returns once it answers.
    private func probePrimary() async throws -> Outcome? {
        let primary = configuration.pools[0]
        while true {
            try await Task.sleep(for: configuration.primaryProbeInterval)
            if await answers(primary) { return .returnToPrimary }
        }
    }

    /// Whether a pool accepts a connection and answers a subscription.
    func answers(_ pool: Pool) async -> Bool {
        do {
            _ = try await Self.firstWork(from: pool, configuration: configuration, needsWork: false)
            return true
        } catch {
            return false
        }
    }

    /// A connection to the pool: TCP, and for a TLS pool the finished handshake, so that a
    /// certificate refused is reported as such and not as a connection closed under a write.
    static func connect(_ address: PoolAddress, configuration: StratumConfiguration) async throws -> NIOAsyncChannel<String, ByteBuffer> {
        try await TCPClient.connect(host: address.host, port: address.port, timeout: configuration.connectTimeout) { channel in
            let handshake = try address.tls.map { trust in try addTLS(trust, host: address.host, to: channel) }
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(BoundedLineDecoder(maxLength: configuration.maxLineLength)))
            return handshake
        }
    }

    /// The TLS client for a pool at `host`, on `channel`; what completes with its handshake.
    static func addTLS(_ trust: PoolTrust, host: String, to channel: any Channel) throws -> EventLoopFuture<Void> {
        switch trust {
        case .systemRoots:
            return try TLSClient.add(to: channel, host: host, configuration: TLSClient.configuration(trustRootsFile: nil))
        case .rootsFile(let path):
            return try TLSClient.add(to: channel, host: host, configuration: TLSClient.configuration(trustRootsFile: path))
        case .pinned(let fingerprint):
            // The pin replaces every other check: the certificate is the pool's because its
            // digest is the one its operator gave.
            var configuration = TLSClient.configuration(trustRootsFile: nil)
            configuration.certificateVerification = .noHostnameVerification
            return try TLSClient.add(to: channel, host: host, configuration: configuration) { certificates, promise in
                let leaf = certificates.first.flatMap { try? $0.toDERBytes() }
                promise.succeed(leaf.map(SHA256.hash) == fingerprint ? .certificateVerified : .failed)
            }
        }
    }

    /// Why a TLS handshake failed, with what to do where the certificate was refused.
    static func describe(tls error: NIOSSLError, trust: PoolTrust?) -> String {
        guard case .handshakeFailed(let reason) = error else { return "\(error)" }
        let text = "\(reason)"
        guard text.contains("CERTIFICATE_VERIFY_FAILED") else { return "the handshake failed (\(text))" }
        switch trust {
        case .pinned: return "the pool's certificate is not the one whose fingerprint is configured"
        case .rootsFile(let path): return "the pool's certificate is not signed by one in \(path), or not for this host"
        default:
            return "the pool's certificate is not signed by an authority this system trusts, or not for this host "
                + "(a self-signed pool: give its fingerprint or its certificate in the pool's configuration)"
        }
    }

    /// What a person needs to hear about a connection error.
    static func describe(_ error: any Error, pool: Pool) -> String {
        let address = "\(pool.address.host):\(pool.address.port)"
        switch error {
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(pool.address.host): \(dns)"
            }
            if let first = error.connectionErrors.first { return describe(first.error, pool: pool) }
            return "cannot connect to \(address)"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "\(address) refused the connection (nothing listens on that port)"
        case let error as IOError where error.errnoCode == ECONNRESET:
            return "\(address) reset the connection"
        case let error as IOError where error.errnoCode == EPIPE:
            return "\(address) closed the connection while we were writing"
        case ChannelError.ioOnClosedChannel, ChannelError.outputClosed, ChannelError.alreadyClosed:
            return "\(address) closed the connection"
        case ChannelError.connectTimeout:
            return "\(address) did not accept the connection in time"
        case let error as NIOSSLError:
            return "TLS with \(address) failed: \(Self.describe(tls: error, trust: pool.address.tls))"
        case let error as BoundedLineDecoder.LineTooLong:
            return "the pool sent \(error.description): disconnected"
        case let error as StratumError:
            return error.description
        default:
            return "\(error)"
        }
    }

    /// Connects, subscribes and authorizes, and returns the first work (with `needsWork`) or as
    /// soon as the pool answers the subscription; throws with the reason otherwise. What
    /// `hearth stratum check` and the primary probe use.
    public static func firstWork(
        from pool: Pool, configuration: StratumConfiguration, needsWork: Bool = true
    ) async throws(StratumError) -> WorkTemplate? {
        let clock = ContinuousClock()
        let origin = clock.now
        let channel: NIOAsyncChannel<String, ByteBuffer>
        do {
            channel = try await connect(pool.address, configuration: configuration)
        } catch {
            throw StratumError(describe(error, pool: pool))
        }
        let deadline = configuration.responseTimeout
        let result: Result<WorkTemplate?, StratumError>
        do {
            result = try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Result<WorkTemplate?, StratumError>.self) { group in
                    group.addTask {
                        var session = StratumSession(options: configuration.options(for: pool), now: origin.duration(to: clock.now))
                        for line in session.start(now: origin.duration(to: clock.now)) {
                            try await outbound.write(ByteBuffer(string: line + "\n"))
                        }
                        for try await line in inbound {
                            for event in session.receive(line, now: origin.duration(to: clock.now)) {
                                switch event {
                                case .refused(let reason): return .failure(StratumError(reason))
                                case .subscribed where !needsWork: return .success(nil)
                                case .work(let template, _): return .success(template)
                                case .send(let reply): try await outbound.write(ByteBuffer(string: reply + "\n"))
                                default: break
                                }
                            }
                        }
                        return .failure(StratumError("the pool closed the connection before sending work"))
                    }
                    group.addTask {
                        try await Task.sleep(for: deadline)
                        return .failure(StratumError("no work from the pool within \(deadline)"))
                    }
                    let first = try await group.next()!
                    group.cancelAll()
                    return first
                }
            }
        } catch {
            throw StratumError(describe(error, pool: pool))
        }
        return try result.get()
    }
}

extension Duration {
    /// Seconds to a tenth, for messages: "2.5 s".
    var secondsText: String {
        let tenths = (components.seconds * 10 + components.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
