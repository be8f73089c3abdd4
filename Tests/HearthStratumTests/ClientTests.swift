import Foundation
import HearthHAL
import HearthMining
import Logging
import Synchronization
import HearthStratumTesting
import HearthTestFixtures
import Testing

@testable import HearthStratum

/// The client against real TCP pools on loopback. Waiting is by polling with a generous bound;
/// the assertions are on what happened, never on how long it took.
@Suite struct ClientTests {
    final class WorkLog: Sendable {
        private let log = Mutex<[WorkTemplate?]>([])
        func record(_ work: WorkTemplate?) { log.withLock { $0.append(work) } }
        var all: [WorkTemplate?] { log.withLock { $0 } }
        var last: WorkTemplate?? { log.withLock { $0.last } }
    }

    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Fast timings for loopback: short backoff, a quick probe of the primary.
    func configuration(_ pools: [TestPool], _ change: (inout StratumConfiguration) -> Void = { _ in }) -> StratumConfiguration {
        var configuration = StratumConfiguration(
            pools: pools.map { Pool(name: $0.name, address: $0.address, user: "bc1qheater.den") }, userAgent: "hearth/test",
            suggestedDifficulty: 0x1p-16)
        configuration.firstBackoff = .milliseconds(10)
        configuration.maxBackoff = .milliseconds(50)
        configuration.primaryProbeInterval = .milliseconds(200)
        change(&configuration)
        return configuration
    }

    /// Runs `body` with the client mining in a task, then stops it; what the client logs goes to
    /// `log`.
    func mining(
        _ configuration: StratumConfiguration, work: WorkLog = WorkLog(), log: RecordingLogHandler.Lines = .init(),
        _ body: (StratumClient) async throws -> Void
    ) async rethrows {
        let logger = Logger(label: "test") { _ in RecordingLogHandler(lines: log) }
        let client = StratumClient(configuration: configuration, logger: logger, onWork: work.record)
        let task = Task { await client.run() }
        defer { task.cancel() }
        try await body(client)
        task.cancel()
        await task.value
    }

    /// Runs `body` with a client on `configuration` whose work a one-thread CPU engine hashes.
    func hashing(
        _ configuration: StratumConfiguration, _ body: (StratumClient, CPUHashEngine) async throws -> Void
    ) async rethrows {
        let engine = Mutex<CPUHashEngine?>(nil)
        let client = StratumClient(configuration: configuration, logger: quiet) { work in
            engine.withLock { $0?.setWork(work) }
        }
        let hasher = CPUHashEngine(model: CPUPowerModel(idle: Watts(0), fullLoad: Watts(10), cores: 1), onShare: client.submit)
        engine.withLock { $0 = hasher }
        hasher.setPowerTarget(Watts(10))
        hasher.start()
        defer { hasher.stop() }
        let task = Task { await client.run() }
        defer { task.cancel() }
        try await body(client, hasher)
    }

    /// Against both kinds of pool (BIP 310's formula for the version, and ORing the bits), with
    /// and without a BIP 9 bit of the job's version under the mask.
    @Test(arguments: TestPool.VersionFormula.allCases, [UInt32(0), 0x1000_0000])
    func minesARealJobAndThePoolVerifiesEveryShare(formula: TestPool.VersionFormula, jobBits: UInt32) async throws {
        let pool = try await TestPool(name: "primary", behaviour: .init(versionFormula: formula, jobVersionBits: jobBits))
        defer { Task { await pool.stop() } }
        await hashing(configuration([pool])) { client, hasher in
            await eventually { pool.shares.count >= 4 && client.status.accepted >= 4 }
            #expect(pool.shares.count >= 4)
            #expect(pool.shares.allSatisfy { $0.valid }, "every share meets the pool's difficulty when the pool rehashes it")
            #expect(client.status.accepted >= 4)
            #expect(client.status.rejected == 0)
            #expect(client.status.pool == "primary" && client.status.authorized)
            #expect(client.status.difficulty == 0x1p-16)
            #expect(client.status.bestDifficulty >= 0x1p-16)
            // Each accepted share is worth its chance of being block 99 960 (nbits 1b04864c) times
            // the 50 BTC its coinbase pays.
            let perShare = 0x1p-16 / Target(compact: 0x1B04_864C).difficulty * 5_000_000_000
            let status = client.status
            #expect(abs(status.expectedSats - Double(status.accepted) * perShare) < 1e-9 * Double(status.accepted), "\(status.expectedSats)")
            #expect(Array(pool.methods.prefix(5)) == [
                "mining.configure", "mining.subscribe", "mining.authorize", "mining.suggest_difficulty", "mining.extranonce.subscribe",
            ])

