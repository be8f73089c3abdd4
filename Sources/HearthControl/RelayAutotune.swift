import HearthHAL

/// Relay autotuning (Åström–Hägglund), as Klipper's PID_CALIBRATE does it: drive full power below
/// the setpoint and none above (with a little hysteresis), let the room oscillate, measure the
/// oscillation's period and amplitude, and derive the ultimate gain Ku = 4d / (π·a) and period Tu.
/// The gains are Ziegler–Nichols' classic PID: Kp = 0.6·Ku, Ki = Kp / (Tu/2), Kd = Kp·Tu/8.
public struct RelayAutotune: Sendable {
    /// What the tuning found.
    public struct Result: Hashable, Sendable {
        /// The oscillation's period.
        public var period: Duration
        /// Half the peak-to-peak swing of the measurement.
        public var amplitude: Celsius
        /// The ultimate gain, W/°C.
        public var ultimateGain: Double
        /// Ziegler–Nichols' classic PID gains from the ultimate gain and period.
        public var gains: PIDGains
    }

    /// The temperature the relay switches around.
    public let setpoint: Celsius
    /// The power while the relay is closed (it gives zero while open).
    public let high: Watts
    /// The half band around the setpoint, °C.
    public let hysteresis: Celsius
    /// Cycles measured (after the first, which only settles).
    public let cycles: Int

    private var heating = true
    private var peak: Double?
    private var trough: Double?
    /// Start times of heating phases, and the peaks and troughs of finished half-cycles.
    private var heatingStarts: [Duration] = []
    private var peaks: [Double] = []
    private var troughs: [Double] = []

    /// A relay that starts heating; `cycles` is at least 2.
    public init(setpoint: Celsius, high: Watts, hysteresis: Celsius = Celsius(0.2), cycles: Int = 4) {
        self.setpoint = setpoint
        self.high = high
        self.hysteresis = hysteresis
        self.cycles = max(cycles, 2)
    }

    /// The relay's output for a measurement.
    public mutating func update(time: Duration, measurement: Celsius) -> Watts {
        let value = measurement.value
        // The room keeps rising after the relay opens and falling after it closes: the peak
        // comes in the off phase, the trough in the on phase.
        if heating {
            trough = min(trough ?? value, value)
            if measurement > setpoint + hysteresis {
                heating = false
                if let trough { troughs.append(trough) }
                peak = value
            }
        } else {
            peak = max(peak ?? value, value)
            if measurement < setpoint - hysteresis {
                heating = true
                if let peak { peaks.append(peak) }
                heatingStarts.append(time)
                trough = value
            }
        }
        return heating ? high : .zero
    }

    /// Whether enough cycles have been seen.
    public var isDone: Bool { heatingStarts.count > cycles && peaks.count > cycles && troughs.count > cycles }

    /// The result, once `isDone`; the first cycle is left out.
    public var result: Result? {
        guard isDone else { return nil }
        let starts = Array(heatingStarts.suffix(cycles + 1))
        let period = (starts[starts.count - 1] - starts[0]) / Double(cycles)
        let swings = zip(peaks.suffix(cycles), troughs.suffix(cycles)).map { $0 - $1 }
        let amplitude = swings.reduce(0, +) / Double(swings.count) / 2
        guard amplitude > 0 else { return nil }
        let ultimate = 4 * (high.value / 2) / (Double.pi * amplitude)
        let kp = 0.6 * ultimate
        let tu = period.seconds
        return Result(
            period: period, amplitude: Celsius(amplitude), ultimateGain: ultimate,
            gains: PIDGains(kp: kp, ki: kp / (tu / 2), kd: kp * tu / 8))
    }
}
