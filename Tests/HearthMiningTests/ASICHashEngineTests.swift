import Crypto
import Foundation
import HearthDrivers
import HearthHAL
import HearthMining
import HearthSim
import HearthTestFixtures
import Synchronization
import Testing

/// The path job → chip → nonce → share on the twin, which hashes every job for real: the
/// shares that come out are checked against swift-crypto, not against our own hashing.
@Suite struct ASICMinerTests {
    static let ticket = 1.0 / 65536
    let reset = SimDigitalLine(name: "asic-reset")
    let power = SimDigitalLine(name: "asic-power")
    let twin: BM13xxTwin
    let model = ASICPowerModel(idle: Watts(2), fullLoad: Watts(15), minFrequency: 100, maxFrequency: 500)

    init() {
        twin = BM13xxTwin(
            settings: .init(model: .bm1366, chips: 2, difficulty: Self.ticket, noncesPerRead: 1 << 15, noncesPerVersion: 1 << 16),
            reset: reset, power: power)
    }

    func miner(silence: Duration = .seconds(60)) -> ASICMiner {
        let chain = BM13xxChain(
            port: twin, reset: reset, power: power, configuration: .init(model: .bm1366, ticketDifficulty: Self.ticket),
            sleep: { _ in })
        return ASICMiner(
            board: chain, settings: .init(power: model, jobInterval: .seconds(2), silenceLimit: silence, readTimeout: .zero))
    }

    func work(_ id: String = "99960", time: UInt32? = nil, versionMask: UInt32 = 0x1FFF_E000) -> WorkTemplate {
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        template.jobID = id
        if let time { template.time = time }
        template.shareTarget = Target(difficulty: 1.0 / 16384)  // one hash in 2^18
        template.versionMask = versionMask
        return template
    }

    /// Steps `count` times, 50 ms of virtual time apart, from `now`.
    func run(_ miner: inout ASICMiner, _ count: Int, from now: inout Duration, target: Watts = Watts(15), work: WorkTemplate?)
        -> [Share]
    {
        var shares: [Share] = []
        for _ in 0..<count {
            shares += miner.step(now: now, target: target, work: work)
            now += .milliseconds(50)
        }
        return shares
    }

    @Test func sharesFromTheChipsAreRealAndRollTheVersion() throws {
        var miner = miner()
        var now = Duration.zero
        let template = work()
        let shares = run(&miner, 64, from: &now, work: template)
        #expect(miner.phase == .running && twin.jobs == 2, "a fresh job every 2 s")
        #expect(shares.count >= 2, "2^21 nonces at one share in 2^18")
        var versions = Set<UInt32>()
        for share in shares {
            let once = Data(Crypto.SHA256.hash(data: share.header.bytes))
            let twice = Array(Crypto.SHA256.hash(data: once))
            #expect(twice == share.hash && template.shareTarget.isMet(by: twice))
            var expected = template.header(extranonce2: share.extranonce2)
            #expect(share.header.version & ~template.versionMask == expected.version & ~template.versionMask)
            expected.version = share.header.version
            expected.nonce = share.nonce
            #expect(share.header == expected, "the header is the template's, with the chip's nonce and version")
            versions.insert(share.header.version)
        }
        #expect(versions.count > 1, "the chips rolled the version bits")
        #expect(miner.hashes > 0 && miner.hashes % 65536 == 0 && miner.hardwareErrors == 0 && miner.staleNonces == 0)
    }

    @Test func noncesThatCannotBeRightAreCountedAndDropped() throws {
        var miner = miner()
        var now = Duration.zero
        _ = run(&miner, 2, from: &now, work: work(versionMask: 0))
        let job = try #require(twin.currentJob)
        let (errors, stale) = (miner.hardwareErrors, miner.staleNonces)
        twin.emit(.nonce(0x1234_5678, jobByte: BM13xx.Model.bm1366.responseByte(jobID: job.id, smallCore: 0), versionBits: 0))
        twin.emit(.nonce(0x1234_5678, jobByte: BM13xx.Model.bm1366.responseByte(jobID: job.id, smallCore: 3), versionBits: 0))
        twin.emit(.nonce(0x1234_5678, jobByte: BM13xx.Model.bm1366.responseByte(jobID: job.id, smallCore: 0), versionBits: 1))
        twin.emit(.nonce(0x1234_5678, jobByte: BM13xx.Model.bm1366.responseByte(jobID: job.id &+ 64, smallCore: 0), versionBits: 0))
        _ = run(&miner, 1, from: &now, work: work(versionMask: 0))
        #expect(miner.hardwareErrors == errors + 2, "a hash that misses the ticket; version bits the pool did not grant")
        #expect(miner.staleNonces == stale + 1, "a job never sent")
        #expect(miner.duplicateNonces == 1, "the same nonce again, from another small core")
        #expect(twin.register(BM13xx.Register.versionMask) == 0x9000_0000, "the chips told to roll nothing")
    }

