import CGPIOShim
import HearthHAL

/// The internal pull resistor of an input line.
public enum GPIOBias: Hashable, Sendable {
    case asIs, disabled, pullUp, pullDown
}

/// Which edges of an input line are reported.
public enum GPIOEdges: Hashable, Sendable {
    case none, rising, falling, both
}

/// A request for one line, in the terms the shim takes.
public struct GPIOLineRequest: Hashable, Sendable {
    public var offset: UInt32
    public var output: Bool
    public var activeLow: Bool
    public var bias: GPIOBias
    public var edges: GPIOEdges
    /// Logical value an output takes from the moment of request.
    public var initialValue: Bool
}

/// An opaque libgpiod handle. The one place unchecked sendability lives in the GPIO backend: every
/// use of a handle is serialised by the `Mutex` of the object that owns it.
public struct GPIOHandle: @unchecked Sendable, Hashable {
    public let pointer: OpaquePointer
    public init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Every call into libgpiod passes through one of these closures (the shim's API), so that tests
/// can force any errno at any step and a fake chip can stand in where the machine has none.
public struct GPIOLibrary: Sendable {
    /// Which libgpiod API the shim was compiled against (1 or 2), and the library's version string.
    public var version: @Sendable () -> (api: Int, library: String)
    public var openChip: @Sendable (_ path: String) throws(Errno) -> GPIOHandle
    public var closeChip: @Sendable (GPIOHandle) -> Void
    public var chipInfo: @Sendable (GPIOHandle) throws(Errno) -> (label: String, lineCount: Int)
    public var findLine: @Sendable (GPIOHandle, _ name: String) throws(Errno) -> UInt32
    public var requestLine: @Sendable (GPIOHandle, _ consumer: String, GPIOLineRequest) throws(Errno) -> GPIOHandle
    public var release: @Sendable (GPIOHandle) -> Void
    public var setValue: @Sendable (GPIOHandle, Bool) throws(Errno) -> Void
    public var getValue: @Sendable (GPIOHandle) throws(Errno) -> Bool
    /// Edge events pending now, without waiting.
    public var pendingEvents: @Sendable (GPIOHandle) throws(Errno) -> [(timestampNanoseconds: UInt64, rising: Bool)]

    public init(
        version: @escaping @Sendable () -> (api: Int, library: String),
        openChip: @escaping @Sendable (String) throws(Errno) -> GPIOHandle,
        closeChip: @escaping @Sendable (GPIOHandle) -> Void,
        chipInfo: @escaping @Sendable (GPIOHandle) throws(Errno) -> (label: String, lineCount: Int),
        findLine: @escaping @Sendable (GPIOHandle, String) throws(Errno) -> UInt32,
        requestLine: @escaping @Sendable (GPIOHandle, String, GPIOLineRequest) throws(Errno) -> GPIOHandle,
        release: @escaping @Sendable (GPIOHandle) -> Void,
        setValue: @escaping @Sendable (GPIOHandle, Bool) throws(Errno) -> Void,
        getValue: @escaping @Sendable (GPIOHandle) throws(Errno) -> Bool,
        pendingEvents: @escaping @Sendable (GPIOHandle) throws(Errno) -> [(timestampNanoseconds: UInt64, rising: Bool)]
    ) {
        self.version = version
        self.openChip = openChip
        self.closeChip = closeChip
        self.chipInfo = chipInfo
        self.findLine = findLine
        self.requestLine = requestLine
        self.release = release
        self.setValue = setValue
        self.getValue = getValue
        self.pendingEvents = pendingEvents
    }

    /// libgpiod through the shim.
    public static let live = GPIOLibrary(
        version: { (Int(hearth_gpio_api()), String(cString: hearth_gpio_library_version())) },
        openChip: { path throws(Errno) in
            guard let chip = hearth_gpio_chip_open(path) else { throw Errno.current }
            return GPIOHandle(chip)
        },
        closeChip: { hearth_gpio_chip_close($0.pointer) },
        chipInfo: { chip throws(Errno) in
            var label = [CChar](repeating: 0, count: 64)
            var lines: UInt32 = 0
            let result = label.withUnsafeMutableBufferPointer { buffer in
                hearth_gpio_chip_info(chip.pointer, buffer.baseAddress, buffer.count, &lines)
            }
            if result < 0 { throw Errno.current }
            return (String(decoding: label.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(lines))
        },
        findLine: { chip, name throws(Errno) in
            let offset = hearth_gpio_chip_find_line(chip.pointer, name)
            if offset < 0 { throw Errno.current }
            return UInt32(offset)
        },
        requestLine: { chip, consumer, request throws(Errno) in
            var config = hearth_gpio_line_config()
            config.offset = request.offset
            config.direction = request.output ? HEARTH_GPIO_OUTPUT : HEARTH_GPIO_INPUT
            config.active_low = request.activeLow
            config.bias = switch request.bias {
            case .asIs: HEARTH_GPIO_BIAS_AS_IS
            case .disabled: HEARTH_GPIO_BIAS_DISABLED
            case .pullUp: HEARTH_GPIO_BIAS_PULL_UP
            case .pullDown: HEARTH_GPIO_BIAS_PULL_DOWN
            }
            config.edge = switch request.edges {
            case .none: HEARTH_GPIO_EDGE_NONE
            case .rising: HEARTH_GPIO_EDGE_RISING
            case .falling: HEARTH_GPIO_EDGE_FALLING
            case .both: HEARTH_GPIO_EDGE_BOTH
            }
            config.initial_value = request.initialValue ? 1 : 0
            guard let line = hearth_gpio_request_line(chip.pointer, consumer, &config) else { throw Errno.current }
            return GPIOHandle(line)
        },
        release: { hearth_gpio_request_release($0.pointer) },
        setValue: { line, value throws(Errno) in
            if hearth_gpio_set_value(line.pointer, value ? 1 : 0) < 0 { throw Errno.current }
        },
        getValue: { line throws(Errno) in
            let value = hearth_gpio_get_value(line.pointer)
            if value < 0 { throw Errno.current }
            return value == 1
        },
        pendingEvents: { line throws(Errno) in
            var events: [(timestampNanoseconds: UInt64, rising: Bool)] = []
            var buffer = [hearth_gpio_event](repeating: hearth_gpio_event(), count: 16)
            while true {
                let ready = try retryingOnInterrupt { () throws(Errno) -> Int32 in
                    let result = hearth_gpio_wait_event(line.pointer, 0)
                    if result < 0 { throw Errno.current }
                    return result
                }
                if ready == 0 { return events }
                let count = try retryingOnInterrupt { () throws(Errno) -> Int32 in
                    let result = buffer.withUnsafeMutableBufferPointer {
                        hearth_gpio_read_events(line.pointer, $0.baseAddress, UInt32($0.count))
                    }
                    if result < 0 { throw Errno.current }
                    return result
                }
                events += buffer[..<Int(count)].map { ($0.timestamp_ns, $0.rising) }
            }
        }
    )
}
