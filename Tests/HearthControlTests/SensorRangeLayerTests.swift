import HearthControl
import HearthHAL
import Testing

@Suite struct SensorRangeLayerTests {
    let layer = SensorRangeLayer()

    func faults(_ role: SensorRole, _ value: Double) -> [SafetyFault] {
        layer.check(name: "s", role: role, value: Celsius(value)).faults
    }

    @Test func theRangesIncludeTheirEnds() {
        #expect(faults(.room, 60).isEmpty && faults(.room, -30).isEmpty)
        #expect(faults(.room, 60.5) == [.implausible("s", Celsius(60.5))])
        #expect(faults(.intake, -30.5) == [.implausible("s", Celsius(-30.5))])
        #expect(faults(.exhaust, 110).isEmpty && faults(.exhaust, 111) == [.implausible("s", Celsius(111))])
        #expect(faults(.board, 100).isEmpty && faults(.board, 101) == [.implausible("s", Celsius(101))])
        #expect(faults(.chip, 125).isEmpty && faults(.chip, 126) == [.implausible("s", Celsius(126))])
    }

    @Test func aValueThatIsNotANumberIsImplausible() {
        #expect(faults(.room, .nan).count == 1)
        #expect(faults(.chip, .infinity) == [.implausible("s", Celsius(.infinity))])
    }

    @Test func aRoleWithoutARangeIsNotJudged() {
        var limits = SafetyLimits()
        limits.plausible[.board] = nil
        let lenient = SensorRangeLayer(limits: limits)
        #expect(lenient.check(name: "soc", role: .board, value: Celsius(400)) == .allClear)
        #expect(lenient.check(name: "air", role: .room, value: Celsius(400)).faults == [.implausible("air", Celsius(400))])
        #expect(lenient.check(name: "soc", role: .board, value: Celsius(.nan)).faults.count == 1, "but never a value that is not a number")
    }
}
