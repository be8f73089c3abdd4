import HearthControl
import HearthHAL
import Testing

@Suite struct RunawayLayerTests {
    var layer = RunawayLayer()

    mutating func check(
        at seconds: Double, room: Double? = 20, sink: Double? = 21, power: Double = 400
    ) -> [SafetyFault] {
        layer.check(
            room: room.map { Celsius($0) }, heatSink: sink.map { (name: "sink", value: Celsius($0)) }, power: Watts(power),
            ratedPower: Watts(400), at: .seconds(seconds)
        ).faults
    }

    @Test mutating func aHeatSinkAtRoomTemperatureAfterFiveMinutesAtPowerIsARunaway() {
        #expect(check(at: 0).isEmpty)
        #expect(check(at: 299).isEmpty, "not yet five minutes")
        // At 400 W the heat sink must be at least 4 K (0.01 K/W) over the room: 1 K is not.
        #expect(check(at: 300) == [.runaway("sink", Celsius(21))])
    }

    @Test mutating func aHeatSinkWellAboveTheRoomIsHealthy() {
        _ = check(at: 0, sink: 24.5)
        #expect(check(at: 300, sink: 24.5).isEmpty, "4.5 K over the room at 400 W")
        #expect(check(at: 301, sink: 23.5) == [.runaway("sink", Celsius(23.5))], "3.5 K is not enough")
    }

    @Test mutating func lowPowerIsNeverJudgedAndADipRestartsTheClock() {
        // 30 % of 400 W is 120 W: 100 W does not count.
        for second in stride(from: 0.0, through: 600, by: 10) {
            #expect(check(at: second, power: 100).isEmpty)
        }
        _ = check(at: 700)
        _ = check(at: 900, power: 0)
        #expect(check(at: 1000).isEmpty, "at power since 1000 s, not 700 s")
        #expect(check(at: 1299).isEmpty)
        #expect(check(at: 1300).count == 1)
    }

    @Test mutating func withoutARoomOrAHeatSinkThereIsNothingToCompare() {
        _ = check(at: 0)
        #expect(check(at: 300, room: nil).isEmpty)
        #expect(check(at: 301, sink: nil).isEmpty)
        #expect(check(at: 302).count == 1, "the time at power kept counting")
    }

    @Test mutating func resetRestartsTheClock() {
        _ = check(at: 0)
        layer.reset()
        #expect(check(at: 300).isEmpty)
        #expect(check(at: 600).count == 1)
    }
}
