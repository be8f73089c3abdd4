import HearthControl
import HearthHAL
import Testing

@Suite struct SensorJumpLayerTests {
    var layer = SensorJumpLayer()

    mutating func check(_ name: String, _ role: SensorRole, _ value: Double, at seconds: Double) -> [SafetyFault] {
        layer.check(name: name, role: role, value: Celsius(value), at: .milliseconds(Int64(seconds * 1000))).faults
    }

    @Test mutating func aRoomMayMoveTwoDegreesASecond() {
        #expect(check("air", .room, 20, at: 0).isEmpty, "a first value has nothing to jump from")
        #expect(check("air", .room, 20.9, at: 0.5).isEmpty, "1.8 °C/s")
        #expect(check("air", .room, 22.2, at: 1) == [.jump("air", from: Celsius(20.9), to: Celsius(22.2))], "2.6 °C/s, past the flicker")
    }

    @Test mutating func aHeatSinkMayMoveTenDegreesASecond() {
        _ = check("sink", .chip, 45, at: 0)
        #expect(check("sink", .chip, 49, at: 0.5).isEmpty, "8 °C/s")
        #expect(check("sink", .chip, 55, at: 1) == [.jump("sink", from: Celsius(49), to: Celsius(55))], "12 °C/s")
    }

    @Test mutating func theRateIsFromTheLastValueOfTheSameSensor() {
        _ = check("air", .room, 20, at: 0)
        _ = check("hall", .room, 30, at: 0)
        #expect(check("air", .room, 20.5, at: 1).isEmpty)
        #expect(check("hall", .room, 29.5, at: 1).isEmpty)
        // The rate is over the time since this sensor's last value: 10 °C a minute later is 0.17 °C/s.
        #expect(check("air", .room, 30.5, at: 61).isEmpty, "10 °C over 60 s")
    }

    @Test mutating func aFlickerIsNotAJumpHoweverCloseTheReads() {
        _ = check("air", .room, 20, at: 5)
        #expect(check("air", .room, 20.125, at: 5.05).isEmpty, "two 1/16 °C steps in 50 ms: 2.5 °C/s, but a flicker")
        #expect(check("air", .room, 20, at: 5.05).isEmpty, "and back, at the same instant")
        #expect(check("air", .room, 20.2, at: 5.05).count == 1, "0.2 °C at once is past the flicker")
    }

    @Test mutating func resetForgetsTheLastValues() {
        _ = check("air", .room, 20, at: 0)
        layer.reset()
        #expect(check("air", .room, 35, at: 0.5).isEmpty)
    }

    @Test func aRoleWithoutARateIsNotJudged() {
        var limits = SafetyLimits()
        limits.maxRate[.exhaust] = nil
        var lenient = SensorJumpLayer(limits: limits)
        _ = lenient.check(name: "out", role: .exhaust, value: Celsius(30), at: .zero)
        #expect(lenient.check(name: "out", role: .exhaust, value: Celsius(90), at: .milliseconds(500)) == .allClear)
    }
}
