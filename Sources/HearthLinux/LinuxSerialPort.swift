import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A serial port through a tty device (`/dev/ttyAMA0`, `/dev/ttyUSB0`): raw mode, 8N1, no flow
/// control, at one of the standard line speeds. Every call, termios included (as TCGETS/TCSETS),
/// passes through the system-call seam.
public final class LinuxSerialPort: SerialPort {
    public let name: String
    private let fd: Int32
    private let sys: SystemCalls
    private let lock = Mutex(())

    /// The line speeds the port accepts, bits per second, and their termios codes.
    static let speeds: [Int: speed_t] = [
        9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
        115_200: speed_t(B115200), 230_400: speed_t(B230400), 460_800: speed_t(B460800), 500_000: speed_t(B500000),
        576_000: speed_t(B576000), 921_600: speed_t(B921600), 1_000_000: speed_t(B1000000), 1_500_000: speed_t(B1500000),
        2_000_000: speed_t(B2000000), 3_000_000: speed_t(B3000000),
    ]

    /// Opens the port in raw mode at `baud`.
    public init(path: String, baud: Int = 115_200, sys: SystemCalls = .live) throws(HALError) {
        self.name = path
        self.sys = sys
        do {
            fd = try retryingOnInterrupt { () throws(Errno) in try sys.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC, 0) }
        } catch {
            let hint: String? = switch error.rawValue {
            case ENOENT: "no such port; on a Raspberry Pi enable the UART (see Board/README.md)"
            case EACCES, EPERM: "the daemon's user needs access to \(path) (the dialout group)"
            default: nil
            }
            throw HALError(error, doing: "open", device: path, hint: hint)
        }
        do {
            try setBaudRate(baud)
        } catch {
            try? sys.close(fd)
            throw error
        }
    }

    deinit { try? sys.close(fd) }

    public func setBaudRate(_ baud: Int) throws(HALError) {
        guard let speed = Self.speeds[baud] else {
            throw HALError(
                .notSupported, "\(baud) baud is not a standard line speed (\(Self.speeds.keys.sorted().map(String.init).joined(separator: ", ")))",
                device: name)
        }
        var settings = termios()
        do {
            _ = try withUnsafeMutablePointer(to: &settings) { pointer throws(Errno) in
                try sys.control(fd, UInt(TCGETS), UnsafeMutableRawPointer(pointer))
            }
        } catch {
            throw HALError(error, doing: "read the line settings (TCGETS)", device: name, hint: "is this a serial port?")
        }
        cfmakeraw(&settings)
        settings.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        settings.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        settings.c_cc.6 = 0  // VMIN: reads return what is there; poll does the waiting
        settings.c_cc.5 = 0  // VTIME
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        do {
            _ = try withUnsafeMutablePointer(to: &settings) { pointer throws(Errno) in
                // TCSETSW: what was written before goes out at the old speed first (a command that
                // tells the far end to change speed must arrive whole).
                try sys.control(fd, UInt(TCSETSW), UnsafeMutableRawPointer(pointer))
            }
        } catch {
            throw HALError(error, doing: "set \(baud) baud (TCSETSW)", device: name)
        }
    }

    public func write(_ bytes: [UInt8]) throws(HALError) {
        try lock.withLock { _ throws(HALError) in
            var sent = 0
            while sent < bytes.count {
                let outcome: Result<Int, Errno> = bytes[sent...].withUnsafeBytes { buffer in
                    Result { () throws(Errno) in try retryingOnInterrupt { () throws(Errno) in try sys.write(fd, buffer) } }
                }
                switch outcome {
                case .success(let count): sent += count
                case .failure(let error): throw HALError(error, doing: "write", device: name)
                }
            }
        }
    }

    public func read(maxCount: Int, timeout: Duration) throws(HALError) -> [UInt8] {
        guard maxCount > 0 else { return [] }
        return try lock.withLock { _ throws(HALError) -> [UInt8] in
            let milliseconds = Int32(clamping: max(timeout.nanoseconds / 1_000_000, 0))
            let polled = Result { () throws(Errno) in try retryingOnInterrupt { () throws(Errno) in try sys.pollInput(fd, milliseconds) } }
            switch polled {
            case .success(true): break
            case .success(false): return []
            case .failure(let error): throw HALError(error, doing: "wait for input", device: name)
            }
            var buffer = [UInt8](repeating: 0, count: maxCount)
            let outcome: Result<Int, Errno> = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in try retryingOnInterrupt { () throws(Errno) in try sys.read(fd, raw) } }
            }
            switch outcome {
            case .success(let count): return Array(buffer.prefix(count))
            case .failure(let error): throw HALError(error, doing: "read", device: name)
            }
        }
    }

    public func discardInput() throws(HALError) {
        do {
            _ = try sys.control(fd, UInt(TCFLSH), UnsafeMutableRawPointer(bitPattern: UInt(TCIFLUSH)))
        } catch {
            throw HALError(error, doing: "discard input (TCFLSH)", device: name)
        }
    }
}
