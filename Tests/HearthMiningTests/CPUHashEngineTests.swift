import Foundation
import HearthHAL
import HearthMining
import HearthTestFixtures
import Synchronization
import Testing

@Suite struct CPUPowerModelTests {
    let model = CPUPowerModel(idle: Watts(3), fullLoad: Watts(8), cores: 4)

    @Test func threadsAndDutyForAPowerTarget() {
        #expect(model.plan(for: Watts(2)) == (0, 0), "below idle: nothing to add")
        #expect(model.plan(for: Watts(3)) == (0, 0))
        let quarterCore = model.plan(for: Watts(3.3125))
        #expect(quarterCore.threads == 1 && abs(quarterCore.duty - 0.25) < 1e-9)
        let twoAndAHalf = model.plan(for: Watts(6.125))
        #expect(twoAndAHalf.threads == 3 && abs(twoAndAHalf.duty - 2.5 / 3) < 1e-9)
        #expect(model.plan(for: Watts(8)) == (4, 1))
        #expect(model.plan(for: Watts(100)) == (4, 1), "no more than every core flat out")
    }
}

@Suite struct DutyPlannerTests {
    /// On virtual time, with slices of uneven length, the realised duty lands within 3 % of the target.
    @Test(arguments: [0.1, 0.35, 0.5, 0.8, 0.97])
    func realisedDutyConverges(duty: Double) {
        var planner = DutyPlanner()
        var seed: UInt64 = 12345
        var worked = Duration.zero, elapsed = Duration.zero
        while elapsed < .seconds(30) {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1
            let slice = Duration.microseconds(800 + Int64(seed >> 54))  // 0.8 … 1.8 ms of work
            (worked, elapsed) = (worked + slice, elapsed + slice)
            let rest = planner.record(slice, working: true, duty: duty)
            if rest > .zero {
                elapsed += rest
                _ = planner.record(rest, working: false, duty: duty)
            }
        }
        #expect(abs(worked / elapsed - duty) <= 0.03 * duty, "realised \(worked / elapsed) for \(duty)")
        #expect(abs(planner.realised - duty) <= 0.03 * duty, "and over the books' memory: \(planner.realised)")
    }

    /// After a long while at one duty, a new one holds from its first period: the old books are not
    /// paid back (an hour flat out must not be followed by an hour of rest), and rests the OS
    /// stretched are made up.
    @Test(arguments: [0.1, 0.25, 0.5, 0.75])
    func aNewDutyHoldsAtOnce(duty: Double) {
        var planner = DutyPlanner()
        for _ in 0..<3_600_000 / 100 { _ = planner.record(.milliseconds(100), working: true, duty: 1) }  // an hour flat out
        var worked = Duration.zero, elapsed = Duration.zero
        while elapsed < .seconds(2) {
            let slice = Duration.milliseconds(1)
            worked += slice
            elapsed += slice
            let rest = planner.record(slice, working: true, duty: duty)
            if rest > .zero {
                let stretched = rest + .microseconds(300)  // the OS wakes the thread late
                elapsed += stretched
                _ = planner.record(stretched, working: false, duty: duty)
            }
        }
        #expect(abs(worked / elapsed - duty) <= 0.03 * duty, "realised \(worked / elapsed) over the first 2 s at \(duty)")
    }
}

@Suite struct CPUHashEngineTests {
    final class Collector: Sendable {
        let shares = Mutex<[Share]>([])
        func add(_ share: Share) { shares.withLock { $0.append(share) } }
        var all: [Share] { shares.withLock { $0 } }
        func count(of job: String) -> Int { shares.withLock { $0.filter { $0.jobID == job }.count } }
    }

    func work(_ id: String, time: UInt32) -> WorkTemplate {
        var easy = [UInt8](repeating: 0, count: 32)
        easy[2] = 0x0F  // one nonce in about 2^20
        var template = Fixture.template(height: 99960, extranonce1Size: 4, extranonce2Size: 4)
        template.jobID = id
        template.time = time
        template.shareTarget = Target(bigEndian: easy)
        return template
    }

