import HearthMining
import HearthTestFixtures
@testable import HearthStratum

/// A real block as a pool's job: what `mining.notify` and `mining.subscribe` would carry for it.
struct RealJob {
    let block: Block
    let template: WorkTemplate
    /// The extranonce2 that the block's own coinbase carries.
    let extranonce2: [UInt8]

    init(height: Int) {
        block = try! Block(bytes: Fixture.blocks[height]!)
        template = Fixture.template(height: height, extranonce1Size: 4, extranonce2Size: 4)
        extranonce2 = Fixture.realExtranonce2(height: height, extranonce1Size: 4, extranonce2Size: 4)
    }

    /// The previous block's hash as pools send it: the display hash's 4-byte words in reverse
    /// order (derived from the display form, not from the parser's own rule).
    var stratumPreviousHash: String {
        let display = Array(block.header.previousHash.reversed()).hex
        let words = stride(from: 0, to: 64, by: 8).map { display[display.index(display.startIndex, offsetBy: $0)..<display.index(display.startIndex, offsetBy: $0 + 8)] }
        return words.reversed().joined()
    }

    func notifyParams(id: String = "job1", clean: Bool = true, time: UInt32? = nil) -> [JSON] {
        [
            .string(id), .string(stratumPreviousHash), .string(template.coinbase1.hex), .string(template.coinbase2.hex),
            .array(template.merkleBranch.map { .string($0.hex) }), .string(template.version.stratumHex),
            .string(template.bits.stratumHex), .string((time ?? template.time).stratumHex), .bool(clean),
        ]
    }

    func notifyLine(id: String = "job1", clean: Bool = true, time: UInt32? = nil) -> String {
        JSON.object(["id": .null, "method": .string("mining.notify"), "params": .array(notifyParams(id: id, clean: clean, time: time))]).text
    }

    var subscribeResult: JSON {
        .array([.array([.array([.string("mining.notify"), .string("1")])]), .string(template.extranonce1.hex), .integer(4)])
    }
}

/// The first nonce from 0 whose header meets `target`, for a template and extranonce2.
func findShare(_ template: WorkTemplate, extranonce2: [UInt8], target: Target) -> Share {
    let header = template.header(extranonce2: extranonce2)
    let scanner = NonceScanner(header: header, target: target)
    var first: UInt32 = 0
    while true {
        if let nonce = scanner.scan(first...(first + 0xFFFF)).first {
            var found = header
            found.nonce = nonce
            return Share(jobID: template.jobID, extranonce2: extranonce2, header: found)
        }
        first += 0x10000
    }
}

/// Waits until `condition` holds, polling, up to a generous bound; the test then checks the
/// condition itself, so nothing here asserts on time.
func eventually(_ condition: @Sendable () -> Bool) async {
    for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
}
