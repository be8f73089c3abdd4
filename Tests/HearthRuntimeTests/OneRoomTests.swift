import Foundation
@testable import HearthAPI
import HearthConfig
import HearthControl
import HearthHAL
import HearthHistory
import HearthSim
import HearthTestFixtures
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import HearthRuntime

/// "Which reading is the room" is decided once, by `ResolvedTemperatures`, and every reader takes
/// it from the tick's snapshot: on a board whose only air sensor is an intake, the loop, the
/// supervisor, `/api/status`, `/metrics`, the history and the dashboard show the same room.
@Suite struct OneRoomTests {
    /// The sim board with its room sensor as an intake, and a heat sink.
    static let intakeOnly = TestBoards.simHeader + """
        [[sensor]]
        name = "inlet"
        role = "intake"
        chip = "tmp102"
        address = 0x48

        [[sensor]]
        name = "sink"
        role = "chip"
        chip = "mcp9808"
        address = 0x18
        """

    @Test func aBoardWithOnlyAnIntakeShowsOneRoomEverywhere() async throws {
        let folder = try temporaryFolder()
        try Self.intakeOnly.write(toFile: "\(folder)/intake.toml", atomically: true, encoding: .utf8)
        let board = try BoardProfile.load(file: "\(folder)/intake.toml")
        let world = SimWorld(model: ThermalModel(start: Celsius(17.25)))
        let history = HeaterHistory(interval: .seconds(30))
        let service = HeaterService(
            hardware: try Hardware.openSim(board, world: world), clock: ManualClock(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, setpoint: Celsius(21),
            wallClock: { 1_000 }, feeds: .init(engine: { .init(description: "simulated", hashRate: 0) }, publish: history.record))
        service.tick(elapsed: .zero)
        let snapshot = try #require(service.latest)
        let inlet = try #require(snapshot.readings.first { $0.name == "inlet" }?.value)

        // The loop: the room it holds is the intake's reading, and it heats the cold room.
        #expect(snapshot.temperatures.room == .init(name: "inlet", role: .intake, value: inlet))
        #expect(snapshot.room == inlet)
        #expect(snapshot.output.demand > .zero, "17 °C against 21 °C: the room loop asks for heat")

        // The supervisor: its runaway check needs the room, and finds it in the intake. A heat
        // sink that stays at the room's temperature at full power is off its mount.
        var supervisor = SafetySupervisor()
        let limits = supervisor.limits
        var time = Duration.zero
        var latched: [SafetyFault] = []
        while time <= limits.runawayAfter + .seconds(1) {
            _ = supervisor.check(SafetyInput(
                time: time,
                sensors: [
                    SensorReading(name: "inlet", role: .intake, reading: .success(inlet)),
                    SensorReading(name: "sink", role: .chip, reading: .success(inlet + Celsius(time.seconds > 0 ? 0.01 : 0))),
                ],
                fan: nil, power: Watts(400), ratedPower: Watts(400)))
            latched = supervisor.latched.map(\.fault)
            time += .seconds(1)
        }
        #expect(latched.contains { if case .runaway("sink", _) = $0 { true } else { false } }, "got \(latched)")

        // The HTTP API, the metrics and the history, all from the same snapshot.
        let backend = DaemonBackend(
            service: service, identity: HeaterIdentity(version: "test", hostname: "den"), schedules: .init(configured: nil, fromAPI: nil, keeper: nil))
        let api = HeaterAPI(backend: backend, token: nil, history: history)
        try await Application(router: api.router()).test(.router) { client in
            try await client.execute(uri: "/api/status", method: .get) { response in
                let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect(body["room"] as? Double == inlet.value)
                #expect(body["roomSensor"] as? String == "inlet")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"hearth_room_celsius{sensor="inlet"} \#(inlet.value)"#), "\(text)")
            }
            try await client.execute(uri: "/api/history", method: .get) { response in
                let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                let samples = try #require(body["samples"] as? [[String: Any]])
                #expect(samples.count == 1 && samples[0]["room"] as? Double == inlet.value && samples[0]["time"] as? Double == 960, "the point of 4 min that holds the tick at 1 000 s")
            }
        }
        // The dashboard draws the room the status names, both the big figure and the chart's live point.
        #expect(Dashboard.html.contains("celsius(s.room)") && Dashboard.html.contains("room: status.room"))
        #expect(!Dashboard.html.contains("role === \"room\""), "the page decides nothing about roles")
    }
}
