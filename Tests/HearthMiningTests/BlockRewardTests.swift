import HearthTestFixtures
import Testing

@testable import HearthMining

@Suite struct BlockRewardTests {
    @Test func theSubsidyHalvesEvery210000Blocks() {
        #expect(BlockReward.subsidy(height: 0) == 5_000_000_000)
        #expect(BlockReward.subsidy(height: 209_999) == 5_000_000_000)
        #expect(BlockReward.subsidy(height: 210_000) == 2_500_000_000)
        #expect(BlockReward.subsidy(height: 840_000) == 312_500_000, "3.125 BTC since April 2024")
        #expect(BlockReward.subsidy(height: 63 * 210_000) == 0, "50 BTC shifted 63 times is below a satoshi")
        #expect(BlockReward.subsidy(height: 64 * 210_000) == 0)
    }

    /// A coinbase as a pool splits it: version, one input with the height first in its script
    /// (BIP 34), the extranonce space, and outputs of `values`.
    func coinbase(height: [UInt8], values: [UInt64]) -> (WorkTemplate, [UInt8]) {
        let head: [UInt8] = [1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 32) + [0xFF, 0xFF, 0xFF, 0xFF]
        let script = [UInt8(height.count)] + height
        let coinbase1 = head + [UInt8(script.count + 8)] + script
        var coinbase2: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, UInt8(values.count)]
        for value in values {
            coinbase2 += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } + [1, 0x6A]  // OP_RETURN
        }
        coinbase2 += [0, 0, 0, 0]
        let template = WorkTemplate(
            jobID: "j", previousHash: [UInt8](repeating: 0, count: 32), coinbase1: coinbase1, extranonce1: [1, 2, 3, 4],
            extranonce2Size: 4, coinbase2: coinbase2, merkleBranch: [], version: 0x2000_0000, bits: 0x1D00_FFFF, time: 0,
            shareTarget: Target(difficulty: 1))
        return (template, coinbase1 + [1, 2, 3, 4, 0, 0, 0, 0] + coinbase2)
    }

    /// Worked by hand: at network difficulty 1 (nbits 1d00ffff) a share of difficulty 1 is a
    /// block, worth the whole reward: at height 840 000 the subsidy, 3.125 BTC, plus the fee
    /// allowance when the coinbase shows no outputs of value.
    @Test func aShareAtTheNetworksDifficultyIsWorthTheReward() throws {
        let (template, bytes) = coinbase(height: [0x40, 0xD1, 0x0C], values: [0])  // 840 000, little-endian
        #expect(BlockReward.height(coinbase: bytes) == 840_000)
        #expect(BlockReward.outputs(coinbase: bytes) == 0)
        let value = try #require(template.value(feeAllowance: 20_000_000))
        #expect(value.source == .subsidy && value.rewardSats == 312_500_000 + 20_000_000)
        #expect(value.networkDifficulty == 1)
        #expect(value.sats(forShareOf: 1) == 332_500_000)
        #expect(value.sats(forShareOf: 0.25) == 83_125_000)

        let (paying, _) = coinbase(height: [0x40, 0xD1, 0x0C], values: [300_000_000, 18_000_000])
        #expect(paying.value(feeAllowance: 20_000_000) == WorkValue(networkDifficulty: 1, rewardSats: 318_000_000, source: .coinbaseOutputs),
            "the coinbase's own outputs, fees included, when it shows them")
    }

    /// The real blocks: their coinbases pay 50 BTC (99 993's also 0.01 BTC of fees); they are from
    /// before BIP 34, so they carry no height. Figures read off the fixture by a separate script.
    @Test(arguments: [(0, UInt64(5_000_000_000)), (99960, 5_000_000_000), (99993, 5_001_000_000)])
    func theRealBlocksPayWhatTheirCoinbaseSays(height: Int, reward: UInt64) throws {
        let template = Fixture.template(height: height, extranonce1Size: 4, extranonce2Size: 4)
        let value = try #require(template.value(feeAllowance: 0))
        #expect(value.source == .coinbaseOutputs && value.rewardSats == reward)
        #expect(value.networkDifficulty == Target(compact: template.bits).difficulty)
        if height > 0 { #expect((14_484...14_485).contains(Int(value.networkDifficulty)), "nbits 1b04864c: difficulty 14 484.16") }
    }

    @Test func aCoinbaseThatIsNotOneIsNoValue() {
        #expect(BlockReward.outputs(coinbase: [1, 2, 3]) == nil)
        #expect(BlockReward.height(coinbase: [1, 0, 0, 0]) == nil)
        let (empty, _) = coinbase(height: [], values: [0])
        #expect(empty.value(feeAllowance: 0)?.rewardSats == 5_000_000_000, "OP_0 first: height 0")
        var unknown = empty
        unknown.coinbase1[unknown.coinbase1.count - 1] = 0x6A  // the script starts with OP_RETURN: no height
        #expect(unknown.value(feeAllowance: 0) == nil, "no outputs of value and no height: no figure rather than a guess")
    }
}
