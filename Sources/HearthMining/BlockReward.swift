/// What a block pays its finder, and so what a share of work is worth on average: a pool that
/// pays per share (PPS) pays each share its chance of being a block, share difficulty ÷ network
/// difficulty, times the block's reward.
public enum BlockReward {
    /// Where a reward figure came from.
    public enum Source: String, Hashable, Sendable {
        /// The sum of the coinbase transaction's own outputs: subsidy and fees as the pool built them.
        case coinbaseOutputs
        /// The subsidy for the height the coinbase carries (BIP 34), plus the configured fee allowance.
        case subsidy
    }

    /// The block subsidy at `height`, satoshis: 50 BTC, halved every 210 000 blocks, zero after
    /// 64 halvings (Bitcoin Core's `GetBlockSubsidy`).
    public static func subsidy(height: Int) -> UInt64 {
        let halvings = max(height, 0) / 210_000
        return halvings >= 64 ? 0 : (50 * 100_000_000) >> UInt64(halvings)
    }

    /// The height a coinbase transaction carries (BIP 34: the first push of its input script, a
    /// little-endian number); `nil` when its script does not start with such a push.
    public static func height(coinbase: [UInt8]) -> Int? {
        var reader = ByteReader(bytes: coinbase, offset: 0)
        do throws(BlockError) {
            _ = try reader.take(4)  // version
            guard try reader.varInt() == 1 else { return nil }  // the one input
            _ = try reader.take(36)  // null outpoint
            let script = try reader.take(try reader.varInt())
            guard let push = script.first else { return nil }
            if push == 0x00 { return 0 }  // OP_0
            if (0x51...0x60).contains(push) { return Int(push - 0x50) }  // OP_1 … OP_16
            guard (1...8).contains(push), script.count > Int(push) else { return nil }
            let number = script.dropFirst().prefix(Int(push))
            return number.reversed().reduce(0) { $0 << 8 | Int($1) }
        } catch {
            return nil
        }
    }

    /// The sum of a (legacy-serialized) coinbase transaction's outputs, satoshis; `nil` when it
    /// cannot be read as one transaction.
    public static func outputs(coinbase: [UInt8]) -> UInt64? {
        var reader = ByteReader(bytes: coinbase, offset: 0)
        guard let values = try? reader.transaction(), reader.offset == coinbase.count,
            values.allSatisfy({ $0 <= 21_000_000 * 100_000_000 })
        else { return nil }
        return values.reduce(0, +)
    }
}

/// What the work of one job is worth: the network's difficulty from its `nbits`, and the
/// block's reward.
public struct WorkValue: Hashable, Sendable {
    /// The network difficulty of the job's block (difficulty-1 target ÷ its target).
    public var networkDifficulty: Double
    /// The block's reward, satoshis.
    public var rewardSats: UInt64
    public var source: BlockReward.Source

    public init(networkDifficulty: Double, rewardSats: UInt64, source: BlockReward.Source) {
        self.networkDifficulty = networkDifficulty
        self.rewardSats = rewardSats
        self.source = source
    }

    /// A share of `difficulty`'s expected value, satoshis, before any pool fee.
    public func sats(forShareOf difficulty: Double) -> Double {
        networkDifficulty > 0 ? difficulty / networkDifficulty * Double(rewardSats) : 0
    }
}

extension WorkTemplate {
    /// What this job's work is worth: the reward from the coinbase's own outputs where they are
    /// there (a pool that pays the block to itself, or a solo pool to the miner), else the subsidy
    /// for the height the coinbase carries plus `feeAllowance` satoshis; `nil` when neither can
    /// be read (no outputs and no height).
    public func value(feeAllowance: UInt64) -> WorkValue? {
        let coinbase = coinbase1 + extranonce1 + [UInt8](repeating: 0, count: extranonce2Size) + coinbase2
        let difficulty = Target(compact: bits).difficulty
        if let outputs = BlockReward.outputs(coinbase: coinbase), outputs > 0 {
            return WorkValue(networkDifficulty: difficulty, rewardSats: outputs, source: .coinbaseOutputs)
        }
        guard let height = BlockReward.height(coinbase: coinbase) else { return nil }
        return WorkValue(networkDifficulty: difficulty, rewardSats: BlockReward.subsidy(height: height) + feeAllowance, source: .subsidy)
    }
}
