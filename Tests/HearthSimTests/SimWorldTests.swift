import HearthHAL
import HearthSim
import Testing

@Suite struct SimWorldTests {
    @Test func twinsFollowTheModelAsTheWorldAdvances() throws {
        let world = SimWorld(model: ThermalModel(start: Celsius(18)))
        let room = world.addSensor(.tmp102, at: I2CAddress(0x48)!, measuring: .air)
        let sink = world.addSensor(.mcp9808, at: I2CAddress(0x18)!, measuring: .heatSink)
        try world.fan.pwm.apply(PWMSetting(period: .microseconds(40), duty: .full))
        world.power = Watts(400)
        world.advance(by: .seconds(1800))

        let model = world.model
        #expect(model.elapsed == .seconds(1800))
        #expect(room.temperature == model.air)
        #expect(sink.temperature == model.body)
        #expect(model.body > model.air + Celsius(10), "400 W through the heat sink")
        #expect(world.fan.rpm.value > 2900, "the fan spun up")
        // The twins answer on the bus at the addresses they were given.
        let bytes = try world.bus.writeRead(I2CAddress(0x18)!, [0x06], count: 2)
        #expect(bytes == [0x00, 0x54])
    }

    @Test func aStoppedFanLetsTheHeatSinkRunHotter() throws {
        let cooled = SimWorld()
        let still = SimWorld()
        try cooled.fan.pwm.apply(PWMSetting(period: .microseconds(40), duty: .full))
        cooled.power = Watts(300)
        still.power = Watts(300)
        cooled.advance(by: .seconds(900))
        still.advance(by: .seconds(900))
        #expect(still.temperature(at: .heatSink) > cooled.temperature(at: .heatSink) + Celsius(20))
    }

    @Test func linesRememberTheirLevels() throws {
        let world = SimWorld()
        let reset = world.line("ASIC_RST")
        #expect(reset.isActive == nil)
        try reset.set(active: true)
        try world.line("ASIC_RST").set(active: false)
        #expect(reset.changes == [true, false])
    }
}

@Suite struct ScenarioTests {
    let scenario = Scenario(
        name: "test", roomStart: Celsius(20), envelopeStart: Celsius(19),
        events: [
            .init(at: .seconds(3600), windowOpen: true),
            .init(at: .seconds(1800), outdoor: Celsius(-3)),
            .init(at: .seconds(5400), windowOpen: false, sun: Watts(200)),
        ])

    @Test func eventsApplyInTimeOrder() {
        #expect(scenario.events.map(\.at) == [.seconds(1800), .seconds(3600), .seconds(5400)])
        #expect(scenario.disturbances(at: .zero).outdoor == Celsius(5))
        #expect(scenario.disturbances(at: .seconds(1800)).outdoor == Celsius(-3))
        #expect(scenario.disturbances(at: .seconds(4000)).windowOpen)
        let late = scenario.disturbances(at: .seconds(6000))
        #expect(!late.windowOpen && late.sun == Watts(200) && late.outdoor == Celsius(-3))
    }

    @Test func theWorldPlaysTheScenarioOnVirtualTime() {
        let world = SimWorld(scenario: scenario)
        #expect(world.model.air == Celsius(20))
        #expect(world.model.envelope == Celsius(19))
        world.advance(by: .seconds(4000))
        #expect(world.model.disturbances == scenario.disturbances(at: .seconds(4000)))
        world.advance(by: .seconds(2000))
        #expect(world.model.disturbances == scenario.disturbances(at: .seconds(6000)))
    }

    @Test func theBuiltInHeaters() {
        #expect(Scenario.room400W.parameters.ratedPower == 400)
        #expect(Scenario.room1200W.parameters.ratedPower == 1200)
    }
}
