import HearthHAL
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct GPIOFanTests {
    let simFan = SimFan()
    let clock = ManualClock()

    func fan(window: Duration = .seconds(1)) -> GPIOFan {
        let clock = self.clock
        return GPIOFan(
            name: "fan", pwm: simFan.pwm, tach: simFan.tach, pulsesPerRevolution: 2, window: window,
            now: { clock.now.offset })
    }

    /// Advances the fan and the driver's clock together, in steps.
    func run(_ duration: Duration, step: Duration = .milliseconds(100)) {
        var left = duration
        while left > .zero {
            simFan.advance(by: step)
            clock.advance(by: step)
            left -= step
        }
    }

    @Test func pureSpeedFromEdges() {
        #expect(GPIOFan.rpm(edges: 101, over: .seconds(1), pulsesPerRevolution: 2) == 3000)
        #expect(GPIOFan.rpm(edges: 1, over: .seconds(1), pulsesPerRevolution: 2) == 0)
    }

    @Test func measuresTheSpeedTheDutyGives() throws {
        let fan = fan()
        try fan.setDuty(DutyCycle(0.5))
        #expect(simFan.setting == PWMSetting(frequency: Hertz(25_000), duty: DutyCycle(0.5)))
        for _ in 0..<10 {
            run(.seconds(1))
            _ = try fan.speed()
        }
        let speed = try #require(try fan.speed())
        #expect(abs(speed.value - 1500) < 30, "measured \(speed)")
    }

    @Test func stillRightWhenTheEventQueueOverflowed() throws {
        let fan = fan()
        try fan.setDuty(.full)
        run(.seconds(20))
        // 100 edges a second for 20 s, and the queue keeps 64: the newest survive.
        let speed = try #require(try fan.speed())
        #expect(abs(speed.value - 3000) < 60, "measured \(speed)")
    }

    @Test func aStalledFanReadsZero() throws {
        let fan = fan()
        try fan.setDuty(.full)
        run(.seconds(10))
        #expect(try fan.speed()!.value > 2900)
        simFan.fault = SimFan.Fault(stalled: true)
        run(.seconds(10))
        _ = try fan.speed()
        run(.seconds(2))
        #expect(try fan.speed() == RPM(0))
    }

    @Test func aLostTachReadsZeroWhileTheRotorTurns() throws {
        let fan = fan()
        try fan.setDuty(.full)
        simFan.fault = SimFan.Fault(tachLost: true)
        run(.seconds(5))
        #expect(try fan.speed() == RPM(0))
        #expect(simFan.rpm.value > 2800, "the rotor is turning")
    }

    @Test func aFanWithoutATachHasNoSpeed() throws {
        let fan = GPIOFan(name: "fan", pwm: simFan.pwm, tach: nil, now: { .zero })
        #expect(try fan.speed() == nil)
    }

    @Test func theRotorHasInertia() throws {
        try fan().setDuty(.full)
        simFan.advance(by: .milliseconds(500))
        #expect(simFan.rpm.value > 500 && simFan.rpm.value < 1500, "a rotor does not jump to speed: \(simFan.rpm)")
    }
}
