import Crypto
import HearthMining
import HearthNet
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

import HearthStratum

/// A Stratum pool on loopback, written for the tests: it subscribes and authorizes miners, sets a
/// difficulty, hands out a real block's job, and checks every share it receives by rebuilding the
/// header from the job's parts with its own code and hashing it with swift-crypto.
public final class TestPool: Sendable {
    /// The BIP 310 version bits it lets miners roll.
    public static let versionMask: UInt32 = 0x1FFF_E000

    /// How a pool rebuilds a share's version from the job's and the bits submitted: pools differ.
    public enum VersionFormula: Sendable, CaseIterable {
        /// BIP 310's: the job's version with its bits under the mask replaced by the submitted ones.
        case replacesMaskedBits
        /// The job's version ORed with the submitted bits (what some ckpool-based pools do).
        case orsSubmittedBits
    }

    public struct Behaviour: Sendable {
        /// Accept connections at all (false: close each at once).
        public var accepting = true
        /// Answer anything (false: a silent pool that holds the connection).
        public var answering = true
        public var authorizes = true
        public var difficulty = 0x1p-16
        public var versionFormula = VersionFormula.replacesMaskedBits
        /// Bits ORed into every job's version (BIP 9 signalling; may lie under the mask).
        public var jobVersionBits: UInt32 = 0

        public init(
            accepting: Bool = true, answering: Bool = true, authorizes: Bool = true, difficulty: Double = 0x1p-16,
            versionFormula: VersionFormula = .replacesMaskedBits, jobVersionBits: UInt32 = 0
        ) {
            self.accepting = accepting
            self.answering = answering
            self.authorizes = authorizes
            self.difficulty = difficulty
            self.versionFormula = versionFormula
            self.jobVersionBits = jobVersionBits
        }
    }

    /// The version of every job this pool hands out.
    public var jobVersion: UInt32 { real.template.version | behaviour.withLock { $0.jobVersionBits } }

    public struct ReceivedShare: Sendable {
        public var jobID: String
        public var valid: Bool
        public var difficulty: Double
    }

    public let name: String
    public let real = RealJob(height: 99960)
    private let behaviour: Mutex<Behaviour>
    private let state = Mutex(State())
    private let server: TCPServer<String, ByteBuffer>
    private let serving = Mutex<Task<Void, Never>?>(nil)

    private struct State {
        var connections = 0
        var authorized = 0
        public var methods: [String] = []
        public var shares: [ReceivedShare] = []
        var live: [any Channel] = []
        /// The jobs handed out, by id, with their ntime.
        var jobs: [String: UInt32] = ["job1": 0]
        /// The connections that agreed on version rolling (`mining.configure`).
        var versionRolling: Set<ObjectIdentifier> = []
    }

    public var port: Int { server.port }
    public var address: PoolAddress { PoolAddress(host: "127.0.0.1", port: port) }
    public var connections: Int { state.withLock { $0.connections } }
    public var authorized: Int { state.withLock { $0.authorized } }
    public var methods: [String] { state.withLock { $0.methods } }
    public var shares: [ReceivedShare] { state.withLock { $0.shares } }

    public func update(_ change: (inout Behaviour) -> Void) {
        var copy = behaviour.withLock { $0 }
        change(&copy)
        behaviour.withLock { [copy] in $0 = copy }
    }

    /// A pool on a free loopback port; with `tls`, a TLS pool with those certificates.
    public init(name: String, behaviour: Behaviour = Behaviour(), tls: TestCertificates? = nil) async throws {
        self.name = name
        self.behaviour = Mutex(behaviour)
        let context = try tls?.serverContext()
        server = try await TCPServer(host: "127.0.0.1", port: 0, setUp: { child in
            if let context { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
            try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(BoundedLineDecoder(maxLength: 1 << 20)))
        })
        let server = server
        let task = Task<Void, Never> { [self] in
            try? await server.run { connection in await self.serve(connection) }
        }
        serving.withLock { $0 = task }
    }

