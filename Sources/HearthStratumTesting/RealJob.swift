import HearthMining
import HearthStratum
import HearthTestFixtures

/// A real block as a pool's job: what `mining.notify` and `mining.subscribe` would carry for it.
public struct RealJob: Sendable {
    public let block: Block
    public let template: WorkTemplate
    /// The extranonce2 that the block's own coinbase carries.
    public let extranonce2: [UInt8]

    public init(height: Int) {
        block = try! Block(bytes: Fixture.blocks[height]!)
        template = Fixture.template(height: height, extranonce1Size: 4, extranonce2Size: 4)
        extranonce2 = Fixture.realExtranonce2(height: height, extranonce1Size: 4, extranonce2Size: 4)
    }

    /// The previous block's hash as pools send it: the display hash's 4-byte words in reverse
    /// order (derived from the display form, not from the parser's own rule).
    public var stratumPreviousHash: String {
        let display = Array(block.header.previousHash.reversed()).hex
        let words = stride(from: 0, to: 64, by: 8).map { display[display.index(display.startIndex, offsetBy: $0)..<display.index(display.startIndex, offsetBy: $0 + 8)] }
        return words.reversed().joined()
    }

    public func notifyParams(id: String = "job1", clean: Bool = true, time: UInt32? = nil, version: UInt32? = nil) -> [JSON] {
        [
            .string(id), .string(stratumPreviousHash), .string(template.coinbase1.hex), .string(template.coinbase2.hex),
            .array(template.merkleBranch.map { .string($0.hex) }), .string((version ?? template.version).stratumHex),
            .string(template.bits.stratumHex), .string((time ?? template.time).stratumHex), .bool(clean),
        ]
    }

    /// `version`, when given, replaces the block's own (a job signalling BIP 9 bits, say).
    public func notifyLine(id: String = "job1", clean: Bool = true, time: UInt32? = nil, version: UInt32? = nil) -> String {
        JSON.object([
            "id": .null, "method": .string("mining.notify"),
            "params": .array(notifyParams(id: id, clean: clean, time: time, version: version)),
        ]).text
    }

    public var subscribeResult: JSON {
        .array([.array([.array([.string("mining.notify"), .string("1")])]), .string(template.extranonce1.hex), .integer(4)])
    }
}
