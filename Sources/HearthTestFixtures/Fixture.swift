import Foundation
import HearthMining

/// The three real mainnet blocks of the fixture: the genesis block, 99960 and 99993.
public enum Fixture {
    struct File: Decodable {
        struct Entry: Decodable { var height: Int; var raw: String }
        var blocks: [Entry]
    }

    public static let blocks: [Int: [UInt8]] = {
        let url = Bundle.module.url(forResource: "bitcoin-blocks", withExtension: "json", subdirectory: "Fixtures")!
        let file = try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return Dictionary(uniqueKeysWithValues: file.blocks.map { ($0.height, [UInt8](hex: $0.raw)!) })
    }()

    /// A real block as a pool would hand it out: its coinbase cut into coinbase1, an
    /// extranonce1, the extranonce2 (returned) and coinbase2, inside the coinbase script (which
    /// starts at byte 42), and the other transaction ids as the merkle branch.
    public static func template(height: Int, extranonce1Size: Int, extranonce2Size: Int) -> WorkTemplate {
        let block = try! Block(bytes: blocks[height]!)
        let coinbase = block.transactions[0]
        let cut = 42
        let extranonce2Start = cut + extranonce1Size
        let extranonce2End = extranonce2Start + extranonce2Size
        return WorkTemplate(
            jobID: "\(height)", previousHash: block.header.previousHash, coinbase1: Array(coinbase[..<cut]),
            extranonce1: Array(coinbase[cut..<extranonce2Start]), extranonce2Size: extranonce2Size,
            coinbase2: Array(coinbase[extranonce2End...]), merkleBranch: Merkle.branch(of: block.transactionIDs),
            version: block.header.version, bits: block.header.bits, time: block.header.time,
            shareTarget: block.header.target)
    }

    /// The extranonce2 bytes the real coinbase of `template(height:...)` carries.
    public static func realExtranonce2(height: Int, extranonce1Size: Int, extranonce2Size: Int) -> [UInt8] {
        let coinbase = try! Block(bytes: blocks[height]!).transactions[0]
        return Array(coinbase[(42 + extranonce1Size)..<(42 + extranonce1Size + extranonce2Size)])
    }
}
