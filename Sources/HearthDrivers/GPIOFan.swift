import HearthHAL
import Synchronization

/// A 4-wire fan on a PWM channel, with its tachometer on a GPIO line that reports edges.
///
/// The speed comes from the timestamps of the tach edges, not from counting them in a window:
/// the time between the first and last edge seen in the last `window`, over the pulses between
/// them. That stays right when the line's event queue overflowed (the oldest edges are lost, the
/// newest are not) and needs no clock of its own for a turning fan. A fan whose newest edge is
/// older than `window` at `now` is reported stopped.
public final class GPIOFan: Fan {
    public let name: String
    private let pwm: any PWMOutput
    private let tach: (any EdgeEventSource)?
    private let frequency: Hertz
    private let pulsesPerRevolution: Int
    private let window: Duration
    /// The monotonic time of the tach line's timestamps (the kernel's CLOCK_MONOTONIC, or virtual time).
    private let now: @Sendable () -> Duration
    private let edges = Mutex<[Duration]>([])

    /// - Parameters:
    ///   - frequency: the PWM frequency (25 kHz for 4-wire fans).
    ///   - pulsesPerRevolution: tach pulses a revolution (2 for most fans), from the board file.
    ///   - window: how far back edges count; also how long without an edge means stopped.
    public init(
        name: String, pwm: any PWMOutput, frequency: Hertz = Hertz(25_000), tach: (any EdgeEventSource)?,
        pulsesPerRevolution: Int = 2, window: Duration = .seconds(1), now: @escaping @Sendable () -> Duration
    ) {
        self.name = name
        self.pwm = pwm
        self.frequency = frequency
        self.tach = tach
        self.pulsesPerRevolution = max(pulsesPerRevolution, 1)
        self.window = window
        self.now = now
    }

    public func setDuty(_ duty: DutyCycle) throws(HALError) {
        guard let setting = PWMSetting(frequency: frequency, duty: duty) else {
            throw HALError(.outOfRange, "fan PWM frequency \(frequency) has no period", device: name)
        }
        try pwm.apply(setting)
    }

    public func speed() throws(HALError) -> RPM? {
        guard let tach else { return nil }
        let fresh = try tach.pendingEvents().filter { $0.edge == .falling }.map(\.timestamp)
        let now = self.now()
        return edges.withLock { edges in
            edges += fresh
            let oldest = now - window
            edges.removeAll { $0 < oldest }
            guard let first = edges.first, let last = edges.last else { return RPM(0) }
            return RPM(Self.rpm(edges: edges.count, over: last - first, pulsesPerRevolution: pulsesPerRevolution))
        }
    }

    /// The speed a tach of `pulsesPerRevolution` gives for `edges` edges over `span`: a pure
    /// function for tests and the calibration tool.
    static func rpm(edges: Int, over span: Duration, pulsesPerRevolution: Int) -> Double {
        guard edges >= 2, span > .zero else { return 0 }
        return Double(edges - 1) / Double(pulsesPerRevolution) / span.seconds * 60
    }
}
