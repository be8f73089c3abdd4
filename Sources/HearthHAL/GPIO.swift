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