    /// Closes the listening socket and every connection, and returns once all are closed.
    public func stop() async {
        let task = serving.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    /// Sends a line to every connected miner.
    public func broadcast(_ line: String) {
        for channel in state.withLock({ $0.live }) {
            channel.writeAndFlush(ByteBuffer(string: line + "\n"), promise: nil)
        }
    }

    /// Sends a new job (the same block at another ntime) to every miner.
    public func newJob(_ id: String, ntime offset: UInt32, clean: Bool) {
        state.withLock { $0.jobs[id] = offset }
        broadcast(real.notifyLine(id: id, clean: clean, time: real.template.time + offset, version: jobVersion))
    }

    private func serve(_ connection: NIOAsyncChannel<String, ByteBuffer>) async {
        let behaviour = behaviour.withLock { $0 }
        let channel = connection.channel
        guard behaviour.accepting else {
            try? await connection.executeThenClose { _, _ in }
            return
        }
        state.withLock {
            $0.connections += 1
            $0.live.append(channel)
        }
        func send(_ json: JSON) { channel.writeAndFlush(ByteBuffer(string: json.text + "\n"), promise: nil) }
        func reply(_ id: JSON, _ result: JSON, _ error: JSON = .null) { send(.object(["id": id, "result": result, "error": error])) }
        try? await connection.executeThenClose { inbound, _ in
            for try await line in inbound {
                guard let object = try? JSON(parsing: line).object, let method = object["method"]?.string else { continue }
                let id = object["id"] ?? .null
                let params = object["params"]?.array ?? []
                state.withLock { $0.methods.append(method) }
                guard self.behaviour.withLock({ $0.answering }) else { continue }
                switch method {
                case "mining.configure":
                    state.withLock { _ = $0.versionRolling.insert(ObjectIdentifier(channel)) }
                    reply(id, .object(["version-rolling": .bool(true), "version-rolling.mask": .string(String(Self.versionMask, radix: 16))]))
                case "mining.subscribe":
                    reply(id, real.subscribeResult)
                case "mining.authorize":
                    if self.behaviour.withLock({ $0.authorizes }) {
                        reply(id, .bool(true))
                        state.withLock { $0.authorized += 1 }
                        let difficulty = self.behaviour.withLock { $0.difficulty }
                        send(.object(["id": .null, "method": .string("mining.set_difficulty"), "params": .array([.number(difficulty)])]))
                        channel.writeAndFlush(ByteBuffer(string: real.notifyLine(id: "job1", version: jobVersion) + "\n"), promise: nil)
                    } else {
                        reply(id, .null, .array([.integer(24), .string("Unauthorized worker"), .null]))
                    }
                case "mining.submit":
                    let share = check(params, versionRolling: state.withLock { $0.versionRolling.contains(ObjectIdentifier(channel)) })
                    state.withLock { $0.shares.append(share) }
                    if share.valid {
                        reply(id, .bool(true))
                    } else {
                        reply(id, .null, .array([.integer(23), .string("Low difficulty share"), .null]))
                    }
                default:
                    reply(id, .bool(true))
                }
            }
        }
        state.withLock { state in
            state.live.removeAll { $0 === channel }
            state.versionRolling.remove(ObjectIdentifier(channel))
        }
    }

    /// Rebuilds the share's header independently of the miner's code and checks its hash. Once
    /// version rolling is agreed, a share without its version bits is refused (BIP 310: the miner
    /// sends them).
    private func check(_ params: [JSON], versionRolling: Bool) -> ReceivedShare {
        let strings = params.compactMap(\.string)
        guard strings.count >= 5, let offset = state.withLock({ $0.jobs[strings[1]] }),
            let extranonce2 = [UInt8](hex: strings[2]), let ntime = UInt32(strings[3], radix: 16),
            let nonce = UInt32(strings[4], radix: 16), ntime == real.template.time + offset
        else { return ReceivedShare(jobID: strings.count > 1 ? strings[1] : "?", valid: false, difficulty: 0) }
        // BIP 310: rolled version bits come sixth, and must lie within the mask granted.
        let mask = Self.versionMask
        var version = jobVersion
        if versionRolling {
            guard strings.count >= 6, let bits = UInt32(strings[5], radix: 16), bits & ~mask == 0 else {
                return ReceivedShare(jobID: strings[1], valid: false, difficulty: 0)
            }
            switch behaviour.withLock({ $0.versionFormula }) {
            case .replacesMaskedBits: version = version & ~mask | bits
            case .orsSubmittedBits: version |= bits
            }
        }
        func sha256d(_ bytes: [UInt8]) -> [UInt8] { Array(Crypto.SHA256.hash(data: Array(Crypto.SHA256.hash(data: bytes)))) }
        func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let template = real.template
        var root = sha256d(template.coinbase1 + template.extranonce1 + extranonce2 + template.coinbase2)
        for sibling in template.merkleBranch { root = sha256d(root + sibling) }
        let header = le(version) + real.block.header.previousHash + root + le(ntime) + le(template.bits) + le(nonce)
        let hash = sha256d(header)
        let difficulty = behaviour.withLock { $0.difficulty }
        return ReceivedShare(
            jobID: strings[1], valid: HearthMining.Target(difficulty: difficulty).isMet(by: hash),
            difficulty: HearthMining.Target.difficulty(of: hash))
    }
}