    @Test func newWorkIsSentAtOnceAndTheOldJobsNoncesAreStale() throws {
        var miner = miner()
        var now = Duration.zero
        _ = run(&miner, 4, from: &now, work: work("a"))
        let old = try #require(twin.currentJob)
        let jobs = twin.jobs
        let shares = run(&miner, 60, from: &now, work: work("b", time: 1_300_000_000))
        #expect(twin.jobs > jobs && twin.currentJob?.time == 1_300_000_000)
        #expect(!shares.isEmpty && shares.allSatisfy { $0.jobID == "b" })
        twin.emit(.nonce(0, jobByte: BM13xx.Model.bm1366.responseByte(jobID: old.id, smallCore: 0), versionBits: 0))
        let stale = miner.staleNonces
        _ = run(&miner, 1, from: &now, work: work("b", time: 1_300_000_000))
        #expect(miner.staleNonces == stale + 1)
    }

    @Test func thePowerTargetSetsTheClockAndZeroTurnsTheChainOff() throws {
        #expect(model.frequency(for: Watts(0)) == nil && model.frequency(for: Watts(2.2)) == nil, "below half the least")
        #expect(model.frequency(for: Watts(3)) == 100, "up to the lowest clock")
        #expect(abs(model.frequency(for: Watts(8))! - 6.0 / 13 * 500) < 1e-9)
        #expect(model.frequency(for: Watts(40)) == 500)
        var miner = miner()
        var now = Duration.zero
        _ = run(&miner, 100, from: &now, target: Watts(8), work: work())
        #expect(abs(miner.frequency - 6.0 / 13 * 500) < 0.5 && power.isActive == true && reset.isActive == false)
        _ = run(&miner, 1, from: &now, target: Watts(0), work: work())
        #expect(miner.phase == .off && miner.frequency == 0 && reset.isActive == true && power.isActive == false)
        _ = run(&miner, 1, from: &now, target: Watts(8), work: nil)
        #expect(miner.phase == .off, "no work, no heat: the chain stays off")
        _ = run(&miner, 3, from: &now, target: Watts(8), work: work())
        #expect(miner.phase == .running && twin.addresses.count == 2, "brought up again from reset: \(miner.phase)")
    }

    /// A start takes half a second; a safe state entered meanwhile (the target gone to zero)
    /// abandons it, and the chain stays in reset, unpowered, without counting as a failure.
    @Test func aStartIsAbandonedWhenThePowerIsNoLongerWanted() throws {
        var miner = miner()
        var asked = 0
        let shares = miner.step(now: .zero, target: Watts(15), work: work()) {
            asked += 1
            return asked < 2  // wanted at the first check, no longer at the second
        }
        #expect(shares.isEmpty && miner.phase == .off && asked == 2)
        #expect(reset.isActive == true && power.isActive == false, "left in reset with its supply off")
        _ = miner.step(now: .milliseconds(50), target: Watts(15), work: work())
        #expect(miner.phase == .running, "and started again when wanted")
    }

    /// The largest ticket a board file allows (2³², whose 2⁶⁴ hashes a nonce are one past a
    /// UInt64) is carried; a board whose ticket is not a number is failed before it is started.
    @Test func aTicketAtTheLimitIsCarriedAndOneThatIsNotANumberFailsTheBoard() throws {
        func board(ticket: Double) -> BM13xxChain {
            BM13xxChain(
                port: twin, reset: reset, power: power, configuration: .init(model: .bm1366, ticketDifficulty: ticket),
                sleep: { _ in })
        }
        let largest = ASICMiner(board: board(ticket: 4_294_967_296), settings: .init(power: model))
        #expect(largest.phase == .off)
        var broken = ASICMiner(board: board(ticket: .nan), settings: .init(power: model))
        #expect(broken.step(now: .zero, target: Watts(15), work: work()).isEmpty && twin.jobs == 0)
        guard case .failed(let reason) = broken.phase else {
            Issue.record("not failed: \(broken.phase)")
            return
        }
        #expect(reason.contains("ticket difficulty") && reason.contains("sim-uart"))
    }

