import Glibc
import HearthHAL
import HearthLinux
import Testing

/// The serial backend against a real pseudo-terminal: the kernel's own tty layer, termios included.
@Suite struct LinuxSerialPortTests {
    /// A pty pair: the port opens the follower by path; the test plays the far end on the leader.
    func pty() throws -> (leader: Int32, path: String, follower: Int32) {
        var leader: Int32 = -1, follower: Int32 = -1
        guard openpty(&leader, &follower, nil, nil, nil) == 0 else { throw Errno.current }
        return (leader, String(cString: ttyname(follower)), follower)
    }

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
