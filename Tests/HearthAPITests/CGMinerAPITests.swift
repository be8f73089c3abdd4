import Foundation
import HearthAPI
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// cgminer's API over real TCP on loopback.
@Suite struct CGMinerAPITests {
    /// Sends `request` to the API (then half-closes, as `nc -N` does, when `close`) and returns
    /// its reply, without the closing NUL.
    func ask(_ port: Int, _ request: String, close: Bool = false) async throws -> [String: Any] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let reply = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            if close { outbound.finish() }
            var all = ByteBuffer()
            for try await var chunk in inbound { all.writeBuffer(&chunk) }
            return all
        }
        let bytes = Array(reply.readableBytesView)
        #expect(bytes.last == 0, "cgminer ends each reply with a NUL byte")
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: Any])
    }

    @Test func answersTheCommandsMonitoringToolsSend() async throws {
        let api = CGMinerAPI(backend: FakeHeater())
        let bound = Mutex(0)
        let server = Task { try await api.serve(host: "127.0.0.1", port: 0) { port in bound.withLock { $0 = port } } }
        defer { server.cancel() }
        while bound.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let port = bound.withLock { $0 }

        let summary = try await ask(port, #"{"command":"summary"}"#)
        let figures = try #require((summary["SUMMARY"] as? [[String: Any]])?.first)
        #expect(figures["MHS 5s"] as? Double == 1.5e6, "1.5 TH/s in MH/s")
        #expect(figures["MHS av"] as? Double == 123_456 / 3600 / 1e6, "the average since start: hashes over the hour")
        #expect(figures["Accepted"] as? Int == 41 && figures["Rejected"] as? Int == 2)
        #expect(figures["Temperature"] as? Double == 55.25)
        #expect((summary["STATUS"] as? [[String: Any]])?.first?["STATUS"] as? String == "S")

        let pools = try await ask(port, #"{"command":"pools"}"#)
        let pool = try #require((pools["POOLS"] as? [[String: Any]])?.first)
        #expect(pool["URL"] as? String == "stratum+tcp://pool.example:3333")
        #expect(pool["Status"] as? String == "Alive")
        #expect(pool["Diff"] as? Double == 512)

        let devs = try await ask(port, "devs")
        #expect((devs["DEVS"] as? [[String: Any]])?.first?["Status"] as? String == "Sick", "a latched fault shows")

        let version = try await ask(port, #"{"command":"version"}"#)
        #expect((version["VERSION"] as? [[String: Any]])?.first?["CGMiner"] as? String == "hearth 0.1.0")

        let stats = try await ask(port, #"{"command":"stats"}"#)
        #expect((stats["STATS"] as? [[String: Any]])?.first?["fan1"] as? Double == 2100)

        let unknown = try await ask(port, #"{"command":"restart"}"#)
        let status = try #require((unknown["STATUS"] as? [[String: Any]])?.first)
        #expect(status["STATUS"] as? String == "E" && status["Code"] as? Int == 14, "read-only: nothing else is a command")
        let garbage = try await ask(port, #"{"command":"#, close: true)
        #expect(((garbage["STATUS"] as? [[String: Any]])?.first)?["STATUS"] as? String == "E")
    }

    /// Stopping the server with connections still queued in it, or half answered, closes every
    /// one of them. (NIO traps on a connection dropped without being closed: an accept loop that
    /// was simply cancelled crashed the whole process now and then.)
    @Test func stoppingClosesEveryConnectionQueuedOrInHand() async throws {
        for _ in 0..<20 {
            let api = CGMinerAPI(backend: FakeHeater())
            let bound = Mutex(0)
            let server = Task { try await api.serve(host: "127.0.0.1", port: 0) { port in bound.withLock { $0 = port } } }
            while bound.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
            let port = bound.withLock { $0 }
            // Clients that connect and say nothing, so that each one is queued or being waited on.
            let clients = try await withThrowingTaskGroup(of: NIOAsyncChannel<ByteBuffer, ByteBuffer>.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                            .connect(host: "127.0.0.1", port: port) { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                                }
                            }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            server.cancel()
            for client in clients {
                // Every client is closed here, whatever the test finds: NIO traps on one dropped open.
                do {
                    let received = try await client.executeThenClose { inbound, _ in
                        var count = 0
                        for try await chunk in inbound { count += chunk.readableBytes }
                        return count
                    }
                    #expect(received == 0, "closed by the server, with no reply")
                } catch let error as IOError where error.errnoCode == ECONNRESET {
                    // Still in the kernel's queue when the listening socket closed: reset.
                } catch {
                    Issue.record(error)
                }
            }
            try await server.value
        }
    }
}
