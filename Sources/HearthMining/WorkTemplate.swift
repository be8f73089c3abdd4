/// A pool's job, before the miner fills in its own part: the coinbase transaction split around
/// the extranonce (the pool's `extranonce1`, then the miner's `extranonce2`), the merkle branch
/// that joins the coinbase to the rest of the block, and the header fields. Every extranonce2
/// gives a different merkle root, so a different header with a fresh 2^32 nonces; handing each
/// thread or chip its own extranonce2 keeps any two from searching the same space.
public struct WorkTemplate: Hashable, Sendable {
    public var jobID: String
    /// The previous block's hash, internal byte order.
    public var previousHash: [UInt8]
    public var coinbase1: [UInt8]
    public var extranonce1: [UInt8]
    /// How many bytes the miner's extranonce2 is.
    public var extranonce2Size: Int
    public var coinbase2: [UInt8]
    /// Sibling hashes from the coinbase up to the root, internal byte order.
    public var merkleBranch: [[UInt8]]
    public var version: UInt32
    public var bits: UInt32
    public var time: UInt32
    /// The target a share must meet.
    public var shareTarget: Target
    /// The version bits the pool lets the miner roll (BIP 310); zero: none.
    public var versionMask: UInt32 = 0

    public init(
        jobID: String, previousHash: [UInt8], coinbase1: [UInt8], extranonce1: [UInt8], extranonce2Size: Int,
        coinbase2: [UInt8], merkleBranch: [[UInt8]], version: UInt32, bits: UInt32, time: UInt32, shareTarget: Target
    ) {
        self.jobID = jobID
        self.previousHash = previousHash
        self.coinbase1 = coinbase1
        self.extranonce1 = extranonce1
        self.extranonce2Size = extranonce2Size
        self.coinbase2 = coinbase2
        self.merkleBranch = merkleBranch
        self.version = version
        self.bits = bits
        self.time = time
        self.shareTarget = shareTarget
    }

    /// The counter as `extranonce2Size` big-endian bytes (so its hex reads as the number),
    /// wrapping when the counter is wider than the field.
    public func extranonce2(_ counter: UInt64) -> [UInt8] {
        (0..<extranonce2Size).map { index in
            let shift = 8 * (extranonce2Size - 1 - index)
            return shift < 64 ? UInt8(truncatingIfNeeded: counter >> UInt64(shift)) : 0
        }
    }

    /// The header for one extranonce2, with nonce zero.
    public func header(extranonce2: [UInt8]) -> BlockHeader {
        let coinbase = coinbase1 + extranonce1 + extranonce2 + coinbase2
        let root = Merkle.root(coinbase: SHA256.doubleHash(coinbase), branch: merkleBranch)
        return BlockHeader(version: version, previousHash: previousHash, merkleRoot: root, time: time, bits: bits, nonce: 0)
    }
}
