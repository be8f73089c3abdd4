/// A digital output line, in logical terms: `true` is active. Whether active means high or low
/// is the line's configuration (active-low), decided once when the line is obtained.
public protocol DigitalOutput: Sendable {
    /// Drives the line active or inactive.
    func set(active: Bool) throws(HALError)
}

/// A digital input line, in logical terms: `true` is active.
public protocol DigitalInput: Sendable {
    /// Reads whether the line is active now.
    func isActive() throws(HALError) -> Bool
}

/// One edge on an input line, as the backend saw it.
public struct EdgeEvent: Hashable, Sendable {
    /// Which way the logical value went.
    public enum Edge: Hashable, Sendable {
        case rising, falling
    }
    public var edge: Edge
    /// When the edge happened, on the monotonic clock of the backend (the kernel's, on Linux).
    public var timestamp: Duration

    public init(_ edge: Edge, at timestamp: Duration) {
        self.edge = edge
        self.timestamp = timestamp
    }
}

/// An input line that reports its edges with timestamps, e.g. a fan's tachometer.
public protocol EdgeEventSource: Sendable {
    /// Every edge seen since the last call, oldest first, without waiting. The backend's queue is
    /// bounded: a caller that calls too rarely loses the oldest events (the kernel keeps 16 per
    /// line by default), so count pulses over a window short enough for the fastest expected rate.
    func pendingEvents() throws(HALError) -> [EdgeEvent]
}

/// How a line is asked for: by its offset on the chip, or by the name the device tree gave it.
public enum GPIOLineSelector: Hashable, Sendable, CustomStringConvertible {
    case offset(UInt32)
    case name(String)

    public var description: String {
        switch self {
        case .offset(let offset): "\(offset)"
        case .name(let name): "\"\(name)\""
        }
    }
}

/// Which GPIO chip: by number (`/dev/gpiochipN`) or by label (e.g. `pinctrl-rp1`), which stays the
/// same when a kernel update renumbers the chips.
public enum GPIOChipSelector: Hashable, Sendable, CustomStringConvertible {
    case number(Int)
    case label(String)

    public var description: String {
        switch self {
        case .number(let number): "gpiochip\(number)"
        case .label(let label): "\"\(label)\""
        }
    }
}
