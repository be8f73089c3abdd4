import HearthHAL

/// Safety layer: the fan's drive. A duty write that failed at the last tick leaves the fan at
/// whatever it last took, perhaps stopped under a working heat sink: a doubt at once (compute off,
/// fans full asked again this tick), and `lostAfterTicks` failed writes in a row latch
/// `fanUndriveable` with the last error's kind. A write that went through starts the count again.
/// Its own layer beside `FanLayer`: that one judges the tach over time, this one counts writes.
public struct FanDriveLayer: Sendable {
    /// The limits; this layer uses `lostAfterTicks`.
    public var limits: SafetyLimits
    /// Failed duty writes in a row, up to now.
    public private(set) var failures = 0

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges the last tick's duty write: the error it threw, or `nil` when it went through (or
    /// the board has no fan).
    public mutating func check(_ error: HALError?) -> SafetyVerdict {
        guard let error else {
            failures = 0
            return .allClear
        }
        failures += 1
        let undriveable: [SafetyFault] = failures >= limits.lostAfterTicks ? [.fanUndriveable(error.kind)] : []
        return SafetyVerdict(faults: undriveable, doubts: ["fan drive: \(error.kind)"])
    }

    /// A person cleared the faults: the count starts again.
    public mutating func reset() { failures = 0 }
}
