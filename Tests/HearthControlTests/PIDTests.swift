import HearthControl
import Testing

@Suite struct PIDTests {
    @Test func proportionalOnlyOnTheFirstCall() {
        var pid = PID(gains: PIDGains(kp: 100, ki: 1, kd: 50), outputRange: 0...400)
        #expect(pid.update(time: .zero, setpoint: 21, measurement: 20) == 100)
        #expect(pid.integral == 0)
    }

    @Test func integralAccumulatesPerSecond() {
        var pid = PID(gains: PIDGains(kp: 0, ki: 2, kd: 0), outputRange: 0...400, minimumChange: 0)
        _ = pid.update(time: .zero, setpoint: 21, measurement: 20)
        #expect(pid.update(time: .seconds(10), setpoint: 21, measurement: 20) == 20)
        #expect(pid.update(time: .seconds(15), setpoint: 21, measurement: 20) == 30)
    }

    @Test func noWindUpWhileSaturated() {
        var pid = PID(gains: PIDGains(kp: 100, ki: 5, kd: 0), outputRange: 0...400, minimumChange: 0)
        // A cold room: the output sits at its maximum for an hour.
        for second in 0..<3600 {
            #expect(pid.update(time: .seconds(second), setpoint: 21, measurement: 15) == 400)
        }
        #expect(pid.integral < 400)
        // The room arrives above the setpoint: the output falls at once, not after unwinding an hour.
        _ = pid.update(time: .seconds(3600), setpoint: 21, measurement: 21.5)
        #expect(pid.update(time: .seconds(3601), setpoint: 21, measurement: 21.5) < 400)
    }

    @Test func derivativeIsOnTheMeasurementSoASetpointStepGivesNoKick() {
        var withD = PID(gains: PIDGains(kp: 10, ki: 0, kd: 1000), outputRange: -1000...1000, minimumChange: 0)
        _ = withD.update(time: .zero, setpoint: 20, measurement: 20)
        let afterStep = withD.update(time: .seconds(1), setpoint: 25, measurement: 20)
        #expect(afterStep == 50, "only the proportional term reacts to a setpoint step")
        let falling = withD.update(time: .seconds(2), setpoint: 25, measurement: 19)
        #expect(falling > 50, "a falling measurement raises the output through the derivative")
    }

    @Test func tinyChangesKeepThePreviousOutput() {
        var pid = PID(gains: PIDGains(kp: 100, ki: 0, kd: 0), outputRange: 0...400, minimumChange: 0.01)
        #expect(pid.update(time: .zero, setpoint: 21, measurement: 20) == 100)
        #expect(pid.update(time: .seconds(1), setpoint: 21, measurement: 19.99) == 100, "1 W is under 1 % of 400 W")
        #expect(abs(pid.update(time: .seconds(2), setpoint: 21, measurement: 19.9) - 110) < 1e-9)
        #expect(pid.update(time: .seconds(3), setpoint: 21, measurement: 22) == 0, "a bound is always reached")
    }

    @Test func bumplessTakeOver() {
        var pid = PID(gains: PIDGains(kp: 50, ki: 1, kd: 0), outputRange: 0...400, minimumChange: 0)
        pid.takeOver(output: 250, time: .seconds(100), setpoint: 21, measurement: 20)
        let next = pid.update(time: .seconds(101), setpoint: 21, measurement: 20)
        #expect(abs(next - 251) < 1e-9, "continues from 250, plus one second of integral")
    }

    @Test func nanMeasurementDoesNotPoisonTheState() {
        var pid = PID(gains: PIDGains(kp: 50, ki: 1, kd: 0), outputRange: 0...400)
        _ = pid.update(time: .zero, setpoint: 21, measurement: 20)
        let output = pid.update(time: .seconds(1), setpoint: 21, measurement: .nan)
        #expect(output == 0, "NaN yields the range's low end")
    }

    /// After a reading that is not a number, the next good one gives what it would have given
    /// had the bad one never come (the derivative and the integral were not touched).
    @Test func aNaNReadingLeavesNoTrace() {
        let gains = PIDGains(kp: 50, ki: 1, kd: 100)
        var clean = PID(gains: gains, outputRange: 0...400)
        var hit = PID(gains: gains, outputRange: 0...400)
        _ = clean.update(time: .zero, setpoint: 21, measurement: 20)
        _ = hit.update(time: .zero, setpoint: 21, measurement: 20)
        #expect(hit.update(time: .seconds(1), setpoint: 21, measurement: .nan) == 0)
        #expect(hit.update(time: .seconds(2), setpoint: .infinity, measurement: 20) == 0)
        let expected = clean.update(time: .seconds(3), setpoint: 21, measurement: 19.5)
        #expect(hit.update(time: .seconds(3), setpoint: 21, measurement: 19.5) == expected)
        #expect(expected > 0 && expected.isFinite, "the room loop heats again: \(expected)")
    }

    /// The take-over after `off` at a reading that is not a number leaves no trace either.
    @Test func aNaNAtTheTakeOverLeavesNoTrace() {
        var pid = PID(gains: PIDGains(kp: 50, ki: 1, kd: 100), outputRange: 0...400)
        pid.takeOver(output: 0, time: .zero, setpoint: 21, measurement: .nan)
        _ = pid.update(time: .seconds(1), setpoint: 21, measurement: 19)
        let next = pid.update(time: .seconds(2), setpoint: 21, measurement: 19)
        #expect(next > 0 && next.isFinite, "got \(next)")
    }
}
