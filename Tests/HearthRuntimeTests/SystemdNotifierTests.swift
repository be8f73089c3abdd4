import Foundation
import HearthHAL
import Logging
import Testing

import HearthConfig
import HearthTestFixtures
@testable import HearthRuntime

/// The notify protocol against a real unix datagram socket standing in for systemd.
@Suite struct SystemdNotifierTests {
    /// A bound datagram socket and its path; `receive()` reads what arrived, without waiting.
    final class FakeSystemd {
        let fd: Int32
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-notify-\(UUID().uuidString)").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        }

        deinit {
            close(fd)
            unlink(path)
        }

        func receive() -> [String] {
            var messages: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return messages }
                messages.append(String(decoding: buffer.prefix(count), as: UTF8.self))
            }
        }
    }

    @Test func withoutTheVariableNothingIsSent() {
        #expect(SystemdNotifier(environment: [:]).send("READY=1") == false)
    }

    @Test func theServiceSaysReadyWatchdogAndStopping() async throws {
        let systemd = try FakeSystemd()
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": systemd.path])
        let clock = ManualClock()
        let service = HeaterService(
            hardware: Hardware(), clock: clock, period: .seconds(1), maxTicks: 3, logger: Logger(label: "test"),
            systemd: notifier)
        let running = Task { try await service.run() }
        for _ in 0..<2 {
            while clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: .seconds(1))
        }
        try await running.value
        let messages = systemd.receive()
        #expect(messages.first?.hasPrefix("READY=1\nSTATUS=") == true, "\(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count == 3, "one a tick")
        #expect(messages.last == "STOPPING=1")
    }
}
