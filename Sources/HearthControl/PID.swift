import HearthHAL

/// Proportional, integral and derivative gains. The integral gain is per second and the
/// derivative gain in seconds, so the gains do not depend on the tick rate.
public struct PIDGains: Hashable, Sendable, Codable {
    /// Proportional gain: output units per unit of error.
    public var kp: Double
    /// Integral gain: output units per unit of error and second.
    public var ki: Double
    /// Derivative gain: output units per unit of error change per second, times seconds.
    public var kd: Double

    /// The three gains, as above.
    public init(kp: Double, ki: Double, kd: Double) {
        self.kp = kp
        self.ki = ki
        self.kd = kd
    }
}

/// A PID controller with the habits a heater needs: derivative on the measurement (a setpoint
/// change gives no kick), low-pass filtered; an integral clamped to the output range and frozen
/// while the output is saturated in the direction the error pushes (no wind-up); bumpless
/// transfer when it takes over from something else; and output changes below a small fraction of
/// the range not passed on, so an actuator is not nudged every tick for nothing.
///
/// Pure value logic: time comes in as an argument, on any monotonic timeline.
public struct PID: Hashable, Sendable {
    /// The gains, changeable between updates.
    public var gains: PIDGains
    /// The outputs it may give; the integral is held inside it too.
    public var outputRange: ClosedRange<Double>
    /// Time constant of the derivative's low-pass filter.
    public var derivativeFilter: Duration
    /// Output changes smaller than this fraction of the range keep the previous output.
    public var minimumChange: Double

    /// The integral term, in output units.
    public private(set) var integral: Double = 0
    /// The output last returned.
    public private(set) var output: Double
    private var lastTime: Duration?
    private var lastMeasurement: Double?
    private var derivative: Double = 0

    /// A PID that has seen nothing, its output at the range's low end.
    public init(
        gains: PIDGains, outputRange: ClosedRange<Double>, derivativeFilter: Duration = .seconds(10),
        minimumChange: Double = 0.005
    ) {
        self.gains = gains
        self.outputRange = outputRange
        self.derivativeFilter = derivativeFilter
        self.minimumChange = minimumChange
        self.output = outputRange.lowerBound
    }

    /// The output for a measurement at `time`. The first call, and any call whose time is not
    /// after the last, uses no elapsed time: proportional action only, the integral unchanged.
    /// A setpoint or measurement that is not a number gives the range's low end and leaves the
    /// state as it was: one bad reading must not poison the filter and integral for good.
    public mutating func update(time: Duration, setpoint: Double, measurement: Double) -> Double {
        guard setpoint.isFinite, measurement.isFinite else { return outputRange.lowerBound }
        let dt = lastTime.map { max((time - $0).seconds, 0) } ?? 0
        let error = setpoint - measurement
        if dt > 0, let lastMeasurement {
            let raw = -(measurement - lastMeasurement) / dt
            let alpha = dt / (derivativeFilter.seconds + dt)
            derivative += alpha * (raw - derivative)
        }
        lastTime = time
        lastMeasurement = measurement

        let proportional = gains.kp * error
        let derivativeTerm = gains.kd * derivative
        let candidate = clampToRange(integral + gains.ki * error * dt)
        let unsaturated = proportional + candidate + derivativeTerm
        // Anti-windup: integrate only when that does not push further into saturation.
        let pushingHigh = unsaturated > outputRange.upperBound && error > 0
        let pushingLow = unsaturated < outputRange.lowerBound && error < 0
        if !pushingHigh && !pushingLow { integral = candidate }

        let next = clampToRange(proportional + integral + derivativeTerm)
        let span = outputRange.upperBound - outputRange.lowerBound
        let atBound = next == outputRange.lowerBound || next == outputRange.upperBound
        if atBound || abs(next - output) >= minimumChange * span { output = next }
        return output
    }

    /// Takes over from another controller that was producing `output` (bumpless transfer): the
    /// integral is set so that, with the current error, the next output starts from there.
    /// A setpoint or measurement that is not a number takes nothing over (the state stays as it was).
    public mutating func takeOver(output: Double, time: Duration, setpoint: Double, measurement: Double) {
        guard setpoint.isFinite, measurement.isFinite else { return }
        let current = clampToRange(output)
        integral = clampToRange(current - gains.kp * (setpoint - measurement))
        self.output = current
        lastTime = time
        lastMeasurement = measurement
        derivative = 0
    }

    private func clampToRange(_ value: Double) -> Double {
        value.isNaN ? outputRange.lowerBound : min(max(value, outputRange.lowerBound), outputRange.upperBound)
    }
}
