import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A GPIO chip through the character device `/dev/gpiochipN` and libgpiod (1.6 or 2.x).
///
/// Lines are requested one at a time, each with its direction, active-low flag and, for outputs,
/// the value it takes from the moment of the request: the kernel applies all of it atomically,
/// so an output never glitches through an unsafe state on its way to the first `set`.
/// Active-low is handled in exactly that one place; everything above speaks logical values.
public final class GPIOChip: Sendable {
    /// The device node, e.g. `/dev/gpiochip0`.
    public let path: String
    /// The chip's label, e.g. `pinctrl-bcm2711`.
    public let label: String
    /// How many lines the chip has.
    public let lineCount: Int

    let library: GPIOLibrary
    let handle: GPIOHandle
    /// libgpiod's chip object is not thread-safe: every call on `handle` after `init` holds this.
    private let chipLock = Mutex(())

    /// Opens `/dev/gpiochip<number>`.
    public convenience init(number: Int, library: GPIOLibrary = .live) throws(HALError) {
        try self.init(path: "/dev/gpiochip\(number)", library: library)
    }

    /// Opens a GPIO character device.
    public init(path: String, library: GPIOLibrary = .live) throws(HALError) {
        self.path = path
        self.library = library
        let handle: GPIOHandle
        do {
            handle = try library.openChip(path)
        } catch {
            let hint: String? = switch error.rawValue {
            case EACCES, EPERM: "the daemon's user needs read-write access to \(path) (the gpio group)"
            case ENOENT: "no such GPIO chip; `gpiodetect` lists the chips this board has"
            default: nil
            }
            throw HALError(error, doing: "open GPIO chip", device: path, hint: hint)
        }
        do {
            (label, lineCount) = try library.chipInfo(handle)
        } catch {
            library.closeChip(handle)
            throw HALError(error, doing: "read GPIO chip info", device: path)
        }
        self.handle = handle
    }

    deinit {
        library.closeChip(handle)
    }

    /// The offset of a line, checked against the chip's line count; names are looked up.
    public func offset(of line: GPIOLineSelector) throws(HALError) -> UInt32 {
        switch line {
        case .offset(let offset):
            guard offset < lineCount else {
                throw HALError(.outOfRange, "the chip has \(lineCount) lines", device: path, line: line.description)
            }
            return offset
        case .name(let name):
            do {
                return try chipLock.withLock { _ throws(Errno) in try library.findLine(handle, name) }
            } catch {
                let hint = error.rawValue == ENOENT ? "no line has that name; `gpioinfo` lists them" : nil
                throw HALError(error, doing: "find line", device: path, line: line.description, hint: hint)
            }
        }
    }

    /// Requests a line as an output that is `initial` (logically) from the moment it is granted.
    public func requestOutput(
        _ line: GPIOLineSelector, consumer: String, initial: Bool, activeLow: Bool = false
    ) throws(HALError) -> GPIOOutputLine {
        let offset = try offset(of: line)
        let request = GPIOLineRequest(
            offset: offset, output: true, activeLow: activeLow, bias: .asIs, edges: .none, initialValue: initial)
        return GPIOOutputLine(chip: self, line: line, handle: try self.request(line, consumer: consumer, request))
    }

    /// Requests a line as an input, with edge events if `edges` is not `.none`.
    public func requestInput(
        _ line: GPIOLineSelector, consumer: String, activeLow: Bool = false, bias: GPIOBias = .asIs,
        edges: GPIOEdges = .none
    ) throws(HALError) -> GPIOInputLine {
        let offset = try offset(of: line)
        let request = GPIOLineRequest(
            offset: offset, output: false, activeLow: activeLow, bias: bias, edges: edges, initialValue: false)
        return GPIOInputLine(chip: self, line: line, handle: try self.request(line, consumer: consumer, request))
    }

