import HearthMining

/// The Stratum V1 conversation with one pool, as pure state: lines in, lines and events out,
/// time passed in (a monotonic reading, as a Duration from any fixed origin). The transport
/// (`StratumClient`) owns the socket; this owns the protocol, so every rule of it is tested
/// without one.
public struct StratumSession: Sendable {
    public struct Options: Hashable, Sendable {
        public var user: String
        public var password: String
        public var userAgent: String
        /// Asked of the pool with `mining.suggest_difficulty`; `nil`: not asked.
        public var suggestedDifficulty: Double?
        /// Asks for BIP 310 version rolling (mask 1fffe000, at least 2 bits).
        public var versionRolling: Bool
        /// How long a request may wait for its response.
        public var responseTimeout: Duration
        /// Satoshis of fees added to the subsidy where a job's coinbase does not show its outputs.
        public var feeAllowance: UInt64

        public init(
            user: String, password: String = "x", userAgent: String = "hearth", suggestedDifficulty: Double? = nil,
            versionRolling: Bool = true, responseTimeout: Duration = .seconds(30), feeAllowance: UInt64 = 0
        ) {
            self.feeAllowance = feeAllowance
            self.user = user
            self.password = password
            self.userAgent = userAgent
            self.suggestedDifficulty = suggestedDifficulty
            self.versionRolling = versionRolling
            self.responseTimeout = responseTimeout
        }
    }

    /// What a line or the passing of time means for the miner.
    public enum Event: Hashable, Sendable {
        /// A line to send to the pool (answers to its requests).
        case send(String)
        case subscribed(extranonce1: [UInt8], extranonce2Size: Int)
        case authorized
        /// The pool refused the subscription or the worker: this pool cannot be mined on.
        case refused(String)
        /// New work; `clean`: the previous work is void.
        case work(WorkTemplate, clean: Bool)
        case difficulty(Double)
        case versionMask(UInt32)
        case accepted(SubmittedShare)
        case rejected(SubmittedShare, reason: String)
        /// The pool asks to be reconnected to after `wait`.
        case reconnect(wait: Duration)
        /// A message for the person running the heater (`client.show_message`).
        case message(String)
        /// A line that could not be used, and why; the session goes on.
        case ignored(String)
    }

    /// A share sent, as remembered until the pool answers.
    public struct SubmittedShare: Hashable, Sendable {
        public var jobID: String
        public var nonce: UInt32
        public var difficulty: Double
        /// What the share is worth on average, satoshis, before the pool's fee: the pool's share
        /// difficulty for its job over the network's, times the block's reward; 0 when the job's
        /// reward cannot be read.
        public var credit = 0.0
    }

    /// Why a share was not sent.
    public enum Refusal: Error, Hashable, Sendable {
        /// Its job is gone (the pool cleaned its jobs, or it is not this pool's).
        case stale
        /// It does not meet the pool's current target for its job.
        case belowTarget(Double)
        /// The session is not subscribed and authorized yet.
        case notReady
    }

    private enum Pending: Hashable, Sendable {
        case configure, subscribe, authorize, suggestDifficulty, extranonceSubscribe
        case submit(SubmittedShare)

        var method: String {
            switch self {
            case .configure: "mining.configure"
            case .subscribe: "mining.subscribe"
            case .authorize: "mining.authorize"
            case .suggestDifficulty: "mining.suggest_difficulty"
            case .extranonceSubscribe: "mining.extranonce.subscribe"
            case .submit: "mining.submit"
            }
        }
    }

    /// BIP 310: the bits of the version a miner may roll.
    public static let versionRollingMask: UInt32 = 0x1FFF_E000
    /// The most jobs kept for late shares when the pool does not clean them.
    static let jobsKept = 16

    public let options: Options
    public private(set) var extranonce1: [UInt8]?
    public private(set) var extranonce2Size = 0
    public private(set) var isAuthorized = false
    /// The pool's difficulty for the next job; 1 until it says otherwise.
    public private(set) var difficulty = 1.0
    /// The version bits the pool lets us roll; 0: none.
    public private(set) var versionMask: UInt32 = 0
    /// When the pool was last heard from.
    public private(set) var lastHeard: Duration
    /// The newest job, before or after subscription.
    public private(set) var latestJob: StratumJob?
    /// Jobs a share may still be sent for, with the template each was handed out as.
    private var jobs: [(job: StratumJob, template: WorkTemplate)] = []
    private var pending: [Int64: (request: Pending, sent: Duration)] = [:]
    private var nextID: Int64 = 1

    public init(options: Options, now: Duration) {
        self.options = options
        lastHeard = now
    }

    public var isReady: Bool { isAuthorized && extranonce1 != nil }

