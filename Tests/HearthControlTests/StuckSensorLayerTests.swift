import HearthControl
import HearthHAL
import Testing

@Suite struct StuckSensorLayerTests {
    var layer = StuckSensorLayer()
    let rated = Watts(400)

    mutating func check(_ role: SensorRole, _ value: Double, at seconds: Double, power: Double) -> [SafetyFault] {
        layer.check(
            name: "s", role: role, value: Celsius(value), at: .milliseconds(Int64(seconds * 1000)), power: Watts(power),
            ratedPower: rated
        ).faults
    }

    @Test mutating func aHeatSinkThatIgnoresAPowerSwingForFiveMinutesIsStuck() {
        for second in stride(from: 0.0, through: 9.5, by: 0.5) {
            #expect(check(.chip, 45, at: second, power: 100).isEmpty)
        }
        // 100 W → 400 W is a swing of 300 W, over the 100 W (a quarter of 400 W) that must move it.
        #expect(check(.chip, 45, at: 10, power: 400).isEmpty)
        #expect(check(.chip, 45, at: 309.5, power: 400).isEmpty)
        #expect(check(.chip, 45, at: 310, power: 400) == [.stuck("s", Celsius(45))], "300 s after the swing")
    }

    @Test mutating func aSmallSwingDoesNotCount() {
        _ = check(.chip, 45, at: 0, power: 300)
        for second in stride(from: 0.5, through: 800, by: 0.5) {
            #expect(check(.chip, 45, at: second, power: second.truncatingRemainder(dividingBy: 60) < 30 ? 300 : 201).isEmpty)
        }
    }

    @Test mutating func aRoomGetsAnHour() {
        _ = check(.room, 20, at: 0, power: 0)
        _ = check(.room, 20, at: 10, power: 400)
        #expect(check(.room, 20, at: 600, power: 400).isEmpty, "a room answers slowly")
        #expect(check(.room, 20, at: 899.5, power: 400).isEmpty)
        #expect(check(.room, 20, at: 900, power: 400) == [.stuck("s", Celsius(20))], "frozen: 900 s without a flicker")
    }

    @Test mutating func aValueUnchangedForAQuarterOfAnHourIsFrozenWhateverThePower() {
        _ = check(.room, 20, at: 0, power: 100)
        #expect(check(.room, 20, at: 899, power: 100).isEmpty)
        #expect(check(.room, 20, at: 900, power: 100) == [.stuck("s", Celsius(20))])
    }

    @Test mutating func aFlickerStartsEverythingAgain() {
        _ = check(.chip, 45, at: 0, power: 100)
        _ = check(.chip, 45, at: 10, power: 400)
        _ = check(.chip, 45.01, at: 300, power: 400)
        #expect(check(.chip, 45.01, at: 310, power: 400).isEmpty, "the swing before the flicker no longer counts")
        #expect(check(.chip, 45.01, at: 1199, power: 400).isEmpty)
        #expect(check(.chip, 45.01, at: 1200, power: 400).count == 1, "frozen 900 s after the flicker")
    }

    @Test mutating func resetForgetsTheHistory() {
        _ = check(.chip, 45, at: 0, power: 100)
        _ = check(.chip, 45, at: 10, power: 400)
        layer.reset()
        #expect(check(.chip, 45, at: 310, power: 400).isEmpty)
        #expect(check(.chip, 45, at: 1209, power: 400).isEmpty, "frozen counts from 310 s, not 0")
        #expect(check(.chip, 45, at: 1210, power: 400).count == 1)
    }

    @Test mutating func aPowerThatIsNotANumberDoesNotTrapOrSwing() {
        _ = check(.chip, 45, at: 0, power: .nan)
        _ = check(.chip, 45, at: 1, power: .nan)
        _ = check(.chip, 45, at: 2, power: 100)
        #expect(check(.chip, 45, at: 400, power: 100).isEmpty, "no swing seen")
    }

    @Test mutating func aRoomFlatToTheBitForFiveMinutesAtFullPowerIsStuck() {
        layer.limits.flatWhileHeatedAfter = .seconds(300)
        _ = check(.room, 18.5, at: 0, power: 400)
        #expect(check(.room, 18.5, at: 299.5, power: 400).isEmpty)
        #expect(check(.room, 18.5, at: 300, power: 400) == [.stuck("s", Celsius(18.5))], "five minutes at full power")
    }

    @Test mutating func theFlatRoomRuleNeedsFullPowerAllAlongAndARoomAndItsLimit() {
        layer.limits.flatWhileHeatedAfter = .seconds(300)
        // 90 % of 400 W is 360 W: a thermostat holding the room at 200 W is not heating hard.
        _ = check(.room, 18.5, at: 0, power: 200)
        #expect(check(.room, 18.5, at: 400, power: 200).isEmpty)
        // Full power from 400 s: the five minutes count from there.
        #expect(check(.room, 18.5, at: 400.5, power: 400).isEmpty)
        #expect(check(.room, 18.5, at: 500, power: 300).isEmpty, "a dip starts the count again")
        #expect(check(.room, 18.5, at: 500.5, power: 400).isEmpty)
        #expect(check(.room, 18.5, at: 800, power: 400) == [.stuck("s", Celsius(18.5))])
        // A flicker starts it again too.
        _ = check(.room, 18.5625, at: 801, power: 400)
        #expect(check(.room, 18.5625, at: 1100, power: 400).isEmpty)
        // A heat sink held flat by its fan loop at full power is not judged by it.
        _ = check(.chip, 60, at: 0, power: 400)
        #expect(check(.chip, 60, at: 299, power: 400).isEmpty)
        // Without the board's limit the rule is off.
        var off = StuckSensorLayer()
        _ = off.check(name: "r", role: .room, value: Celsius(18.5), at: .zero, power: Watts(400), ratedPower: rated)
        #expect(off.check(name: "r", role: .room, value: Celsius(18.5), at: .seconds(600), power: Watts(400), ratedPower: rated).faults.isEmpty)
    }
}