    @Test func aChainThatFallsSilentIsGivenUpAndHeldInReset() throws {
        var miner = miner(silence: .seconds(30))
        var now = Duration.zero
        _ = run(&miner, 20, from: &now, work: work())
        #expect(miner.phase == .running)
        twin.inject(.silent)
        _ = run(&miner, 20 * 29, from: &now, work: work())
        #expect(miner.phase == .running, "29 s of silence is within the limit")
        _ = run(&miner, 20 * 2, from: &now, work: work())
        guard case .failed(let reason) = miner.phase else {
            Issue.record("still \(miner.phase)")
            return
        }
        #expect(reason.contains("no good nonce") && reset.isActive == true && power.isActive == false)
        #expect(run(&miner, 5, from: &now, work: work()).isEmpty && miner.phase != .running, "failed stays failed")
    }
}

/// A BM1366 chain's twin on simulated reset and power lines, and the ASIC engines the threaded
/// tests run on it.
struct TwinChain {
    let reset = SimDigitalLine(name: "asic-reset")
    let power = SimDigitalLine(name: "asic-power")
    let twin: BM13xxTwin

    init() { twin = BM13xxTwin(settings: .init(difficulty: ASICMinerTests.ticket), reset: reset, power: power) }

    /// An engine of the chain, given up after `silenceLimit` without a good nonce.
    func engine(
        silenceLimit: Duration, onShare: @escaping @Sendable (Share) -> Void, onFailure: @escaping @Sendable (String) -> Void
    ) -> ASICHashEngine {
        let (twin, reset, power) = (twin, reset, power)
        return ASICHashEngine(
            description: "BM1366 on sim-uart", chipModel: "BM1366",
            settings: .init(
                power: ASICPowerModel(idle: Watts(2), fullLoad: Watts(15), minFrequency: 100, maxFrequency: 500),
                silenceLimit: silenceLimit, readTimeout: .milliseconds(5)),
            makeBoard: {
                BM13xxChain(
                    port: twin, reset: reset, power: power,
                    configuration: .init(model: .bm1366, ticketDifficulty: ASICMinerTests.ticket), sleep: { _ in })
            },
            onShare: onShare, onFailure: onFailure)
    }
}

@Suite struct FallbackHashEngineTests {
    final class Recording: HashEngine {
        struct Seen {
            var work: [String?] = []
            var targets: [Watts] = []
            var stopped = false
        }
        let seen = Mutex(Seen())
        let name: String
        let count: UInt64
        init(_ name: String, hashes: UInt64) {
            self.name = name
            self.count = hashes
        }
        func setWork(_ template: WorkTemplate?) { seen.withLock { $0.work.append(template?.jobID) } }
        func setPowerTarget(_ target: Watts) { seen.withLock { $0.targets.append(target) } }
        var hashes: UInt64 { count }
        var status: String { name }
        func start() {}
        func stop(waitingAtMost timeout: Duration) -> Bool {
            seen.withLock { $0.stopped = true }
            return true
        }
    }

    @Test func theFallbackTakesTheWorkAndTargetAndTheStatusSaysWhy() {
        let primary = Recording("ASIC", hashes: 1000)
        let cpu = Recording("CPU", hashes: 5)
        let switched = Mutex<[String]>([])
        let engine = FallbackHashEngine(
            makePrimary: { _ in .init(primary) }, makeFallback: { .init(cpu, power: { $0 + Watts(3) }) },
            onSwitch: { status in switched.withLock { $0.append(status) } })
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        template.jobID = "j1"
        engine.setWork(template)
        engine.setPowerTarget(Watts(10))
        #expect(engine.status == "ASIC" && !engine.hasFallenBack)
        engine.primaryFailed("no good nonce for 60 s")
        engine.primaryFailed("again")
        #expect(primary.seen.withLock { $0.stopped })
        #expect(cpu.seen.withLock { $0.work } == ["j1"] && cpu.seen.withLock { $0.targets } == [Watts(13)], "idle added")
        #expect(engine.status == "CPU, since the hash board failed: no good nonce for 60 s")
        #expect(switched.withLock { $0 } == [engine.status], "said once")
        #expect(engine.hashes == 1005, "the chain's hashes are kept")
        engine.setPowerTarget(Watts(4))
        #expect(cpu.seen.withLock { $0.targets.last } == Watts(7))
    }

