import Foundation
import HearthControl
import HearthHAL
import HearthSim
import Testing

@Suite struct RelayAutotuneTests {
    /// A relay around 20 °C on a pure sine of known period and amplitude gives them back.
    @Test func measuresPeriodAndAmplitudeOfASine() throws {
        var tune = RelayAutotune(setpoint: Celsius(20), high: Watts(400), hysteresis: Celsius(0.05), cycles: 3)
        var second = 0.0
        while !tune.isDone && second < 20_000 {
            let value = 20 + 0.8 * sin(2 * .pi * second / 1200)
            _ = tune.update(time: .milliseconds(Int64(second * 1000)), measurement: Celsius(value))
            second += 1
        }
        let result = try #require(tune.result)
        #expect(abs(result.period.seconds - 1200) < 2)
        #expect(abs(result.amplitude.value - 0.8) < 0.01)
        #expect(abs(result.ultimateGain - 4 * 200 / (.pi * 0.8)) < 2)
        #expect(abs(result.gains.kp - 0.6 * result.ultimateGain) < 1e-9)
    }

    @Test func theRelaySwitchesAroundTheSetpointWithHysteresis() {
        var tune = RelayAutotune(setpoint: Celsius(20), high: Watts(400), hysteresis: Celsius(0.2))
        #expect(tune.update(time: .zero, measurement: Celsius(19)) == Watts(400))
        #expect(tune.update(time: .seconds(1), measurement: Celsius(20.1)) == Watts(400), "inside the band: keep heating")
        #expect(tune.update(time: .seconds(2), measurement: Celsius(20.3)) == .zero)
        #expect(tune.update(time: .seconds(3), measurement: Celsius(19.9)) == .zero, "inside the band: keep off")
        #expect(tune.update(time: .seconds(4), measurement: Celsius(19.7)) == Watts(400))
    }

    /// On the simulated room (the model alone, no sensors), the gains found hold a step well.
    @Test func tunesTheSimulatedRoom() throws {
        var model = ThermalModel(parameters: .heater1200W, start: Celsius(19.5), envelope: Celsius(19))
        model.disturbances.outdoor = Celsius(8)
        var tune = RelayAutotune(setpoint: Celsius(20), high: Watts(1200))
        var time = Duration.zero
        var power = Watts(0)
        while !tune.isDone && time < .seconds(12 * 3600) {
            model.advance(by: .seconds(1), power: power, fanSpeed: 0.6)
            time += .seconds(1)
            power = tune.update(time: time, measurement: model.air)
        }
        let result = try #require(tune.result, "the room oscillated under the relay")
        #expect(result.period > .seconds(60) && result.period < .seconds(3 * 3600))
        #expect(result.gains.kp > 0 && result.gains.ki > 0 && result.gains.kd > 0)
    }
}
