import HearthHAL
import HearthSim
import Testing

import HearthTestFixtures
@testable import HearthConfig

@Suite struct ScenarioFileTests {
    @Test func durations() {
        #expect(parseDuration("90s") == .seconds(90))
        #expect(parseDuration("1h30m") == .seconds(5400))
        #expect(parseDuration("2d") == .seconds(172_800))
        #expect(parseDuration("0.5h") == .seconds(1800))
        #expect(parseDuration("24") == nil)
        #expect(parseDuration("5x") == nil)
        #expect(parseDuration("h") == nil)
        #expect(parseDuration("") == nil)
    }

    @Test func aFullScenario() throws {
        let scenario = try ScenarioFile.parse(
            """
            name = "winter-day"
            heater = "1200w"
            room_start = 16
            envelope_start = 14.5
            outdoor = -2

            [model]
            air_capacity = 200000

            [[event]]
            at = "8h30m"
            window = "closed"

            [[event]]
            at = "8h"
            window = "open"
            outdoor = -4

            [[event]]
            at = "9h"
            setpoint = 22.5
            fault = "fan-stall"
            """, file: "winter.toml")
        #expect(scenario.name == "winter-day")
        #expect(scenario.parameters.ratedPower == 1200)
        #expect(scenario.parameters.airCapacity == 200_000)
        #expect(scenario.roomStart == Celsius(16) && scenario.envelopeStart == Celsius(14.5))
        #expect(scenario.initial.outdoor == Celsius(-2))
        #expect(scenario.events.map(\.at) == [.seconds(28_800), .seconds(30_600), .seconds(32_400)])
        #expect(scenario.setpoint == Celsius(20), "the default")
        #expect(scenario.setpoint(at: .seconds(32_400)) == Celsius(22.5))
        #expect(scenario.events[2].fault == .fanStall)
        #expect(scenario.disturbances(at: .seconds(29_000)).windowOpen)
        #expect(scenario.disturbances(at: .seconds(29_000)).outdoor == Celsius(-4))
    }

    @Test func builtInNames() throws {
        #expect(try ScenarioFile.load("400w") == .room400W)
        #expect(try ScenarioFile.load("1200w") == .room1200W)
    }

    @Test(arguments: [
        ("heater = \"2kw\"\n", "s.toml: heater: \"2kw\" is not one of \"400w\", \"1200w\""),
        ("[[event]]\nat = \"soon\"\n", "s.toml: event[0].at: \"soon\" is not a duration"),
        ("[[event]]\nat = \"1h\"\nwindow = \"ajar\"\n", "s.toml: event[0].window: \"ajar\" is not one of \"open\", \"closed\""),
        ("[model]\nair_capacty = 1\n", "s.toml: model.air_capacty: unknown key"),
        ("[model]\nsun_to_air = 2\n", "s.toml: model.sun_to_air: 2.0 is outside the allowed 0.0…1.0"),
        ("outdoor = \"cold\"\n", "s.toml: outdoor: expected a number"),
        ("[[event]]\nat = \"1h\"\nfault = \"gremlins\"\n", "s.toml: event[0].fault: \"gremlins\" is not one of bus-lockup, drift-room"),
        ("setpoint = 40\n", "s.toml: setpoint: 40.0 is outside the allowed 5.0…30.0"),
    ])
    func badScenariosAreRefused(text: String, expected: String) {
        do {
            _ = try ScenarioFile.parse(text, file: "s.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error)")
        }
    }
}
