import Foundation
import HearthMining
import HearthTestFixtures
import Testing

@Suite struct BlockTests {
    @Test func theGenesisHeaderHashesToTheGenesisHash() throws {
        let block = try Block(bytes: Fixture.blocks[0]!)
        #expect(block.header.displayHash == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
        #expect(block.header.version == 1)
        #expect(block.header.time == 1_231_006_505)
        #expect(block.header.bits == 0x1D00_FFFF)
        #expect(block.header.nonce == 2_083_236_893)
        #expect(block.header.bytes == Array(Fixture.blocks[0]![0..<80]), "parsing and serializing are inverse")
    }

    @Test(arguments: [0, 99960, 99993])
    func everyRealBlockMeetsItsTargetAndItsMerkleRoot(height: Int) throws {
        let block = try Block(bytes: Fixture.blocks[height]!)
        #expect(block.header.target.isMet(by: block.header.hash), "a mined header is at or under its target")
        #expect(block.merkleRoot == block.header.merkleRoot, "the transactions hash to the header's merkle root")
        let ids = block.transactionIDs
        #expect(Merkle.root(coinbase: ids[0], branch: Merkle.branch(of: ids)) == block.header.merkleRoot,
                "the coinbase and its branch give the same root, as a Stratum job does")
        var altered = block.header
        altered.nonce &+= 1
        #expect(!altered.target.isMet(by: altered.hash), "the next nonce does not")
    }

    @Test func transactionCounts() throws {
        #expect(try Block(bytes: Fixture.blocks[0]!).transactions.count == 1)
        #expect(try Block(bytes: Fixture.blocks[99960]!).transactions.count == 3)
        #expect(try Block(bytes: Fixture.blocks[99993]!).transactions.count == 4)
    }

    @Test func targetsAndDifficulty() throws {
        #expect(Target(compact: 0x1D00_FFFF).difficulty == 1)
        let block = try Block(bytes: Fixture.blocks[99960]!)
        #expect(block.header.bits == 0x1B04_864C)
        #expect(abs(block.header.target.difficulty - 14484.162361225399) < 1e-6)
        #expect(Target.difficulty(of: block.header.hash) >= block.header.target.difficulty)
        #expect(Target(compact: 0x1D00_FFFF).bigEndian.prefix(6) == [0, 0, 0, 0, 0xFF, 0xFF])
    }

    @Test(arguments: [99960, 99993])
    func aTemplateFromARealBlockRebuildsItsHeader(height: Int) throws {
        let block = try Block(bytes: Fixture.blocks[height]!)
        let template = Fixture.template(height: height, extranonce1Size: 4, extranonce2Size: 4)
        var header = template.header(extranonce2: Fixture.realExtranonce2(height: height, extranonce1Size: 4, extranonce2Size: 4))
        header.nonce = block.header.nonce
        #expect(header == block.header)
        #expect(header.hash == block.header.hash)
        var other = template.header(extranonce2: [0, 0, 0, 1])
        other.nonce = block.header.nonce
        #expect(other.merkleRoot != block.header.merkleRoot, "another extranonce2 is another header")
    }

    @Test func extranonce2IsTheCounterBigEndianInItsWidth() {
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        #expect(template.extranonce2(0x0102_0304) == [1, 2, 3, 4])
        template.extranonce2Size = 2
        #expect(template.extranonce2(0x0102_0304) == [3, 4], "wraps in a narrow field")
        template.extranonce2Size = 10
        #expect(template.extranonce2(1) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    }

    @Test func poolDifficultyToTarget() {
        #expect(Target(difficulty: 1) == Target.difficultyOne)
        #expect(Target(difficulty: 2).bigEndian.prefix(6) == [0, 0, 0, 0, 0x7F, 0xFF])
        #expect(abs(Target(difficulty: 14484.162361225399).difficulty - 14484.162361225399) < 1e-6)
        #expect(Target(difficulty: 0.5).bigEndian.prefix(6) == [0, 0, 0, 1, 0xFF, 0xFE], "below 1: an easier target")
        #expect(abs(Target(difficulty: 1.0 / 65536).difficulty * 65536 - 1) < 1e-9)
        #expect(Target(difficulty: 1e-12).bigEndian == [UInt8](repeating: 0xFF, count: 32), "capped at 2^256 − 1")
        #expect(Target(difficulty: 512) < Target(difficulty: 256))
    }

    @Test func badInputIsNamed() {
        #expect { try BlockHeader(hex: "00") } throws: { ($0 as? BlockError)?.description == "a block header is 80 bytes, got 1" }
        #expect { try BlockHeader(hex: String(repeating: "g", count: 160)) } throws: { $0 is BlockError }
        var truncated = Fixture.blocks[99960]!
        truncated.removeLast(10)
        #expect { try Block(bytes: truncated) } throws: { ($0 as? BlockError)?.description.hasPrefix("transaction 2: truncated") == true }
    }
}
