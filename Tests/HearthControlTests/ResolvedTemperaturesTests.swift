import HearthControl
import HearthHAL
import Testing

@Suite struct ResolvedTemperaturesTests {
    let nack = HALError(.nackAddress, "gone")

    func reading(_ name: String, _ role: SensorRole, _ value: Double?) -> SensorReading {
        SensorReading(name: name, role: role, reading: value.map { .success(Celsius($0)) } ?? .failure(nack))
    }

    @Test func aRoomSensorIsTheRoom() {
        let resolved = ResolvedTemperatures([reading("air", .room, 20.5), reading("sink", .chip, 48)])
        #expect(resolved.room == .init(name: "air", role: .room, value: Celsius(20.5)))
        #expect(resolved.roomTemperature == Celsius(20.5))
    }

    @Test func withoutARoomSensorTheIntakeIsTheRoom() {
        let resolved = ResolvedTemperatures([reading("sink", .chip, 48), reading("inlet", .intake, 19)])
        #expect(resolved.room == .init(name: "inlet", role: .intake, value: Celsius(19)))
    }

    @Test func aRoomSensorWinsOverAnIntakeListedBeforeIt() {
        let resolved = ResolvedTemperatures([reading("inlet", .intake, 23), reading("air", .room, 20)])
        #expect(resolved.room?.name == "air")
        #expect(resolved.roomTemperature == Celsius(20))
    }

    @Test func aFailedRoomSensorLeavesTheRoomUnknownThoughTheIntakeReads() {
        let resolved = ResolvedTemperatures([reading("air", .room, nil), reading("inlet", .intake, 19)])
        #expect(resolved.room == .init(name: "air", role: .room, value: nil), "the intake is not promoted")
        #expect(resolved.roomTemperature == nil)
    }

    @Test func ofTwoRoomSensorsTheFirstIsTheRoom() {
        let resolved = ResolvedTemperatures([reading("hall", .room, 18), reading("lounge", .room, 21)])
        #expect(resolved.room?.name == "hall")
        #expect(resolved.roomTemperature == Celsius(18))
    }

    @Test func noRoomAndNoIntakeIsNoRoom() {
        let resolved = ResolvedTemperatures([reading("sink", .chip, 48), reading("out", .exhaust, 35)])
        #expect(resolved.room == nil)
        #expect(resolved.heatSink == Celsius(48))
    }

    @Test func withoutAChipSensorTheHeatSinkIsAtRoomTemperature() {
        #expect(ResolvedTemperatures([reading("air", .room, 20.5)]).heatSink == Celsius(20.5))
        #expect(ResolvedTemperatures([reading("air", .room, nil)]).heatSink == nil, "and unknown when the room is")
        #expect(ResolvedTemperatures([reading("out", .exhaust, 30)]).heatSink == nil)
    }

    @Test func theHeatSinkIsTheHottestChipAndUnknownIfAnyChipFailed() {
        let chips = [reading("air", .room, 20), reading("a", .chip, 52), reading("b", .chip, 61.5), reading("c", .chip, 58)]
        #expect(ResolvedTemperatures(chips).heatSink == Celsius(61.5))
        #expect(ResolvedTemperatures(chips + [reading("d", .chip, nil)]).heatSink == nil)
    }

    @Test func theExhaustIsTheHottestThatRead() {
        let outlets = [reading("left", .exhaust, 34), reading("right", .exhaust, nil), reading("top", .exhaust, 37.5)]
        #expect(ResolvedTemperatures(outlets).exhaust == Celsius(37.5))
        #expect(ResolvedTemperatures([reading("left", .exhaust, nil)]).exhaust == nil)
        #expect(ResolvedTemperatures([reading("air", .room, 20)]).exhaust == nil)
    }

    @Test func theFirstPlausibleOutdoorProbeIsOutdoors() {
        #expect(ResolvedTemperatures([reading("air", .room, 20), reading("out", .outdoor, -4.5), reading("yard", .outdoor, 2)]).outdoor == Celsius(-4.5))
        #expect(ResolvedTemperatures([reading("air", .room, 20)]).outdoor == nil, "no probe")
        #expect(ResolvedTemperatures([reading("out", .outdoor, nil)]).outdoor == nil, "a failed probe")
        #expect(ResolvedTemperatures([reading("out", .outdoor, -127)]).outdoor == nil, "a disconnected probe's reading")
        #expect(ResolvedTemperatures([reading("out", .outdoor, -4.5)]).room == nil, "outdoors is never the room")
    }
}
