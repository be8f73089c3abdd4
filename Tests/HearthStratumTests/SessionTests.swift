import HearthMining
import HearthStratumTesting
import Testing

@testable import HearthStratum

@Suite struct MessageTests {
    @Test func classifiesRequestsNotificationsAndResponses() throws {
        #expect(try StratumMessage(line: #"{"id":null,"method":"mining.set_difficulty","params":[2]}"#)
            == .request(id: .null, method: "mining.set_difficulty", params: [.integer(2)]))
        #expect(try StratumMessage(line: #"{"id":7,"method":"mining.ping"}"#) == .request(id: .integer(7), method: "mining.ping", params: []))
        #expect(try StratumMessage(line: #"{"id":3,"result":true,"error":null}"#) == .response(id: .integer(3), result: .bool(true), error: .null))
        #expect(try StratumMessage(line: #"{"id":"a","error":[21,"Job not found",null]}"#)
            == .response(id: .string("a"), result: .null, error: .array([.integer(21), .string("Job not found"), .null])))
    }

    @Test(arguments: [
        ("{", "not JSON"),
        ("[1,2]", "not a JSON object"),
        (#"{"id":1}"#, "neither a request"),
        (#"{"method":5}"#, "\"method\" is 5, not a string"),
        (#"{"method":"mining.notify","params":{"a":1}}"#, "\"params\" of mining.notify is {\"a\":1}, not an array"),
        (#"{"result":true}"#, "a response without an id"),
    ])
    func refusesWhatIsNotJSONRPC(line: String, reason: String) {
        #expect { try StratumMessage(line: line) } throws: { ($0 as? StratumError)?.description.contains(reason) == true }
    }

    @Test func poolReasonsInEveryShape() {
        #expect(StratumMessage.reason(.array([.integer(23), .string("Low difficulty share"), .null])) == "23: Low difficulty share")
        #expect(StratumMessage.reason(.object(["code": .integer(1), "message": .string("stale")])) == "stale")
        #expect(StratumMessage.reason(.string("duplicate")) == "duplicate")
    }

    @Test func jsonTextIsStrictAndEscaped() throws {
        let value = JSON.object(["b": .array([.integer(1), .number(0.5), .null, .bool(false)]), "a": .string("q\"\\\n\u{1}é")])
        #expect(value.text == #"{"a":"q\"\\\n\u0001é","b":[1,0.5,null,false]}"#)
        #expect(try JSON(parsing: value.text) == value)
    }

    @Test func poolAddresses() throws {
        #expect(try PoolAddress(url: "stratum+tcp://pool.example:3333") == PoolAddress(host: "pool.example", port: 3333))
        #expect(try PoolAddress(url: "public-pool.io:21496") == PoolAddress(host: "public-pool.io", port: 21496))
        #expect(try PoolAddress(url: "stratum+tcp://[::1]:3333/") == PoolAddress(host: "::1", port: 3333))
        #expect(PoolAddress(host: "::1", port: 3333).description == "stratum+tcp://[::1]:3333")
        #expect { try PoolAddress(url: "http://pool.example:80") } throws: { "\($0)".contains("unknown scheme \"http\"") }
        #expect { try PoolAddress(url: "stratum+tcp://pool.example") } throws: { "\($0)".contains("no port") }
        #expect { try PoolAddress(url: "stratum+tcp://pool.example:99999") } throws: { "\($0)".contains("not a number from 1 to 65535") }
        #expect { try PoolAddress(url: "stratum+tcp://:3333") } throws: { "\($0)".contains("no host name") }
        #expect { try PoolAddress(url: "stratum+tcp://umbrel.local:2018") } throws: { "\($0)".contains("umbrel.local is a multicast-DNS (.local) name") }
    }
}

@Suite struct JobBuildingTests {
    /// A real block with several transactions, split as a pool would: the header built from the
    /// notify, extranonce1, the coinbase's own extranonce2 and the block's nonce is the block's
    /// real header, and hashes to its real hash.
    @Test(arguments: [99960, 99993])
    func aNotifyFromARealBlockBuildsItsRealHeader(height: Int) throws {
        let real = RealJob(height: height)
        let job = try StratumJob(params: real.notifyParams())
        #expect(Array(job.previousHash.reversed()).hex == Array(real.block.header.previousHash.reversed()).hex)
        let template = job.template(extranonce1: real.template.extranonce1, extranonce2Size: 4, difficulty: 1)
        var header = template.header(extranonce2: real.extranonce2)
        header.nonce = real.block.header.nonce
        #expect(header.bytes == real.block.header.bytes)
        #expect(header.displayHash == real.block.header.displayHash)
        #expect(real.block.transactions.count > 2, "a block with a real merkle branch")
    }

    @Test(arguments: [
        (1, "\"0g\"", "prevhash is not hexadecimal"),
        (1, "\"00\"", "prevhash is 1 bytes, 32 expected"),
        (2, "\"abc\"", "coinb1 is not hexadecimal (3 characters"),
        (4, "\"ff\"", "merkle branch is \"ff\", not an array"),
        (4, "[\"00\"]", "merkle branch[0] is 1 bytes, 32 expected"),
        (5, "1", "version is 1, not a string"),
        (6, "\"1d00ffff00\"", "nbits is 5 bytes, 4 expected"),
        (8, "\"yes\"", "clean_jobs is \"yes\", not true or false"),
    ])
    func everyWrongFieldIsNamed(index: Int, replacement: String, reason: String) throws {
        var params = RealJob(height: 99960).notifyParams()
        params[index] = try JSON(parsing: replacement)
        #expect { try StratumJob(params: params) } throws: { ($0 as? StratumError)?.description.contains(reason) == true }
        #expect { try StratumJob(params: Array(params.prefix(8))) } throws: { "\($0)" == "mining.notify has 8 params, 9 expected" }
    }
}

@Suite struct SessionTests {
    let real = RealJob(height: 99960)
    let options = StratumSession.Options(user: "bc1qheater.den", userAgent: "hearth/1.0", suggestedDifficulty: 0.5)

    /// A session through subscribe and authorize, with the pool's difficulty and a first job.
    func ready(difficulty: Double = 1.0 / 65536) -> (StratumSession, WorkTemplate) {
        var session = StratumSession(options: options, now: .zero)
        _ = session.start(now: .zero)
        _ = session.receive(#"{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}"#, now: .zero)
        _ = session.receive(JSON.object(["id": .integer(2), "result": real.subscribeResult, "error": .null]).text, now: .zero)
        _ = session.receive(#"{"id":null,"method":"mining.set_difficulty","params":[\#(difficulty)]}"#, now: .zero)
        _ = session.receive(#"{"id":3,"result":true,"error":null}"#, now: .zero)
        let events = session.receive(real.notifyLine(), now: .zero)
        guard case .work(let template, true) = events.first else { fatalError("no work: \(events)") }
        return (session, template)
    }

    @Test func opensWithConfigureSubscribeAuthorizeAndSuggestion() throws {
        var session = StratumSession(options: options, now: .zero)
        let lines = try session.start(now: .zero).map { try JSON(parsing: $0).object! }
        #expect(lines.map { $0["method"]!.string! } == ["mining.configure", "mining.subscribe", "mining.authorize", "mining.suggest_difficulty"])
        #expect(lines.map { $0["id"]! } == [.integer(1), .integer(2), .integer(3), .integer(4)])
        #expect(lines[0]["params"] == .array([
            .array([.string("version-rolling")]),
            .object(["version-rolling.mask": .string("1fffe000"), "version-rolling.min-bit-count": .integer(2)]),
        ]))
        #expect(lines[1]["params"] == .array([.string("hearth/1.0")]))
        #expect(lines[2]["params"] == .array([.string("bc1qheater.den"), .string("x")]))
        #expect(lines[3]["params"] == .array([.number(0.5)]))
    }

    @Test func workOnlyOnceSubscribedAndAuthorized() {
        var session = StratumSession(options: options, now: .zero)
        _ = session.start(now: .zero)
        #expect(session.receive(real.notifyLine(), now: .zero).isEmpty, "a job before subscription is kept, not hashed")
        let subscribed = session.receive(JSON.object(["id": .integer(2), "result": real.subscribeResult, "error": .null]).text, now: .zero)
        #expect(subscribed == [.subscribed(extranonce1: real.template.extranonce1, extranonce2Size: 4)])
        let authorized = session.receive(#"{"id":3,"result":true,"error":null}"#, now: .zero)
        #expect(authorized.first == .authorized)
        #expect(authorized.contains { if case .send(let line) = $0 { line.contains("mining.extranonce.subscribe") } else { false } })
        guard case .work(let template, clean: true) = authorized.last else {
            Issue.record("no work after authorization: \(authorized)")
            return
        }
        #expect(template.jobID == "job1")
        #expect(template.shareTarget == .difficultyOne, "difficulty 1 until the pool says otherwise")
    }

    @Test func refusedWorkerAndSubscription() {
        var session = StratumSession(options: options, now: .zero)
        _ = session.start(now: .zero)
        #expect(session.receive(#"{"id":3,"result":null,"error":[24,"Unauthorized worker",null]}"#, now: .zero)
            == [.refused("worker \"bc1qheater.den\" not authorized: 24: Unauthorized worker")])
        #expect(session.receive(#"{"id":2,"result":[[],"zz",4],"error":null}"#, now: .zero)
            == [.refused("mining.subscribe extranonce1 \"zz\" is not hexadecimal")])
        var other = StratumSession(options: options, now: .zero)
        _ = other.start(now: .zero)
        #expect(other.receive(#"{"id":2,"result":[[],"00",0],"error":null}"#, now: .zero)
            == [.refused("mining.subscribe extranonce2_size 0 is not a whole number from 1 to 16")])
    }

    @Test func aPoolWithoutVersionRollingIsFine() {
        var session = StratumSession(options: options, now: .zero)
        _ = session.start(now: .zero)
        #expect(session.receive(#"{"id":1,"result":null,"error":[20,"Unsupported method",null]}"#, now: .zero).isEmpty)
        #expect(session.versionMask == 0)
    }

    @Test func difficultyBelowOneAndSharesChecked() throws {
        var (session, template) = ready()
        #expect(template.shareTarget == Target(difficulty: 1.0 / 65536))
        #expect(session.versionMask == 0x1FFF_E000)
        let share = findShare(template, extranonce2: [0, 0, 0, 7], target: template.shareTarget)
        guard case .success(let line) = session.submit(share, now: .seconds(1)) else {
            Issue.record("a valid share was not sent")
            return
        }
        let submit = try JSON(parsing: line).object!
        #expect(submit["method"] == .string("mining.submit"))
        #expect(submit["params"] == .array([
            .string("bc1qheater.den"), .string("job1"), .string("00000007"), .string(template.time.stratumHex),
            .string(share.nonce.stratumHex), .string((template.version & 0x1FFF_E000).stratumHex),
        ]), "version bits once rolling is agreed, even for a share whose version was not rolled (BIP 310)")
        let id = submit["id"]!
        #expect(session.receive(JSON.object(["id": id, "result": .bool(true), "error": .null]).text, now: .seconds(1))
            == [.accepted(.init(jobID: "job1", nonce: share.nonce, difficulty: share.difficulty, credit: credit(template)))])

        guard case .success(let again) = session.submit(share, now: .seconds(2)) else { return }
        let againID = try JSON(parsing: again).object!["id"]!
        #expect(session.receive(JSON.object(["id": againID, "result": .null, "error": .array([.integer(22), .string("Duplicate share"), .null])]).text, now: .seconds(2))
            == [.rejected(.init(jobID: "job1", nonce: share.nonce, difficulty: share.difficulty, credit: credit(template)), reason: "22: Duplicate share")])
    }

    /// A share's expected value: the pool's difficulty over the network's (nbits 1b04864c:
    /// 14 484.16), times the block's reward from its coinbase (50 BTC for block 99 960).
    func credit(_ template: WorkTemplate) -> Double {
        template.shareTarget.difficulty / Target(compact: 0x1B04_864C).difficulty * 5_000_000_000
    }

    @Test func aShareBelowThePoolTargetIsNotSent() {
        var (session, template) = ready(difficulty: 1.0 / 65536)
        var weak = findShare(template, extranonce2: [0, 0, 0, 1], target: Target(difficulty: 0x1p-24))
        while Target(difficulty: 1.0 / 65536).isMet(by: weak.hash) {
            weak = findShare(template, extranonce2: [0, 0, 1, weak.extranonce2[3] &+ 1], target: Target(difficulty: 0x1p-24))
        }
        guard case .failure(.belowTarget) = session.submit(weak, now: .zero) else {
            Issue.record("a share under the pool's difficulty was sent")
            return
        }
    }

    @Test func rolledVersionBitsAreSent() throws {
        var (session, template) = ready()
        var rolled = template
        rolled.version |= 0x0000_4000
        let share = findShare(rolled, extranonce2: [0, 0, 0, 2], target: template.shareTarget)
        guard case .success(let line) = session.submit(share, now: .zero) else { return }
        let params = try JSON(parsing: line).object!["params"]!.array!
        #expect(params.count == 6)
        #expect(params[5] == .string((rolled.version & 0x1FFF_E000).stratumHex))
    }

    /// A job signalling a BIP 9 bit under the mask (version 0x30000010, mask 1fffe000): the bit
    /// stays set in every header hashed, only the mask's other bits are rolled, and the bits sent
    /// rebuild the hashed header under both formulas pools use.
    @Test func aJobsOwnBitsUnderTheMaskAreKeptAndBothPoolFormulasAgree() throws {
        var session = StratumSession(options: options, now: .zero)
        _ = session.start(now: .zero)
        _ = session.receive(#"{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}"#, now: .zero)
        _ = session.receive(JSON.object(["id": .integer(2), "result": real.subscribeResult, "error": .null]).text, now: .zero)
        _ = session.receive(#"{"id":null,"method":"mining.set_difficulty","params":[0.0000152587890625]}"#, now: .zero)
        _ = session.receive(#"{"id":3,"result":true,"error":null}"#, now: .zero)
        let jobVersion: UInt32 = 0x3000_0010
        let events = session.receive(real.notifyLine(version: jobVersion), now: .zero)
        guard case .work(let template, true) = events.first else {
            Issue.record("no work: \(events)")
            return
        }
        #expect(template.version == jobVersion)
        #expect(template.versionMask == 0x0FFF_E000, "the job's own bit 28 is not the miner's to roll")
        var rolled = template
        rolled.version |= 0x0000_6000 & template.versionMask
        let share = findShare(rolled, extranonce2: [0, 0, 0, 4], target: template.shareTarget)
        guard case .success(let line) = session.submit(share, now: .zero) else {
            Issue.record("the share was not sent")
            return
        }
        let params = try JSON(parsing: line).object!["params"]!.array!
        let bits = try #require(params.count == 6 ? params[5].string.flatMap { UInt32($0, radix: 16) } : nil)
        #expect(bits == 0x1000_6000)
        let mask: UInt32 = 0x1FFF_E000
        #expect(jobVersion & ~mask | bits == share.header.version, "BIP 310's formula rebuilds the hashed version")
        #expect(jobVersion | bits == share.header.version, "so does ORing the bits into the job's version")
    }

    @Test func aNewVersionMaskRemakesTheWork() {
        var (session, template) = ready()
        let events = session.receive(#"{"id":null,"method":"mining.set_version_mask","params":["00ffe000"]}"#, now: .zero)
        #expect(events.first == .versionMask(0x00FF_E000))
        guard events.count == 2, case .work(let remade, clean: false) = events[1] else {
            Issue.record("the work was not made again: \(events)")
            return
        }
        #expect(remade.jobID == template.jobID && remade.versionMask == 0x00FF_E000 & ~template.version)
    }

    @Test func cleanJobsMakeEarlierSharesStale() {
        var (session, template) = ready()
        let share = findShare(template, extranonce2: [0, 0, 0, 3], target: template.shareTarget)
        _ = session.receive(real.notifyLine(id: "job2", clean: false, time: template.time + 1), now: .zero)
        guard case .success = session.submit(share, now: .zero) else {
            Issue.record("a job not cleaned still takes shares")
            return
        }
        let events = session.receive(real.notifyLine(id: "job3", clean: true, time: template.time + 2), now: .zero)
        guard case .work(let newer, clean: true) = events.first else { return }
        #expect(newer.jobID == "job3")
        #expect(session.submit(share, now: .zero) == .failure(.stale), "job1 is gone after clean_jobs")
        var unknown = share
        unknown.jobID = "nope"
        #expect(session.submit(unknown, now: .zero) == .failure(.stale))
    }

    @Test func setExtranonceGivesNewCleanWork() {
        var (session, _) = ready()
        let events = session.receive(#"{"id":null,"method":"mining.set_extranonce","params":["aabbccdd",8]}"#, now: .zero)
        guard case .work(let template, clean: true) = events.first else {
            Issue.record("no new work: \(events)")
            return
        }
        #expect(template.extranonce1 == [0xAA, 0xBB, 0xCC, 0xDD])
        #expect(template.extranonce2Size == 8)
    }

    @Test func answersPingsAndUnknownRequests() {
        var (session, _) = ready()
        #expect(session.receive(#"{"id":9,"method":"mining.ping","params":[]}"#, now: .zero)
            == [.send(#"{"error":null,"id":9,"result":"pong"}"#)])
        #expect(session.receive(#"{"id":"x","method":"mining.frobnicate","params":[]}"#, now: .zero) == [
            .ignored("unknown method mining.frobnicate"),
            .send(#"{"error":[20,"unknown method mining.frobnicate",null],"id":"x","result":null}"#),
        ])
        #expect(session.receive(#"{"id":null,"method":"client.reconnect","params":["elsewhere.example",3333,5]}"#, now: .zero)
            == [.reconnect(wait: .seconds(5))])
        #expect(session.receive(#"{"id":null,"method":"client.show_message","params":["maintenance at 3am"]}"#, now: .zero)
            == [.message("maintenance at 3am")])
    }

    @Test func malformedInputIsIgnoredWithTheReason() {
        var (session, template) = ready()
        let cases = [
            "garbage",
            #"{"id":null,"method":"mining.notify","params":["j","zz"]}"#,
            #"{"id":null,"method":"mining.set_difficulty","params":[-1]}"#,
            #"{"id":null,"method":"mining.set_difficulty","params":["high"]}"#,
            #"{"id":99,"result":true,"error":null}"#,
        ]
        for line in cases {
            let events = session.receive(line, now: .seconds(5))
            guard case .ignored = events.first, events.count == 1 else {
                Issue.record("\(line) gave \(events)")
                continue
            }
        }
        #expect(session.isReady)
        #expect(session.difficulty == 1.0 / 65536, "a bad difficulty changes nothing")
        #expect(session.lastHeard == .seconds(5), "even a bad line shows the pool is alive")
        let share = findShare(template, extranonce2: [0, 0, 0, 4], target: template.shareTarget)
        guard case .success = session.submit(share, now: .zero) else {
            Issue.record("the session no longer takes shares")
            return
        }
    }

    @Test func overdueAnswersExpire() {
        var (session, template) = ready()
        let share = findShare(template, extranonce2: [0, 0, 0, 5], target: template.shareTarget)
        _ = session.submit(share, now: .seconds(10))
        #expect(session.expire(now: .seconds(39)).isEmpty)
        #expect(session.expire(now: .seconds(41))
            == [.rejected(.init(jobID: "job1", nonce: share.nonce, difficulty: share.difficulty, credit: credit(template)), reason: "no answer within 30.0 seconds")])
        #expect(session.expire(now: .seconds(100)).isEmpty, "each is reported once")

        var opening = StratumSession(options: options, now: .zero)
        _ = opening.start(now: .zero)
        #expect(opening.expire(now: .seconds(31)) == [
            .refused("mining.subscribe got no answer within 30.0 seconds"),
            .refused("mining.authorize got no answer within 30.0 seconds"),
        ])
    }
}