    /// The opening lines: configure (with version rolling), subscribe, authorize, and the
    /// difficulty suggestion.
    public mutating func start(now: Duration) -> [String] {
        var lines: [String] = []
        if options.versionRolling {
            lines.append(request(.configure, [
                .array([.string("version-rolling")]),
                .object([
                    "version-rolling.mask": .string(Self.versionRollingMask.stratumHex),
                    "version-rolling.min-bit-count": .integer(2),
                ]),
            ], now: now))
        }
        lines.append(request(.subscribe, [.string(options.userAgent)], now: now))
        lines.append(request(.authorize, [.string(options.user), .string(options.password)], now: now))
        if let suggested = options.suggestedDifficulty {
            lines.append(request(.suggestDifficulty, [.number(suggested)], now: now))
        }
        return lines
    }

    private mutating func request(_ request: Pending, _ params: [JSON], now: Duration) -> String {
        let id = nextID
        nextID += 1
        pending[id] = (request, now)
        return StratumMessage.request(id: id, method: request.method, params: params)
    }

    /// One line from the pool.
    public mutating func receive(_ line: String, now: Duration) -> [Event] {
        lastHeard = now
        let trimmed = line.trimmingWhitespace
        guard !trimmed.isEmpty else { return [] }
        do {
            switch try StratumMessage(line: String(trimmed)) {
            case .response(let id, let result, let error): return try response(id: id, result: result, error: error, now: now)
            case .request(let id, let method, let params): return try poolRequest(id: id, method: method, params: params)
            }
        } catch {
            return [.ignored("\(error.description): \(trimmed.prefix(120))")]
        }
    }

    private mutating func response(id: JSON, result: JSON, error: JSON, now: Duration) throws(StratumError) -> [Event] {
        guard let number = id.integer, let (request, _) = pending.removeValue(forKey: number) else {
            throw StratumError("a response to id \(id.brief), which is not a request of ours awaiting one")
        }
        let failed = !error.isNull || result == .bool(false)
        switch request {
        case .configure:
            // A pool that does not know mining.configure answers with an error: no rolling, go on.
            guard !failed, let answer = result.object, answer["version-rolling"]?.bool == true else { return [] }
            guard let maskHex = answer["version-rolling.mask"]?.string,
                let mask = try? StratumJob.bytes(maskHex, "version-rolling.mask", count: 4)
            else {
                throw StratumError("mining.configure granted version rolling without a 4-byte hex mask")
            }
            versionMask = mask.reduce(0) { $0 << 8 | UInt32($1) } & Self.versionRollingMask
            return [.versionMask(versionMask)]
        case .subscribe:
            if failed { return [.refused("mining.subscribe refused: \(StratumMessage.reason(error))")] }
            guard let parts = result.array, parts.count >= 3 else {
                return [.refused("mining.subscribe answered \(result.brief), not [subscriptions, extranonce1, extranonce2_size]")]
            }
            guard let hex = parts[1].string, let extranonce1 = [UInt8](hex: hex) else {
                return [.refused("mining.subscribe extranonce1 \(parts[1].brief) is not hexadecimal")]
            }
            guard let size = parts[2].integer, (1...16).contains(size) else {
                return [.refused("mining.subscribe extranonce2_size \(parts[2].brief) is not a whole number from 1 to 16")]
            }
            return subscribed(extranonce1: extranonce1, extranonce2Size: Int(size), now: now)
        case .authorize:
            if failed { return [.refused("worker \"\(options.user)\" not authorized: \(failed && error.isNull ? "the pool said false" : StratumMessage.reason(error))")] }
            isAuthorized = true
            var events: [Event] = [.authorized]
            events.append(.send(self.request(.extranonceSubscribe, [], now: now)))
            events += currentWork(clean: true)
            return events
        case .suggestDifficulty, .extranonceSubscribe:
            return []  // Optional extensions: a pool may refuse them.
        case .submit(let share):
            return failed ? [.rejected(share, reason: error.isNull ? "the pool said false" : StratumMessage.reason(error))] : [.accepted(share)]
        }
    }

    private mutating func subscribed(extranonce1: [UInt8], extranonce2Size: Int, now: Duration) -> [Event] {
        self.extranonce1 = extranonce1
        self.extranonce2Size = extranonce2Size
        return [.subscribed(extranonce1: extranonce1, extranonce2Size: extranonce2Size)] + currentWork(clean: true)
    }

    /// The latest job as work, once it can be hashed: after subscription and authorization.
    private mutating func currentWork(clean: Bool) -> [Event] {
        guard isReady, let job = latestJob, let extranonce1 else { return [] }
        var template = job.template(extranonce1: extranonce1, extranonce2Size: extranonce2Size, difficulty: difficulty)
        // Only the mask's bits that are zero in the job's version are rolled: the job's own bits
        // under the mask (BIP 9 signalling) stay set in every header hashed, so a pool that ORs
        // the submitted bits into the job's version and one that replaces the masked bits (BIP
        // 310's formula) rebuild the same header.
        template.versionMask = versionMask & ~job.version
        if clean { jobs.removeAll() }
        jobs.removeAll { $0.job.id == job.id }
        jobs.append((job, template))
        if jobs.count > Self.jobsKept { jobs.removeFirst(jobs.count - Self.jobsKept) }
        return [.work(template, clean: clean)]
    }