    @Test func withoutAFallbackComputeStaysOffAndSaysSo() {
        let engine = FallbackHashEngine(failedPrimary: "no BM1366 answered", makeFallback: { nil })
        engine.setPowerTarget(Watts(10))
        #expect(engine.hasFallenBack && engine.hashes == 0)
        #expect(engine.status.contains("no BM1366 answered") && engine.status.hasPrefix("none"))
    }

    /// The threaded engine on the twin: shares arrive; the chain falls silent; the CPU takes over.
    @Test func theASICEngineFallsBackToTheCPUWhenTheChainFails() async throws {
        let chain = TwinChain()
        let (reset, twin) = (chain.reset, chain.twin)
        let shares = Mutex<[Share]>([])
        let failures = Mutex<[String]>([])
        let cpu = CPUHashEngine(model: CPUPowerModel(idle: Watts(0), fullLoad: Watts(1), cores: 1), onShare: { _ in })
        let asic = Mutex<ASICHashEngine?>(nil)
        let engine = FallbackHashEngine(
            makePrimary: { failed in
                let engine = chain.engine(
                    silenceLimit: .seconds(2), onShare: { share in shares.withLock { $0.append(share) } },
                    onFailure: { reason in
                        failures.withLock { $0.append(reason) }
                        failed(reason)
                    })
                asic.withLock { $0 = engine }
                return .init(engine)
            },
            makeFallback: { .init(cpu) }, onSwitch: { _ in })
        let chips = try #require(asic.withLock { $0 })
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        template.shareTarget = Target(difficulty: 1.0 / 16384)
        engine.setWork(template)
        engine.setPowerTarget(Watts(15))
        chips.start()
        cpu.start()
        for _ in 0..<6000 where shares.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!shares.withLock { $0.isEmpty } && chips.status.hasPrefix("ASIC (1 × BM1366 on sim-uart at "), "\(chips.status) \(failures.withLock { $0 })")
        twin.inject(.silent)
        for _ in 0..<6000 where !engine.hasFallenBack { try await Task.sleep(for: .milliseconds(10)) }
        #expect(failures.withLock { $0 }.count == 1 && engine.status.hasPrefix("CPU ("))
        #expect(engine.status.contains("since the hash board failed: no good nonce from the chain on sim-uart"))
        #expect(cpu.currentWork == template && reset.isActive == true)
        let before = engine.hashes
        for _ in 0..<6000 where engine.hashes == before { try await Task.sleep(for: .milliseconds(10)) }
        #expect(engine.hashes > before, "the CPU hashes on")
        engine.stop()
    }

    /// `stop` returns once the engine's thread has ended: the chain is already in reset with its
    /// supply off, and nothing of the engine writes those lines any more. A start after the stop
    /// brings the chain up again.
    @Test func stopReturnsWithTheChainOffAndAStartBringsItBack() async throws {
        let chain = TwinChain()
        let (reset, power) = (chain.reset, chain.power)
        let shares = Mutex(0)
        let engine = chain.engine(silenceLimit: .seconds(60), onShare: { _ in shares.withLock { $0 += 1 } }, onFailure: { _ in })
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        template.shareTarget = Target(difficulty: 1.0 / 16384)
        engine.setWork(template)
        engine.setPowerTarget(Watts(15))
        for round in 0..<2 {
            engine.start()
            shares.withLock { $0 = 0 }
            for _ in 0..<6000 where shares.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(shares.withLock { $0 } > 0 && power.isActive == true, "run \(round): the chain hashes")
            #expect(engine.stop(waitingAtMost: .seconds(60)), "run \(round): the thread ended")
            #expect(reset.isActive == true && power.isActive == false, "run \(round): off the moment stop returns")
            #expect(engine.status == "ASIC (BM1366 on sim-uart, off)" || engine.status.hasPrefix("ASIC (1 ×"))
        }
    }
}
