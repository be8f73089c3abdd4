import HearthControl
import HearthHAL
import Testing

@Suite struct OverTemperatureLayerTests {
    var layer = OverTemperatureLayer()
    let rated = Watts(400)

    mutating func throttle(_ chip: Double?, at seconds: Double) -> SafetyVerdict {
        layer.throttle(hottest: chip.map { (name: "sink", value: Celsius($0)) }, at: .seconds(seconds), ratedPower: rated)
    }

    @Test func dangerousTemperaturesByRole() {
        func faults(_ role: SensorRole, _ value: Double) -> [SafetyFault] {
            layer.check(name: "s", role: role, value: Celsius(value)).faults
        }
        #expect(faults(.chip, 89.9).isEmpty && faults(.chip, 90) == [.overTemperature("s", Celsius(90))])
        #expect(faults(.exhaust, 79.9).isEmpty && faults(.exhaust, 80) == [.overTemperature("s", Celsius(80))])
        #expect(faults(.board, 84.9).isEmpty && faults(.board, 85) == [.overTemperature("s", Celsius(85))])
        #expect(faults(.room, 59).isEmpty && faults(.intake, 59).isEmpty, "the air in the room has no dangerous limit here")
    }

    @Test mutating func hotThrottlesCoolsThenResumesReducedThenFull() {
        #expect(throttle(74.9, at: 0) == .allClear)
        let hot = throttle(75, at: 1)
        #expect(hot.events == [.throttled("sink at 75.0 °C, over 75.0 °C")])
        #expect(hot.maxPower == Watts(200) && hot.fansFull && hot.faults.isEmpty, "half of 400 W, fans full, no fault")
        #expect(throttle(66, at: 10) == SafetyVerdict(maxPower: Watts(200), fansFull: true), "not below 65 °C yet")
        #expect(throttle(64, at: 20) == SafetyVerdict(maxPower: Watts(200), fansFull: true), "cooling starts")
        #expect(throttle(60, at: 79) == SafetyVerdict(maxPower: Watts(200), fansFull: true), "59 s of cooling")
        #expect(throttle(60, at: 80) == SafetyVerdict(events: [.resumedReduced], maxPower: Watts(280)), "70 % after 60 s")
        #expect(throttle(55, at: 679) == SafetyVerdict(maxPower: Watts(280)))
        #expect(throttle(55, at: 680) == SafetyVerdict(events: [.resumedFull]), "600 s reduced, then full")
        #expect(!layer.isThrottling)
    }

    @Test mutating func warmingAgainWhileCoolingThrottlesAgain() {
        _ = throttle(80, at: 0)
        _ = throttle(60, at: 10)
        _ = throttle(66, at: 40)
        _ = throttle(60, at: 50)
        #expect(throttle(60, at: 100).maxPower == Watts(200), "the minute of cooling starts again at 50 s")
        #expect(throttle(60, at: 110).events == [.resumedReduced])
    }

    @Test mutating func hotAgainWhileReducedThrottlesAgain() {
        _ = throttle(80, at: 0)
        _ = throttle(60, at: 10)
        _ = throttle(60, at: 70)
        let again = throttle(76, at: 100)
        #expect(again.maxPower == Watts(200) && again.fansFull && again.events.count == 1)
    }

    @Test mutating func withoutAHeatSinkReadingTheThrottleHolds() {
        _ = throttle(80, at: 0)
        #expect(throttle(nil, at: 1000).maxPower == Watts(200))
        #expect(layer.isThrottling)
        var fresh = OverTemperatureLayer()
        #expect(fresh.throttle(hottest: nil, at: .zero, ratedPower: rated) == .allClear)
    }
}
