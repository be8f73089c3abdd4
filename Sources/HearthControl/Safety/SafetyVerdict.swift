import HearthHAL

/// What one safety layer found in one tick: the shape every layer answers in, so the supervisor
/// composes them the same way. It latches each fault (once per key, in the order found), stops
/// compute this tick for any doubt, allows the lowest power any layer allows, and runs the fans
/// full if any layer asks.
public struct SafetyVerdict: Hashable, Sendable {
    /// Faults to latch, in the order found.
    public var faults: [SafetyFault]
    /// Reasons, in words, to stop compute and run the fans full this tick without latching.
    public var doubts: [String]
    /// Other news for the log (throttled, resumed).
    public var events: [SafetyEvent]
    /// The most power this layer allows this tick; `nil` for no limit.
    public var maxPower: Watts?
    /// Whether this layer wants the fans full this tick.
    public var fansFull: Bool

    /// A verdict; by default nothing found.
    public init(
        faults: [SafetyFault] = [], doubts: [String] = [], events: [SafetyEvent] = [], maxPower: Watts? = nil,
        fansFull: Bool = false
    ) {
        self.faults = faults
        self.doubts = doubts
        self.events = events
        self.maxPower = maxPower
        self.fansFull = fansFull
    }

    /// Nothing found: no fault, no doubt, no limit.
    public static let allClear = SafetyVerdict()
}
