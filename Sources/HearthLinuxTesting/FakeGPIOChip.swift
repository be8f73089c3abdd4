import Glibc
import HearthHAL
import HearthLinux
import Synchronization

/// A GPIO chip emulated behind the `GPIOLibrary` seam, keeping physical levels the way the kernel
/// does: a line's logical value is its level inverted when it was requested active-low.
public final class FakeGPIOChip: Sendable {
    public struct Line: Sendable {
        public var name: String
        public var level = false
        public var consumer: String?
        public var request: GPIOLineRequest?
        /// The physical level at the instant the request was granted.
        public var levelAtRequest: Bool?
        public var events: [(timestampNanoseconds: UInt64, rising: Bool)] = []
    }
    struct State: Sendable {
        var lines: [Line]
        var open = 0
        var forced: [String: Errno] = [:]
    }
    let state: Mutex<State>

    public let label: String
    public let path: String

    /// A chip at `path` whose lines have these names, in offset order.
    public init(names: [String], label: String = "fake-gpio", path: String = "/dev/gpiochip0") {
        self.label = label
        self.path = path
        state = Mutex(State(lines: names.map { Line(name: $0) }))
    }

    public func force(_ call: String, _ errno: Int32) { state.withLock { $0.forced[call] = Errno(errno) } }
    public func line(_ offset: Int) -> Line { state.withLock { $0.lines[offset] } }
    public var openHandles: Int { state.withLock { $0.open } }

    /// The outside world moves an input's physical level, which makes an edge event if watched.
    public func drive(_ offset: Int, level: Bool, at nanoseconds: UInt64) {
        state.withLock { state in
            let old = state.lines[offset].level
            state.lines[offset].level = level
            guard let request = state.lines[offset].request, old != level else { return }
            let rising = level != request.activeLow
            let wanted = switch request.edges {
            case .none: false
            case .both: true
            case .rising: rising
            case .falling: !rising
            }
            if wanted { state.lines[offset].events.append((nanoseconds, rising)) }
        }
    }

    private func check(_ call: String) throws(Errno) {
        if let error = state.withLock({ $0.forced.removeValue(forKey: call) }) { throw error }
    }

    private static func offset(_ handle: GPIOHandle) -> Int { Int(bitPattern: UnsafeRawPointer(handle.pointer)) - 0x1000 }
    private static func handle(_ offset: Int) -> GPIOHandle { GPIOHandle(OpaquePointer(bitPattern: 0x1000 + offset)!) }
    private static let chipHandle = GPIOHandle(OpaquePointer(bitPattern: 0x100)!)

    public var library: GPIOLibrary {
        GPIOLibrary(
            version: { (0, "fake") },
            openChip: { [self] path throws(Errno) in
                try check("open")
                guard path == self.path else { throw Errno(ENOENT) }
                state.withLock { $0.open += 1 }
                return Self.chipHandle
            },
            closeChip: { [self] _ in state.withLock { $0.open -= 1 } },
            chipInfo: { [self] _ throws(Errno) in
                try check("info")
                return (label, state.withLock { $0.lines.count })
            },
            findLine: { [self] _, name throws(Errno) in
                guard let offset = state.withLock({ $0.lines.firstIndex { $0.name == name } }) else { throw Errno(ENOENT) }
                return UInt32(offset)
            },
            requestLine: { [self] _, consumer, request throws(Errno) in
                try check("request")
                let offset = Int(request.offset)
                let granted = state.withLock { state -> Bool in
                    guard state.lines[offset].consumer == nil else { return false }
                    state.lines[offset].consumer = consumer
                    state.lines[offset].request = request
                    if request.output { state.lines[offset].level = request.initialValue != request.activeLow }
                    state.lines[offset].levelAtRequest = state.lines[offset].level
                    state.open += 1
                    return true
                }
                guard granted else { throw Errno(EBUSY) }
                return Self.handle(offset)
            },
            release: { [self] handle in
                state.withLock { state in
                    state.lines[Self.offset(handle)].consumer = nil
                    state.lines[Self.offset(handle)].request = nil
                    state.open -= 1
                }
            },
            setValue: { [self] handle, value throws(Errno) in
                try check("set")
                state.withLock { state in
                    let line = state.lines[Self.offset(handle)]
                    state.lines[Self.offset(handle)].level = value != line.request!.activeLow
                }
            },
            getValue: { [self] handle throws(Errno) in
                try check("get")
                return state.withLock { state in
                    let line = state.lines[Self.offset(handle)]
                    return line.level != line.request!.activeLow
                }
            },
            pendingEvents: { [self] handle throws(Errno) in
                try check("events")
                return state.withLock { state in
                    defer { state.lines[Self.offset(handle)].events.removeAll() }
                    return state.lines[Self.offset(handle)].events
                }
            }
        )
    }
}

