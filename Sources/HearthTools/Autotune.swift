import HearthConfig
import HearthControl
import HearthHAL
import HearthRuntime
import HearthSim

/// Relay autotuning of the room loop on the simulated heater: the full stack (drivers, twins,
/// safety, fan loop), with the relay in place of the room law, on virtual time.
public struct SimulatedAutotune {
    public var scenario: Scenario
    public var board: BoardProfile
    public var setpoint: Celsius
    public var tick: Duration

    public init(scenario: Scenario, board: BoardProfile, setpoint: Celsius, tick: Duration = .milliseconds(500)) {
        self.scenario = scenario
        self.board = board
        self.setpoint = setpoint
        self.tick = tick
    }

    /// Runs the relay until it has its cycles or `limit` passes; `nil` when the room never
    /// oscillated (the heater cannot reach the setpoint, or cannot get away from it).
    public func run(limit: Duration = .seconds(24 * 3600)) throws(HALError) -> (result: RelayAutotune.Result?, took: Duration, faults: [String]) {
        let world = SimWorld(scenario: scenario, sensorNoise: Hardware.simulatedSensorNoise)
        var loop = ControlLoop(hardware: try Hardware.openSim(board, world: world), setpoint: setpoint)
        var relay = RelayAutotune(setpoint: setpoint, high: loop.hardware.ratedPower)
        var demand = Watts(0)
        var time = Duration.zero
        while !relay.isDone && time < limit && !loop.supervisor.isLatched {
            time += tick
            let report = loop.tick(time: time, demand: demand)
            if let room = report.room { demand = relay.update(time: time, measurement: room) }
        }
        return (relay.result, time, loop.faults)
    }
}