    /// Waits (without asserting on time) until `condition` holds, giving up after a generous bound.
    func wait(_ condition: () -> Bool) async {
        for _ in 0..<6000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func findsValidSharesAndNeverReportsAReplacedJob() async throws {
        let collector = Collector()
        let engine = CPUHashEngine(model: CPUPowerModel(idle: Watts(3), fullLoad: Watts(8), cores: 2)) { collector.add($0) }
        engine.setPowerTarget(Watts(8))
        engine.setWork(work("a", time: 1))
        engine.start()
        defer { engine.stop() }
        await wait { collector.count(of: "a") >= 3 }
        #expect(collector.count(of: "a") >= 3)

        engine.setWork(work("b", time: 2))
        let aAtSwitch = collector.count(of: "a")
        await wait { collector.count(of: "b") >= 3 }
        #expect(collector.count(of: "a") == aAtSwitch, "no share of a replaced job after the switch")
        #expect(collector.count(of: "b") >= 3)

        var extranonces = Set<[UInt8]>()
        for share in collector.all {
            let template = work(share.jobID, time: share.jobID == "a" ? 1 : 2)
            var header = template.header(extranonce2: share.extranonce2)
            header.nonce = share.nonce
            #expect(header == share.header, "the share's header is the template's, with its extranonce2 and nonce")
            #expect(header.hash == share.hash)
            #expect(template.shareTarget.isMet(by: share.hash))
            extranonces.insert(share.extranonce2)
        }
        #expect(extranonces.count >= 2, "the two threads hash different extranonce2 values")
        #expect(engine.hashes > 0)
    }

    /// A stop returns once every thread has ended, so the count stands still from then on; a
    /// start after it hashes again (the control loop stops the engine on a latched fault and
    /// starts it once the fault is cleared).
    @Test func aStopWaitsForEveryThreadAndAStartResumes() async throws {
        let engine = CPUHashEngine(model: CPUPowerModel(idle: Watts(3), fullLoad: Watts(8), cores: 2)) { _ in }
        engine.setPowerTarget(Watts(8))
        engine.setWork(work("a", time: 1))
        for _ in 0..<2 {
            let before = engine.hashes
            engine.start()
            engine.start()  // a second start while running adds no threads
            await wait { engine.hashes > before }
            #expect(engine.hashes > before)
            #expect(engine.stop(waitingAtMost: .seconds(60)))
            let atStop = engine.hashes
            try await Task.sleep(for: .milliseconds(30))
            #expect(engine.hashes == atStop, "no thread hashes after stop returned")
        }
    }

    @Test func noPowerNoHashing() async throws {
        let collector = Collector()
        let engine = CPUHashEngine(model: CPUPowerModel(idle: Watts(3), fullLoad: Watts(8), cores: 2)) { collector.add($0) }
        engine.setPowerTarget(Watts(2))
        engine.setWork(work("a", time: 1))
        engine.start()
        defer { engine.stop() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(engine.hashes == 0, "below idle power, no thread hashes")
    }
}

@Suite struct ChunkSizeTests {
    /// Chunks grow while a chunk is quick and shrink while it is slow, so every kernel checks for
    /// new work about every millisecond; the sizes stay within bounds.
    @Test func chunksFollowTheKernelsSpeed() {
        var chunk: UInt32 = 1 << 12
        // A fast kernel: 20 ns a nonce.
        for _ in 0..<20 { chunk = CPUHashEngine.nextChunk(after: chunk, took: .nanoseconds(20 * Int64(chunk))) }
        #expect((1 << 15...1 << 16).contains(chunk), "\(chunk) nonces: about a millisecond at 50 MH/s")
        // A slow one: 3 µs a nonce (the scalar kernel on a small core).
        for _ in 0..<20 { chunk = CPUHashEngine.nextChunk(after: chunk, took: .nanoseconds(3000 * Int64(chunk))) }
        #expect((256...512).contains(chunk), "\(chunk) nonces: about a millisecond at 0.33 MH/s")
        for _ in 0..<40 { chunk = CPUHashEngine.nextChunk(after: chunk, took: .zero) }
        #expect(chunk == CPUHashEngine.chunkSizes.upperBound)
        for _ in 0..<40 { chunk = CPUHashEngine.nextChunk(after: chunk, took: .seconds(1)) }
        #expect(chunk == CPUHashEngine.chunkSizes.lowerBound)
    }
}