            pool.newJob("job2", ntime: 60, clean: true)
            await eventually { pool.shares.contains { $0.jobID == "job2" } }
            #expect(pool.shares.contains { $0.jobID == "job2" && $0.valid }, "the new job is mined")
            #expect(hasher.currentWork?.jobID == "job2")
        }
    }

    @Test func failsOverAfterThreeFailedAttemptsAndReturnsToThePrimary() async throws {
        let primary = try await TestPool(name: "primary", behaviour: .init(accepting: false))
        let fallback = try await TestPool(name: "fallback")
        defer { Task { await primary.stop(); await fallback.stop() } }
        let log = RecordingLogHandler.Lines()
        await mining(configuration([primary, fallback]), log: log) { client in
            await eventually { fallback.authorized >= 1 }
            #expect(fallback.authorized >= 1, "on the fallback after the primary closed three attempts")
            #expect(client.status.pool == "fallback")
            #expect(log.contains("closed the connection") || log.contains("reset the connection"), "\(log.all)")

            primary.update { $0.accepting = true }
            await eventually { primary.authorized >= 1 && client.status.pool == "primary" }
            #expect(primary.authorized >= 1, "back on the primary once it answers a probe")
            #expect(client.status.pool == "primary")
            #expect(client.status.failovers >= 2)
        }
    }

    /// During an outage the status names the pool being tried and why the last try failed; once a
    /// pool takes the worker again the old error is no longer shown.
    @Test func anOutageShowsThePoolTriedAndItsErrorUntilItIsBack() async throws {
        let pool = try await TestPool(name: "primary", behaviour: .init(accepting: false))
        defer { Task { await pool.stop() } }
        await mining(configuration([pool])) { client in
            await eventually { client.status.lastError != nil }
            #expect(client.status.url == pool.address.description && client.status.pool == nil && !client.status.authorized)
            let reason = client.status.lastError ?? ""
            #expect(reason.contains("closed the connection") || reason.contains("reset the connection"), "\(reason)")
            pool.update { $0.accepting = true }
            await eventually { client.status.authorized }
            #expect(client.status.authorized && client.status.lastError == nil, "\(client.status.lastError ?? "")")
            #expect(client.status.url == pool.address.description)
        }
    }

    @Test func aSilentPoolIsADeadPool() async throws {
        let silent = try await TestPool(name: "silent", behaviour: .init(answering: false))
        let fallback = try await TestPool(name: "fallback")
        defer { Task { await silent.stop(); await fallback.stop() } }
        let settings = configuration([silent, fallback]) {
            $0.silenceDeadline = .milliseconds(300)
            $0.primaryProbeInterval = .seconds(3600)
        }
        let log = RecordingLogHandler.Lines()
        await mining(settings, log: log) { client in
            await eventually { fallback.authorized >= 1 }
            #expect(silent.connections == 1, "a silent pool is left at once, not retried")
            #expect(fallback.authorized >= 1)
            #expect(client.status.pool == "fallback")
            #expect(log.contains("nothing from the pool for"), "\(log.all)")
        }
    }

    @Test func reconnectsWhenThePoolAsks() async throws {
        let pool = try await TestPool(name: "primary")
        defer { Task { await pool.stop() } }
        await mining(configuration([pool])) { client in
            await eventually { pool.authorized >= 1 }
            pool.broadcast(#"{"id":null,"method":"client.reconnect","params":["127.0.0.1",\#(pool.port),0]}"#)
            await eventually { pool.authorized >= 2 }
            #expect(pool.connections == 2)
            #expect(client.status.failovers == 0)
        }
    }

    @Test func anEndlessLineDisconnectsThePoolNotTheHeater() async throws {
        let pool = try await TestPool(name: "primary")
        defer { Task { await pool.stop() } }
        let log = RecordingLogHandler.Lines()
        await mining(configuration([pool]) { $0.maxLineLength = 4096 }, log: log) { client in
            await eventually { pool.authorized >= 1 }
            pool.broadcast(String(repeating: "x", count: 100_000))
            await eventually { pool.authorized >= 2 }
            #expect(pool.connections == 2, "dropped and reconnected")
            #expect(log.contains("the pool sent a line longer than 4096 bytes: disconnected"), "\(log.all)")
        }
    }

    @Test func malformedLinesAreLoggedAndSurvived() async throws {
        let pool = try await TestPool(name: "primary")
        defer { Task { await pool.stop() } }
        let work = WorkLog()
        await mining(configuration([pool]), work: work) { client in
            await eventually { work.last??.jobID == "job1" }
            for line in ["not json", "{\"id\":null,\"method\":\"mining.notify\",\"params\":[1,2]}", "[]", "\u{0}\u{7}", "{\"id\":5}"] {
                pool.broadcast(line)
            }
            pool.newJob("job2", ntime: 30, clean: false)
            await eventually { work.last??.jobID == "job2" }
            #expect(work.last??.jobID == "job2", "the session goes on after bad lines")
            #expect(pool.connections == 1)
            #expect(client.status.authorized)
        }
    }

    @Test func offlineIdleStopsTheWorkWhenThePoolGoes() async throws {
        let pool = try await TestPool(name: "primary")
        let work = WorkLog()
        await mining(configuration([pool]) { $0.offline = .idle }, work: work) { _ in
            await eventually { work.last??.jobID == "job1" }
            await pool.stop()
            await eventually { work.last == .some(nil) }
            #expect(work.last == .some(nil), "no pool, no hashing, when the owner chose idle")
        }
    }

    @Test func theCheckNamesWhatWentWrong() async throws {
        let pool = try await TestPool(name: "primary")
        defer { Task { await pool.stop() } }
        let settings = configuration([pool])
        let work = try await StratumClient.firstWork(from: settings.pools[0], configuration: settings)
        #expect(work?.jobID == "job1")
        #expect(work?.shareTarget == Target(difficulty: 0x1p-16))

        pool.update { $0.authorizes = false }
        await #expect { try await StratumClient.firstWork(from: settings.pools[0], configuration: settings) } throws: {
            "\($0)" == "worker \"bc1qheater.den\" not authorized: 24: Unauthorized worker"
        }

        // A port held bound but not listening: refused, and no test running beside can take it
        // (a port merely freed could be bound again meanwhile).
        let (held, port) = boundLoopbackSocket()
        defer { close(held) }
        let refused = Pool(name: "refused", address: PoolAddress(host: "127.0.0.1", port: port), user: "u")
        await #expect { try await StratumClient.firstWork(from: refused, configuration: settings) } throws: {
            "\($0)" == "127.0.0.1:\(port) refused the connection (nothing listens on that port)"
        }
        let nowhere = Pool(name: "nowhere", address: PoolAddress(host: "pool.invalid", port: 3333), user: "u")
        await #expect { try await StratumClient.firstWork(from: nowhere, configuration: settings) } throws: {
            "\($0)".hasPrefix("cannot resolve pool.invalid")
        }
    }

    /// A TLS pool (stratum+ssl://) on loopback with a certificate made for the test: trusted
    /// through its authority's file, or through its fingerprint; refused by the system's
    /// authorities and by another fingerprint, each with the reason.
    @Test func minesOverTLSAndRefusesACertificateItCannotTrust() async throws {
        let certificates = try TestCertificates()
        let pool = try await TestPool(name: "tls", tls: certificates)
        defer { Task { await pool.stop() } }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let authority = "\(folder)/authority.pem"
        try certificates.authorityPEM.write(toFile: authority, atomically: true, encoding: .utf8)

        func settings(_ trust: PoolTrust) -> StratumConfiguration {
            configuration([pool]) { configuration in
                configuration.pools[0].address = PoolAddress(host: "localhost", port: pool.port, tls: trust)
            }
        }
        for trust in [PoolTrust.rootsFile(authority), .pinned(sha256: certificates.fingerprint)] {
            let work = try await StratumClient.firstWork(from: settings(trust).pools[0], configuration: settings(trust))
            #expect(work?.jobID == "job1", "trusted by \(trust)")
        }
        let refusals: [(PoolTrust, String)] = [
            (.systemRoots, "not signed by an authority this system trusts"),
            (.pinned(sha256: [UInt8](repeating: 7, count: 32)), "not the one whose fingerprint is configured"),
        ]
        for (trust, reason) in refusals {
            await #expect(performing: { try await StratumClient.firstWork(from: settings(trust).pools[0], configuration: settings(trust)) },
                throws: { error in
                    let said = StratumClient.describe(error, pool: settings(trust).pools[0])
                    return said.hasPrefix("TLS with localhost:\(pool.port) failed: the pool's certificate is ") && said.contains(reason)
                })
        }

        // Mining over TLS: the pool rehashes every share it gets.
        await hashing(settings(.rootsFile(authority))) { client, _ in
            await eventually { client.status.accepted >= 2 }
            #expect(client.status.accepted >= 2 && pool.shares.allSatisfy { $0.valid })
            #expect(client.status.url == "stratum+ssl://localhost:\(pool.port)")
        }
    }

    @Test func poolAddressesAndFingerprints() throws {
        #expect(try PoolAddress(url: "stratum+ssl://pool.example:4333") == PoolAddress(host: "pool.example", port: 4333, tls: .systemRoots))
        #expect(try PoolAddress(url: "stratum+tls://pool.example:4333").tls == .systemRoots)
        #expect(try PoolAddress(url: "stratum+tcp://pool.example:3333").tls == nil)
        #expect("\(try PoolAddress(url: "stratum+tls://pool.example:4333"))" == "stratum+ssl://pool.example:4333")
        let colons = (0..<32).map { String(format: "%02X", $0) }.joined(separator: ":")
        #expect(PoolTrust.fingerprint(colons) == Array(0..<32))
        #expect(PoolTrust.fingerprint("sha256:" + colons.replacingOccurrences(of: ":", with: "").lowercased()) == Array(0..<32))
        #expect(PoolTrust.fingerprint("AB:CD") == nil && PoolTrust.fingerprint(String(repeating: "zz", count: 32)) == nil)
    }
}
