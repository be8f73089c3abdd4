import Foundation
import Glibc
import HearthDrivers
import HearthHAL
import HearthLinux
import HearthMining
import HearthSim
import Synchronization
import Testing

/// A pty pair: the port opens the follower by path; the test plays the far end on the leader.
/// (`ttyname_r`, not `ttyname`, whose one static buffer the tests running in parallel would share.)
func pty() throws -> (leader: Int32, path: String, follower: Int32) {
    var leader: Int32 = -1, follower: Int32 = -1
    guard openpty(&leader, &follower, nil, nil, nil) == 0 else { throw Errno.current }
    var name = [CChar](repeating: 0, count: 128)
    guard ttyname_r(follower, &name, name.count) == 0 else { throw Errno.current }
    return (leader, String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), follower)
}

/// The serial backend against a real pseudo-terminal: the kernel's own tty layer, termios included.
@Suite struct LinuxSerialPortTests {
    @Test func bytesGoBothWaysInRawMode() throws {
        let (leader, path, follower) = try pty()
        defer { close(leader); close(follower) }
        let port = try LinuxSerialPort(path: path, baud: 115_200)
        // Raw mode: 0x0A and 0x03 pass untouched (no newline mapping, no interrupt character).
        try port.write([0x55, 0xAA, 0x0A, 0x03, 0xFF])
        var received = [UInt8](repeating: 0, count: 16)
        let count = Glibc.read(leader, &received, 16)
        #expect(Array(received.prefix(count)) == [0x55, 0xAA, 0x0A, 0x03, 0xFF])

        let reply: [UInt8] = [0xAA, 0x55, 0x13, 0x66, 0x00, 0x0D]
        _ = Glibc.write(leader, reply, reply.count)
        #expect(try port.read(maxCount: 64, timeout: .seconds(5)) == reply)
        #expect(try port.read(maxCount: 64, timeout: .milliseconds(10)).isEmpty, "nothing more: an empty read after the timeout")
    }

    @Test func discardInputDropsWhatWaits() throws {
        let (leader, path, follower) = try pty()
        defer { close(leader); close(follower) }
        let port = try LinuxSerialPort(path: path)
        _ = Glibc.write(leader, [1, 2, 3] as [UInt8], 3)
        _ = try port.read(maxCount: 1, timeout: .seconds(5))
        try port.discardInput()
        #expect(try port.read(maxCount: 8, timeout: .milliseconds(10)).isEmpty)
    }

    @Test func speedsAndRefusals() throws {
        let (leader, path, follower) = try pty()
        defer { close(leader); close(follower) }
        let port = try LinuxSerialPort(path: path, baud: 1_000_000)
        try port.setBaudRate(115_200)
        #expect { try port.setBaudRate(123_456) } throws: { ($0 as? HALError)?.kind == .notSupported }
        #expect {
            try LinuxSerialPort(path: "/nonexistent/ttyAMA9")
        } throws: { error in
            (error as? HALError)?.kind == .unavailable && (error as? HALError)?.detail.contains("UART") == true
        }
        #expect {
            try LinuxSerialPort(path: "/dev/null")
        } throws: { error in
            (error as? HALError)?.kind == .notSupported && (error as? HALError)?.detail.contains("serial port") == true
        }
    }

    @Test func forcedErrnoOnWriteAndWait() throws {
        let (leader, path, follower) = try pty()
        defer { close(leader); close(follower) }
        var sys = SystemCalls.live
        sys.write = { _, _ throws(Errno) in throw Errno(EIO) }
        sys.pollInput = { _, _ throws(Errno) in throw Errno(EBADF) }
        let port = try LinuxSerialPort(path: path, sys: sys)
        #expect { try port.write([1]) } throws: { ($0 as? HALError)?.kind == .busError && ($0 as? HALError)?.errno == EIO }
        #expect { try port.read(maxCount: 1, timeout: .zero) } throws: { ($0 as? HALError)?.errno == EBADF }
    }
}

/// The hash chain's driver through the real serial backend: the twin of the chips plays the far
/// end of a pseudo-terminal, fed by a thread that moves bytes between the pty and the twin.
@Suite struct BM13xxOverAPseudoTerminalTests {
    final class Far: Sendable {
        let leader: Int32
        let follower: Int32
        let twin: BM13xxTwin
        let running = Atomic<Bool>(true)
        let finished = DispatchSemaphore(value: 0)

