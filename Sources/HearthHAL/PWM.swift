/// What a PWM output produces: a period and the fraction of it that the output is on.
public struct PWMSetting: Hashable, Sendable, CustomStringConvertible {
    /// The length of one cycle.
    public var period: Duration
    /// The fraction of the period the output is active.
    public var duty: DutyCycle

    public init(period: Duration, duty: DutyCycle) {
        self.period = period
        self.duty = duty
    }

    /// A setting at a frequency; `nil` when the frequency is not positive and finite.
    public init?(frequency: Hertz, duty: DutyCycle) {
        guard let period = frequency.period else { return nil }
        self.init(period: period, duty: duty)
    }

    /// The active time within one period, in whole nanoseconds.
    public var activeNanoseconds: Int64 {
        Int64((Double(period.nanoseconds) * duty.value).rounded())
    }

    public var description: String { "\(duty) of \(period.nanoseconds) ns" }
}

/// A PWM output channel.
public protocol PWMOutput: Sendable {
    /// Sets period and duty together; a duty of 0 turns the output off.
    func apply(_ setting: PWMSetting) throws(HALError)
}
