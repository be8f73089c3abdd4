import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's watchdog device (`/dev/watchdog`): once it is open, the board resets unless it is
/// written to within the driver's timeout. A daemon that hangs, or a kernel that does, ends in a
/// reset, and a heater that resets starts in its safe state. `stop()` disarms it on a clean exit
/// (the "magic close": a `V` before closing), after the outputs are safe.
public final class HardwareWatchdog: Watchdog {
    /// The device node, e.g. `/dev/watchdog`.
    public let path: String
    private let sys: SystemCalls
    private let descriptor: Mutex<Int32?>

    /// Opens and so arms the watchdog at `path`. Throws `unavailable` (with what to do) when the
    /// node is missing or held by another program, else the kind of the errno `open(2)` gave.
    public init(path: String = "/dev/watchdog", sys: SystemCalls = .live) throws(HALError) {
        self.path = path
        self.sys = sys
        do {
            descriptor = Mutex(try sys.open(path, O_WRONLY | O_CLOEXEC, 0))
        } catch {
            let hint: String? = switch error.rawValue {
            case EBUSY: "another program holds it (a watchdog daemon, or systemd's RuntimeWatchdogSec)"
            case ENOENT: "no watchdog driver is loaded (on a Pi: dtparam=watchdog=on in config.txt)"
            default: nil
            }
            throw HALError(error, doing: "open watchdog", device: path, hint: hint)
        }
    }

    /// Tells the watchdog the daemon is alive: writes one byte. Throws `unavailable` once stopped,
    /// else the kind of the errno `write(2)` gave.
    public func pet() throws(HALError) {
        try write(0)
    }

    /// Disarms the watchdog and closes it. Idempotent. A failed write of the magic `V` leaves it
    /// armed, so the board resets at the timeout (the safe outcome).
    public func stop() {
        try? write(UInt8(ascii: "V"))
        descriptor.withLock { fd in
            if let open = fd { try? sys.close(open) }
            fd = nil
        }
    }

    private func write(_ byte: UInt8) throws(HALError) {
        try descriptor.withLock { fd throws(HALError) in
            guard let open = fd else { throw HALError(.unavailable, "the watchdog is closed", device: path) }
            let bytes: [UInt8] = [byte]
            do {
                _ = try bytes.withUnsafeBytes { buffer throws(Errno) in try sys.write(open, buffer) }
            } catch let error as Errno {
                throw HALError(error, doing: "write watchdog", device: path)
            } catch {
                throw HALError(.unavailable, "write watchdog failed: \(error)", device: path)
            }
        }
    }
}
