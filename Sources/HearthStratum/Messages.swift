import HearthMining

/// One line from a pool, classified: a response to one of our requests, or a request or
/// notification of the pool's (a notification has no id, or a null one).
public enum StratumMessage: Hashable, Sendable {
    case response(id: JSON, result: JSON, error: JSON)
    case request(id: JSON, method: String, params: [JSON])

    /// Parses one line of JSON-RPC. Anything that is not an object with either a `method` or a
    /// `result`/`error` is refused with the reason.
    public init(line: String) throws(StratumError) {
        guard let object = try JSON(parsing: line).object else { throw StratumError("not a JSON object") }
        let id = object["id"] ?? .null
        if let method = object["method"] {
            guard let name = method.string else { throw StratumError("\"method\" is \(method.brief), not a string") }
            let params: [JSON]
            switch object["params"] ?? .array([]) {
            case .array(let values): params = values
            case .null: params = []
            case let other: throw StratumError("\"params\" of \(name) is \(other.brief), not an array")
            }
            self = .request(id: id, method: name, params: params)
        } else if object.keys.contains("result") || object.keys.contains("error") {
            guard !id.isNull else { throw StratumError("a response without an id") }
            self = .response(id: id, result: object["result"] ?? .null, error: object["error"] ?? .null)
        } else {
            throw StratumError("neither a request (no \"method\") nor a response (no \"result\" or \"error\")")
        }
    }

    /// A request line of ours.
    static func request(id: Int64, method: String, params: [JSON]) -> String {
        JSON.object(["id": .integer(id), "method": .string(method), "params": .array(params)]).text
    }

    /// Our answer to a pool's request.
    static func reply(id: JSON, result: JSON, error: JSON = .null) -> String {
        JSON.object(["id": id, "result": result, "error": error]).text
    }

    /// The pool's reason from a response's `error`: `[code, "message", data]`, an object with a
    /// `message`, or a string.
    static func reason(_ error: JSON) -> String {
        switch error {
        case .array(let parts):
            let message = parts.count > 1 ? parts[1].string : nil
            let code = parts.first?.integer
            return [code.map { "\($0)" }, message].compactMap { $0 }.joined(separator: ": ")
        case .object(let members):
            return members["message"]?.string ?? error.brief
        case .string(let message): return message
        default: return error.brief
        }
    }
}

/// A `mining.notify`: a job as the pool sends it.
public struct StratumJob: Hashable, Sendable {
    public var id: String
    /// The previous block's hash, internal byte order (pools send it with each 4-byte word reversed).
    public var previousHash: [UInt8]
    public var coinbase1: [UInt8]
    public var coinbase2: [UInt8]
    public var merkleBranch: [[UInt8]]
    public var version: UInt32
    public var bits: UInt32
    public var time: UInt32
    /// The pool asks to drop every earlier job.
    public var cleanJobs: Bool

    /// Parses the params array: job id, prevhash, coinb1, coinb2, merkle branch, version, nbits,
    /// ntime, clean_jobs. Every field is checked; the error names the first wrong one.
    public init(params: [JSON]) throws(StratumError) {
        guard params.count >= 9 else { throw StratumError("mining.notify has \(params.count) params, 9 expected") }
        func string(_ index: Int, _ name: String) throws(StratumError) -> String {
            guard let value = params[index].string else { throw StratumError("mining.notify \(name) is \(params[index].brief), not a string") }
            return value
        }
        func bytes(_ index: Int, _ name: String, count: Int? = nil) throws(StratumError) -> [UInt8] {
            try StratumJob.bytes(string(index, name), "mining.notify \(name)", count: count)
        }
        func word(_ index: Int, _ name: String) throws(StratumError) -> UInt32 {
            let bytes = try bytes(index, name, count: 4)
            return bytes.reduce(0) { $0 << 8 | UInt32($1) }
        }
        id = try string(0, "job id")
        guard !id.isEmpty else { throw StratumError("mining.notify job id is empty") }
        let swapped = try bytes(1, "prevhash", count: 32)
        previousHash = stride(from: 0, to: 32, by: 4).flatMap { swapped[$0..<$0 + 4].reversed() }
        coinbase1 = try bytes(2, "coinb1")
        coinbase2 = try bytes(3, "coinb2")
        guard let branch = params[4].array else { throw StratumError("mining.notify merkle branch is \(params[4].brief), not an array") }
        merkleBranch = []
        for (index, entry) in branch.enumerated() {
            guard let hex = entry.string else { throw StratumError("mining.notify merkle branch[\(index)] is \(entry.brief), not a string") }
            merkleBranch.append(try Self.bytes(hex, "mining.notify merkle branch[\(index)]", count: 32))
        }
        version = try word(5, "version")
        bits = try word(6, "nbits")
        time = try word(7, "ntime")
        guard let clean = params[8].bool else { throw StratumError("mining.notify clean_jobs is \(params[8].brief), not true or false") }
        cleanJobs = clean
    }

    static func bytes(_ hex: String, _ what: String, count: Int? = nil) throws(StratumError) -> [UInt8] {
        guard let bytes = [UInt8](hex: hex) else {
            throw StratumError("\(what) is not hexadecimal (\(hex.count) characters: an even number of 0-9, a-f)")
        }
        if let count, bytes.count != count { throw StratumError("\(what) is \(bytes.count) bytes, \(count) expected") }
        return bytes
    }

    /// The work to hash: this job with the session's extranonce1 and the pool's difficulty.
    public func template(extranonce1: [UInt8], extranonce2Size: Int, difficulty: Double) -> WorkTemplate {
        WorkTemplate(
            jobID: id, previousHash: previousHash, coinbase1: coinbase1, extranonce1: extranonce1,
            extranonce2Size: extranonce2Size, coinbase2: coinbase2, merkleBranch: merkleBranch, version: version,
            bits: bits, time: time, shareTarget: Target(difficulty: difficulty))
    }
}

extension UInt32 {
    /// Eight hex digits, most significant first: how Stratum writes version, nbits, ntime and nonce.
    public var stratumHex: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

extension StratumJob {
    /// The header a share of this job names: what a pool rebuilds from `mining.submit`. Version
    /// bits, when given, replace the job's bits under the BIP 310 mask.
    public func header(
        extranonce1: [UInt8], extranonce2: [UInt8], nonce: UInt32, time: UInt32? = nil, versionBits: UInt32? = nil,
        versionMask: UInt32 = StratumSession.versionRollingMask
    ) -> BlockHeader {
        var template = template(extranonce1: extranonce1, extranonce2Size: extranonce2.count, difficulty: 1)
        if let time { template.time = time }
        if let versionBits { template.version = (version & ~versionMask) | (versionBits & versionMask) }
        var header = template.header(extranonce2: extranonce2)
        header.nonce = nonce
        return header
    }
}
