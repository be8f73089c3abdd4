import HearthHAL

/// Safety layer: failed reads. Any failed read is a doubt (compute off, fans full, this tick only:
/// one glitch on a bus is not a fault); `lostAfterTicks` failures of one sensor in a row latch it
/// as lost. A good read starts the count again.
public struct SensorLossLayer: Sendable {
    /// The limits; this layer uses `lostAfterTicks`.
    public var limits: SafetyLimits
    private var failures: [String: Int] = [:]

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one sensor's reading (every reading, good or failed, keeps the count honest).
    public mutating func check(_ sensor: SensorReading) -> SafetyVerdict {
        switch sensor.reading {
        case .failure(let error):
            let count = failures[sensor.name, default: 0] + 1
            failures[sensor.name] = count
            let lost: [SafetyFault] = count >= limits.lostAfterTicks ? [.sensorLost(sensor.name, error.kind)] : []
            return SafetyVerdict(faults: lost, doubts: ["sensor \(sensor.name): \(error.kind)"])
        case .success:
            failures[sensor.name] = 0
            return .allClear
        }
    }

    /// The failed reads of the sensor `name` in a row, up to now.
    public func failures(of name: String) -> Int { failures[name, default: 0] }

    /// A person cleared the faults: every count starts again.
    public mutating func reset() { failures = [:] }
}
