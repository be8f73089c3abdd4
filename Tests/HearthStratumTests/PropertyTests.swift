import HearthMining
import PropertyBased
import HearthStratumTesting
import Testing

@testable import HearthStratum

/// Properties of the parser over generated input: it never crashes, every line either means
/// something or is ignored with a reason, and what we write reads back as written.
@Suite struct PropertyTests {
    let real = RealJob(height: 99960)

    /// A ready session (subscribed, authorized, at work on a real job).
    func ready() -> StratumSession {
        var session = StratumSession(options: .init(user: "u"), now: .zero)
        _ = session.start(now: .zero)
        _ = session.receive(JSON.object(["id": .integer(2), "result": real.subscribeResult, "error": .null]).text, now: .zero)
        _ = session.receive(#"{"id":3,"result":true,"error":null}"#, now: .zero)
        _ = session.receive(real.notifyLine(), now: .zero)
        return session
    }

    @Test func anyStringIsSurvived() async {
        await propertyCheck(count: 500, input: Gen.unicodeScalar(in: "\u{0}"..."\u{2FF}").map(Character.init).string(of: 0...200)) { line in
            var session = ready()
            let events = session.receive(line, now: .seconds(1))
            for event in events {
                switch event {
                case .ignored(let reason): #expect(!reason.isEmpty)
                case .send: break
                default: Issue.record("\(line.debugDescription) meant \(event)")
                }
            }
            #expect(session.isReady, "the session goes on")
        }
    }

    /// A valid notify with one character changed anywhere: new work or an ignored line with a
    /// reason, never a crash and never a lost session.
    @Test func aCorruptedNotifyIsWorkOrIgnored() async {
        let line = real.notifyLine(id: "j2", clean: false)
        let count = line.count
        await propertyCheck(count: 500, input: Gen.int(in: 0..<count), Gen.int(in: 0...127).map { Character(UnicodeScalar(UInt8($0))) }) { index, character in
            var corrupted = Array(line)
            corrupted[index] = character
            var session = ready()
            let events = session.receive(String(corrupted), now: .seconds(1))
            #expect(events.count <= 1)
            if case .work(let template, _)? = events.first {
                #expect(template.extranonce1 == real.template.extranonce1)
            }
            #expect(session.isReady)
        }
    }

    @Test func stringsRoundTripThroughJSON() async {
        await propertyCheck(count: 300, input: Gen.unicodeScalar(in: "\u{0}"..."\u{D7FF}").map(Character.init).string(of: 0...40)) { text in
            #expect((try? JSON(parsing: JSON.array([.string(text)]).text)) == .array([.string(text)]))
        }
    }

    @Test func notifyFieldsRoundTrip() async {
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...120)
        let word = Gen<UInt32>.value(in: 0...UInt32.max)
        await propertyCheck(count: 200, input: bytes, bytes, word, word, Gen.int(in: 0...12)) { coinbase1, coinbase2, version, time, branchCount in
            let branch = (0..<branchCount).map { index in [UInt8](repeating: UInt8(index), count: 32) }
            let params: [JSON] = [
                .string("id"), .string(String(repeating: "ab", count: 32)), .string(coinbase1.hex), .string(coinbase2.hex),
                .array(branch.map { .string($0.hex) }), .string(version.stratumHex), .string("1d00ffff"), .string(time.stratumHex),
                .bool(true),
            ]
            guard let job = try? StratumJob(params: params) else {
                Issue.record("a valid notify was refused: \(params)")
                return
            }
            #expect(job.coinbase1 == coinbase1 && job.coinbase2 == coinbase2)
            #expect(job.merkleBranch == branch)
            #expect(job.version == version && job.time == time && job.bits == 0x1D00_FFFF)
        }
    }
}