        init(leader: Int32, follower: Int32, twin: BM13xxTwin) {
            self.leader = leader
            self.follower = follower
            self.twin = twin
        }

        /// Until stopped: what the port sent goes to the twin, what the twin answers goes back,
        /// at the line speed the port set on the tty (the twin hears nothing at the wrong one).
        func pump() {
            var buffer = [UInt8](repeating: 0, count: 512)
            let speeds: [speed_t: Int] = [speed_t(B115200): 115_200, speed_t(B1000000): 1_000_000]
            while running.load(ordering: .relaxed) {
                var poller = pollfd(fd: leader, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 1) > 0 {
                    let count = Glibc.read(leader, &buffer, buffer.count)
                    // The speed as set when the bytes were written: read after them, since the
                    // port sets the speed before it writes (read before, a thread that lost the
                    // processor between the two took new bytes for old-speed ones).
                    var settings = termios()
                    if tcgetattr(follower, &settings) == 0 { try? twin.setBaudRate(speeds[cfgetospeed(&settings)] ?? 0) }
                    if count > 0 { try? twin.write(Array(buffer.prefix(count))) }
                }
                if let answer = try? twin.read(maxCount: 4096, timeout: .zero), !answer.isEmpty {
                    _ = answer.withUnsafeBytes { Glibc.write(leader, $0.baseAddress, $0.count) }
                }
            }
            finished.signal()
        }

        /// Stops the thread and waits for it: only then may the pty's descriptors be closed.
        func stop() {
            running.store(false, ordering: .relaxed)
            finished.wait()
        }
    }

    @Test func theChainCountsRampsAndReturnsRealNoncesThroughATTY() throws {
        let (leader, path, follower) = try pty()
        let easy = 1.0 / 16_777_216  // one hash in 256
        let twin = BM13xxTwin(settings: .init(model: .bm1368, chips: 3, difficulty: easy, noncesPerRead: 1 << 12))
        let far = Far(leader: leader, follower: follower, twin: twin)
        Thread { far.pump() }.start()
        defer {
            far.stop()
            close(leader)
            close(follower)
        }

        let port = try LinuxSerialPort(path: path)
        // At the chips' reset speed: a pty does not carry a speed change in step with the bytes.
        let chain = BM13xxChain(
            port: port, reset: nil, power: nil, configuration: .init(model: .bm1368, ticketDifficulty: easy, fastBaud: nil),
            sleep: { _ in })
        #expect(try chain.start() == 3, "three chips counted through the tty")
        while try !chain.step(toward: 200) {}
        // The far end is a thread away: wait (without a time limit worth asserting) for it to catch up.
        for _ in 0..<1000 where abs((twin.frequencies.last ?? 0) - 200) > 0.5 { usleep(5000) }
        #expect(twin.addresses == [0, 85, 170])
        #expect(abs((twin.frequencies.last ?? 0) - 200) < 0.5, "the clock ramped through the tty")

        let header = BlockHeader(
            version: 0x2000_0000, previousHash: (0..<32).map { UInt8($0) }, merkleRoot: (0..<32).map { UInt8(255 - $0) },
            time: 1_700_000_000, bits: 0x1703_0ECD, nonce: 0)
        try chain.setVersionMask(0x1FFF_E000)
        let id = chain.nextJobID()
        try chain.send(BM13xx.Job(
            id: id, bits: header.bits, time: header.time, merkleRoot: header.merkleRoot, previousHash: header.previousHash,
            version: header.version))
        var nonces: [(UInt32, UInt16)] = []
        for _ in 0..<500 where nonces.count < 8 {
            for case .nonce(let nonce, let jobByte, let bits) in try chain.responses(timeout: .milliseconds(20)) {
                #expect(chain.jobID(of: jobByte) == id)
                nonces.append((nonce, bits))
            }
        }
        #expect(nonces.count >= 8 && chain.badFrames == 0, "jobs \(twin.jobs), bad \(twin.badFrames), \(nonces.count) nonces, \(chain.badFrames) broken")
        for (nonce, bits) in nonces {
            var hashed = header
            hashed.version |= UInt32(bits) << 13
            hashed.nonce = nonce
            #expect(Target(difficulty: easy).isMet(by: hashed.hash), "nonce \(nonce) version bits \(bits)")
        }
    }
}