    private func request(
        _ line: GPIOLineSelector, consumer: String, _ request: GPIOLineRequest
    ) throws(HALError) -> GPIOHandle {
        do {
            return try chipLock.withLock { _ throws(Errno) in try library.requestLine(handle, consumer, request) }
        } catch {
            let hint: String? = switch error.rawValue {
            case EBUSY: "another program or a kernel driver holds the line; `gpioinfo` shows its consumer"
            case EINVAL: "the chip refused the line settings (bias or edge detection may be unsupported)"
            default: nil
            }
            throw HALError(error, doing: "request line", device: path, line: line.description, hint: hint)
        }
    }
}

/// A requested line; released when the last reference goes.
public class GPIOLine: @unchecked Sendable {
    // Sendable: `chip` and `line` are immutable; every use of `handle` is inside `lock`.
    let chip: GPIOChip
    let line: GPIOLineSelector
    let lock = Mutex<GPIOHandle?>(nil)

    init(chip: GPIOChip, line: GPIOLineSelector, handle: GPIOHandle) {
        self.chip = chip
        self.line = line
        lock.withLock { $0 = handle }
    }

    deinit {
        if let handle = lock.withLock({ $0 }) { chip.library.release(handle) }
    }

    func withHandle<T: Sendable>(_ action: String, _ body: (GPIOHandle) throws(Errno) -> T) throws(HALError) -> T {
        let outcome: Result<T, Errno> = lock.withLock { handle in
            // A line is only ever constructed with a handle.
            Result { () throws(Errno) in try body(handle!) }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw HALError(error, doing: action, device: chip.path, line: line.description)
        }
    }
}

/// An output line.
public final class GPIOOutputLine: GPIOLine, DigitalOutput, @unchecked Sendable {
    public func set(active: Bool) throws(HALError) {
        try withHandle("set line") { handle throws(Errno) in try chip.library.setValue(handle, active) }
    }

    /// The logical value the line is driven to, as the kernel reports it.
    public func isActive() throws(HALError) -> Bool {
        try withHandle("read line") { handle throws(Errno) in try chip.library.getValue(handle) }
    }
}

/// An input line, with edge events when it was requested with them (a fan tachometer).
public final class GPIOInputLine: GPIOLine, DigitalInput, EdgeEventSource, @unchecked Sendable {
    public func isActive() throws(HALError) -> Bool {
        try withHandle("read line") { handle throws(Errno) in try chip.library.getValue(handle) }
    }

    public func pendingEvents() throws(HALError) -> [EdgeEvent] {
        try withHandle("read edge events") { handle throws(Errno) in
            try chip.library.pendingEvents(handle).map {
                EdgeEvent($0.rising ? .rising : .falling, at: .nanoseconds(Int64(clamping: $0.timestampNanoseconds)))
            }
        }
    }
}

extension GPIOChip {
    /// Opens the chip a board file names: `/dev/gpiochipN` by number, or the chip whose label matches.
    public static func open(
        _ selector: GPIOChipSelector, devices: String = "/dev", sys: SystemCalls = .live, library: GPIOLibrary = .live
    ) throws(HALError) -> GPIOChip {
        switch selector {
        case .number(let number):
            return try GPIOChip(path: "\(devices)/gpiochip\(number)", library: library)
        case .label(let label):
            let names: [String]
            do {
                names = try sys.listDirectory(devices).filter { $0.hasPrefix("gpiochip") }
            } catch {
                throw HALError(error, doing: "list GPIO chips", device: devices)
            }
            var labels: [String] = []
            for name in names {
                guard let chip = try? GPIOChip(path: "\(devices)/\(name)", library: library) else { continue }
                if chip.label == label { return chip }
                labels.append("\(name) (\(chip.label))")
            }
            throw HALError(
                .unavailable, "no GPIO chip labelled \"\(label)\"; found: \(labels.isEmpty ? "none" : labels.joined(separator: ", "))",
                device: devices)
        }
    }
}
