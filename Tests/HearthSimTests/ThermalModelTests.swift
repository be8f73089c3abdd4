import HearthHAL
import HearthSim
import Testing

@Suite struct ThermalModelTests {
    /// A day with everything happening: the heater cycling, the fan changing, the sun, a window
    /// opened for half an hour, people cooking. Heat in must equal heat stored plus heat lost.
    @Test func energyIsConservedOverADay() {
        var model = ThermalModel(start: Celsius(17))
        model.disturbances.outdoor = Celsius(2)
        for minute in 0..<(24 * 60) {
            let hour = minute / 60
            model.disturbances.sun = Watts(hour >= 10 && hour < 15 ? 300 : 0)
            model.disturbances.windowOpen = hour == 8 && minute % 60 < 30
            model.disturbances.otherHeat = Watts(hour == 19 ? 800 : 0)
            let power = Watts(minute % 20 < 12 ? 400 : 0)
            model.advance(by: .seconds(60), power: power, fanSpeed: minute % 20 < 12 ? 0.8 : 0.3)
        }
        #expect(model.elapsed == .seconds(86_400))
        let balance = model.heatIn - model.heatStored - model.heatLost
        #expect(model.heatIn.value > 10_000_000, "the heater worked all day")
        #expect(abs(balance.value) / model.heatIn.value < 0.005, "heat in = heat stored + heat lost within 0.5 %")
        #expect(model.air > Celsius(2), "the room stayed above the outdoor temperature")
    }

    /// At steady state every node sits where the network's resistances put it:
    /// the room air at outdoor + P / (G_ao + G_ae·G_eo / (G_ae + G_eo)), and each node further in
    /// one conductance's drop higher.
    @Test(arguments: [(400.0, 1.0), (250.0, 0.4), (1200.0, 1.0)])
    func steadyStateMatchesTheClosedFormRCSolution(power: Double, fan: Double) {
        var parameters = power > 400 ? ThermalParameters.heater1200W : ThermalParameters()
        // Small capacities, so the network settles in simulated hours rather than weeks;
        // the steady state does not depend on them.
        parameters.airCapacity = 20_000
        parameters.envelopeCapacity = 60_000
        var model = ThermalModel(parameters: parameters, start: Celsius(10))
        model.disturbances.outdoor = Celsius(0)
        model.advance(by: .seconds(20 * 3600), power: Watts(power), fanSpeed: fan, step: .milliseconds(200))

        let p = parameters
        let envelopeSeries = p.airToEnvelope * p.envelopeToOutdoor / (p.airToEnvelope + p.envelopeToOutdoor)
        let air = power / (p.airToOutdoor + envelopeSeries)
        let envelope = (p.airToEnvelope * air) / (p.airToEnvelope + p.envelopeToOutdoor)
        let body = air + power / (p.bodyToAirStill + p.bodyToAirFan * fan)
        let chip = body + power / p.chipToBody
        #expect(abs(model.air.value - air) < 0.01, "air \(model.air) vs \(air)")
        #expect(abs(model.envelope.value - envelope) < 0.01, "envelope \(model.envelope) vs \(envelope)")
        #expect(abs(model.body.value - body) < 0.01, "body \(model.body) vs \(body)")
        #expect(abs(model.chip.value - chip) < 0.01, "chip \(model.chip) vs \(chip)")
        #expect(abs(model.bodyToAirFlow.value - power) < 0.01, "all the power reaches the air")
    }

    @Test func aFasterFanKeepsTheChipCoolerAndTheExhaustCloserToTheRoom() {
        var slow = ThermalModel()
        var fast = ThermalModel()
        slow.advance(by: .seconds(1800), power: Watts(400), fanSpeed: 0.3)
        fast.advance(by: .seconds(1800), power: Watts(400), fanSpeed: 1.0)
        #expect(fast.chip < slow.chip)
        #expect(fast.exhaust - fast.air < slow.exhaust - slow.air)
        #expect(fast.exhaust > fast.air)
    }

    @Test func anOpenWindowCoolsTheRoom() {
        var closed = ThermalModel(start: Celsius(21))
        var open = ThermalModel(start: Celsius(21))
        open.disturbances.windowOpen = true
        closed.advance(by: .seconds(3600), power: .zero, fanSpeed: 0)
        open.advance(by: .seconds(3600), power: .zero, fanSpeed: 0)
        #expect(open.air < closed.air - Celsius(1))
    }

    @Test func withNoHeatTheRoomDriftsTowardOutdoors() {
        var model = ThermalModel(start: Celsius(20))
        model.disturbances.outdoor = Celsius(-5)
        model.advance(by: .seconds(6 * 3600), power: .zero, fanSpeed: 0)
        #expect(model.air < Celsius(20))
        #expect(model.air > Celsius(-5))
        #expect(abs(model.chip.value - model.air.value) < 0.5, "an idle heater sits at room temperature")
    }
}