    private mutating func poolRequest(id: JSON, method: String, params: [JSON]) throws(StratumError) -> [Event] {
        switch method {
        case "mining.notify":
            let job = try StratumJob(params: params)
            latestJob = job
            return currentWork(clean: job.cleanJobs)
        case "mining.set_difficulty":
            guard let value = params.first?.double, value > 0, value.isFinite else {
                throw StratumError("mining.set_difficulty \(params.first?.brief ?? "without a value") is not a positive number")
            }
            difficulty = value
            return [.difficulty(value)]
        case "mining.set_extranonce":
            guard params.count >= 2, let hex = params[0].string, let extranonce1 = [UInt8](hex: hex),
                let size = params[1].integer, (1...16).contains(size)
            else {
                throw StratumError("mining.set_extranonce params \(JSON.array(params).brief) are not [hex extranonce1, size 1-16]")
            }
            self.extranonce1 = extranonce1
            extranonce2Size = Int(size)
            return currentWork(clean: true)
        case "mining.set_version_mask":
            guard let hex = params.first?.string, let bytes = try? StratumJob.bytes(hex, "mask", count: 4) else {
                throw StratumError("mining.set_version_mask \(params.first?.brief ?? "without a mask") is not 8 hex digits")
            }
            versionMask = bytes.reduce(0) { $0 << 8 | UInt32($1) } & Self.versionRollingMask
            // The work in hand was made with the old mask: it is made again with the new one.
            return [.versionMask(versionMask)] + currentWork(clean: false)
        case "client.reconnect":
            // Only a reconnection to the same pool is honoured: a pool may not send the heater elsewhere.
            let wait = params.count > 2 ? params[2].integer ?? 0 : 0
            return [.reconnect(wait: .seconds(min(max(wait, 0), 3600)))]
        case "client.show_message":
            return [.message(params.first?.string ?? JSON.array(params).brief)]
        case "mining.ping":
            return id.isNull ? [] : [.send(StratumMessage.reply(id: id, result: .string("pong")))]
        case "client.get_version":
            return id.isNull ? [] : [.send(StratumMessage.reply(id: id, result: .string(options.userAgent)))]
        default:
            let reason = "unknown method \(method)"
            guard !id.isNull else { return [.ignored(reason)] }
            return [
                .ignored(reason),
                .send(StratumMessage.reply(id: id, result: .null, error: .array([.integer(20), .string(reason), .null]))),
            ]
        }
    }

    /// The `mining.submit` line for a share, after checking that its job is still current and that
    /// it meets the pool's target for that job.
    public mutating func submit(_ share: Share, now: Duration) -> Result<String, Refusal> {
        guard isReady else { return .failure(.notReady) }
        guard let entry = jobs.last(where: { $0.job.id == share.jobID }),
            entry.template.extranonce2Size == share.extranonce2.count
        else { return .failure(.stale) }
        guard entry.template.shareTarget.isMet(by: share.hash) else { return .failure(.belowTarget(share.difficulty)) }
        var params: [JSON] = [
            .string(options.user), .string(share.jobID), .string(share.extranonce2.hex),
            .string(share.header.time.stratumHex), .string(share.nonce.stratumHex),
        ]
        // Once version rolling is agreed, every share names its version bits (BIP 310), rolled or
        // not: the header's bits under the mask, the job's own included.
        if versionMask != 0 {
            params.append(.string((share.header.version & versionMask).stratumHex))
        }
        let value = entry.template.value(feeAllowance: options.feeAllowance)
        let credit = value?.sats(forShareOf: entry.template.shareTarget.difficulty) ?? 0
        let record = SubmittedShare(jobID: share.jobID, nonce: share.nonce, difficulty: share.difficulty, credit: credit)
        return .success(request(.submit(record), params, now: now))
    }

    /// Requests whose answer is overdue: each is forgotten, and a share among them counts as
    /// rejected. The opening requests overdue are reported, since the pool is not answering.
    public mutating func expire(now: Duration) -> [Event] {
        let overdue = pending.filter { now - $0.value.sent > options.responseTimeout }
        var events: [Event] = []
        for (id, entry) in overdue.sorted(by: { $0.key < $1.key }) {
            pending[id] = nil
            switch entry.request {
            case .submit(let share): events.append(.rejected(share, reason: "no answer within \(options.responseTimeout)"))
            case .subscribe, .authorize: events.append(.refused("\(entry.request.method) got no answer within \(options.responseTimeout)"))
            default: break
            }
        }
        return events
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let characters = self[...]
        let start = characters.firstIndex { !$0.isWhitespace } ?? characters.endIndex
        let end = characters.lastIndex { !$0.isWhitespace }.map { characters.index(after: $0) } ?? start
        return characters[start..<max(start, end)]
    }
}
