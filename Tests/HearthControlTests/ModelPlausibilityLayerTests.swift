import Foundation
import HearthControl
import HearthHAL
import Testing

/// A heat sink in a room, on virtual time: what the layer is fed. Its true figures differ from the
/// board's (`board`), as a real heater's do, so every test also shows the observer learning them.
private struct Bench {
    /// The board's figures, as `Board/sim.toml` gives them.
    static let board = HeatSinkModel(riseFullFan: 15, riseStill: 160, settleFullFan: .seconds(65))

    var rated = 400.0
    /// The true heater: conductance with the fan stopped and added at full fan, W/K; capacity, J/K.
    var stillConductance = 3.0
    var fanConductance = 25.0
    var capacity = 1800.0
    /// What the supply draws beside the hash board (board, fan), W.
    var idleDraw = 5.0
    /// The meter's top (the INA260's power register: 655.35 W).
    var meterTop = Double.infinity

    var time = Duration.zero
    var room = 18.0
    var sink = 18.0
    var fan = 0.25
    /// Added to the room sensor's reading (a drift).
    var roomOffset = 0.0
    var tick = 0

    var layer: ModelPlausibilityLayer
    var faults: [(fault: SafetyFault, tick: Int)] = []

    init(limits: SafetyLimits = Bench.limits()) {
        layer = ModelPlausibilityLayer(limits: limits)
    }

    static func limits(_ model: HeatSinkModel? = Bench.board) -> SafetyLimits {
        var limits = SafetyLimits()
        limits.heatSinkModel = model
        return limits
    }

    /// A reading's flicker: ±0.05 °C, repeatable, then the sensor's 1/16 °C step.
    func read(_ value: Double, _ salt: Int) -> Double {
        let flicker = Double((tick &* 7919 &+ salt &* 104_729) % 21 - 10) * 0.005
        return ((value + flicker) * 16).rounded() / 16
    }

    /// Half a second at `power` W allowed (the heater draws it), the room moving by `roomRate` K/s;
    /// a fan loop holds the heat sink near 60 °C, never below a quarter while heating.
    mutating func step(power: Double, roomRate: Double = 0, measured: Double?? = nil) {
        let dt = 0.5
        time += .milliseconds(500)
        tick += 1
        room += roomRate * dt
        let conductance = stillConductance + fanConductance * fan
        let steady = room + power / conductance
        sink = steady + (sink - steady) * exp(-dt * conductance / capacity)
        fan = min(max(fan + 0.002 * (sink - 60), power > 0 ? 0.25 : 0), 1)
        let reading = measured ?? min(power + idleDraw, meterTop)
        let verdict = layer.check(
            room: (name: "room", value: Celsius(read(room + roomOffset, 1))), heatSink: (name: "sink", value: Celsius(read(sink, 2))),
            measuredPower: reading.map { Watts($0) }, allowedPower: Watts(power), fan: fan, ratedPower: Watts(rated),
            at: time)
        faults += verdict.faults.map { ($0, tick) }
    }

    mutating func run(minutes: Double, power: Double, roomRate: Double = 0, drift perHour: Double = 0) {
        for _ in 0..<Int(minutes * 120) {
            roomOffset += perHour / 7200
            step(power: power, roomRate: roomRate)
        }
    }
}

@Suite struct ModelPlausibilityLayerTests {
    @Test func aRoomSensorDriftingDownAtFullPowerIsCaughtInMinutes() throws {
        // The bounds `Board/sim.toml` sets: 1.5 K for 30 s.
        var limits = Bench.limits()
        limits.modelResidual = 1.5
        limits.modelResidualFor = .seconds(30)
        var bench = Bench(limits: limits)
        // An hour of heating: the room warms slowly, the fan loop takes over the heat sink.
        bench.run(minutes: 60, power: 400, roomRate: 0.5 / 3600)
        #expect(bench.faults.isEmpty, "\(bench.faults)")
        #expect(abs(bench.layer.scale - 1.08) < 0.05, "the true conductance is 8 % over the board's: \(bench.layer.scale)")
        let start = bench.tick
        bench.run(minutes: 20, power: 400, roomRate: 0.5 / 3600, drift: -20)
        let first = try #require(bench.faults.first, "a room reading 6.7 °C low after 20 minutes")
        let ticks = first.tick - start
        #expect(ticks < 1500, "caught \(ticks) ticks (\(Double(ticks) / 120) min) after the drift began")
        guard case .sensorDisagreesWithModel(let name, let residual, let against) = first.fault else {
            Issue.record("\(first.fault)")
            return
        }
        #expect(name == "room" && against == "sink")
        #expect(residual.value < -1.5, "the room reads low: \(residual)")
        #expect(first.fault.description.hasPrefix("sensor disagrees with the model: room reads "))
        #expect(first.fault.description.contains("below the room that sink and the measured power imply (or sink reads high)"))
    }

    @Test func aRoomSensorDriftingUpAfterTheHeatStoppedIsCaught() throws {
        var bench = Bench()
        bench.run(minutes: 30, power: 400)
        // The room reads warm: the thermostat stops, the heat sink cools to the real room, and the
        // reading goes on above a heat sink nothing cools below the room air.
        let start = bench.tick
        bench.run(minutes: 40, power: 0, drift: 20)
        let first = try #require(bench.faults.first)
        #expect(first.tick - start < 40 * 120)
        guard case .sensorDisagreesWithModel(_, let residual, _) = first.fault else {
            Issue.record("\(first.fault)")
            return
        }
        #expect(residual.value > 2, "the room reads high: \(residual)")
    }

    @Test func aWindowOpeningASunnySpellAndAThermostatBackingOffAreNotFaults() {
        var bench = Bench()
        bench.run(minutes: 30, power: 400)
        // A window: the room falls 4 °C in ten minutes at full power, and recovers.
        bench.run(minutes: 10, power: 400, roomRate: -4 / 600.0)
        bench.run(minutes: 20, power: 400, roomRate: 3 / 1200.0)
        // Sun: the room warms 2 °C an hour while the thermostat backs off, step by step, to nothing.
        for power in [300.0, 200, 120, 60, 0, 0, 250, 400] {
            bench.run(minutes: 10, power: power, roomRate: 2 / 3600.0)
        }
        #expect(bench.faults.isEmpty, "\(bench.faults.map(\.fault))")
        #expect(bench.layer.lastJudged != nil, "it judged all along")
    }

    @Test func aColdStartOnAHeaterUnlikeTheBoardsFiguresIsNotAFault() {
        // The 1200 W heater, told the same figures: its conductance and capacity differ in shape
        // as well as in size.
        var bench = Bench()
        bench.rated = 1200
        bench.stillConductance = 6
        bench.fanConductance = 70
        bench.capacity = 5000
        bench.room = 12
        bench.sink = 12
        bench.run(minutes: 30, power: 1200, roomRate: 3 / 3600.0)
        bench.run(minutes: 30, power: 500, roomRate: 1 / 3600.0)
        bench.run(minutes: 30, power: 0)
        #expect(bench.faults.isEmpty, "\(bench.faults.map(\.fault))")
        #expect(bench.layer.learned >= SafetyLimits().modelLearnFor)
    }

    @Test func aMeterAtTheTopOfItsRangeIsNoBasis() {
        var bench = Bench()
        bench.rated = 1200
        bench.stillConductance = 6
        bench.fanConductance = 70
        bench.capacity = 5000
        bench.meterTop = 655.35
        // The meter reads 655 W of 1200: the heat is not known, and a drifting room cannot be
        // told from it; it says nothing rather than guess.
        bench.run(minutes: 60, power: 1200, drift: -20)
        #expect(bench.faults.isEmpty, "\(bench.faults.map(\.fault))")
        #expect(bench.layer.lastJudged == nil)
    }

    @Test func withoutABasisItSaysNothing() {
        // No figures from the board: nothing, however wrong the readings look.
        var bench = Bench(limits: Bench.limits(nil))
        bench.run(minutes: 30, power: 400, drift: -60)
        #expect(bench.faults.isEmpty)
        #expect(bench.layer.predicted == nil && bench.layer.lastJudged == nil)

        // No measured power: the same.
        bench = Bench()
        for _ in 0..<(30 * 120) {
            bench.roomOffset -= 60.0 / 7200
            bench.step(power: 400, measured: .some(nil))
        }
        #expect(bench.faults.isEmpty)
        #expect(bench.layer.predicted == nil)
    }

    @Test func aLostBasisStartsTheObserverAfreshAndKeepsWhatItLearned() {
        var bench = Bench()
        bench.run(minutes: 20, power: 400)
        let scale = bench.layer.scale
        var lost = bench.layer
        _ = lost.check(
            room: nil, heatSink: (name: "sink", value: Celsius(60)), measuredPower: Watts(405), allowedPower: Watts(400),
            fan: nil, ratedPower: Watts(400), at: bench.time + .seconds(1))
        #expect(lost.predicted == nil && lost.scale == scale)
        // Back with a heat sink far from where the observer had it: it starts from the reading.
        let verdict = lost.check(
            room: (name: "room", value: Celsius(18)), heatSink: (name: "sink", value: Celsius(30)), measuredPower: Watts(405),
            allowedPower: Watts(400), fan: 0.3, ratedPower: Watts(400), at: bench.time + .seconds(2))
        #expect(verdict.faults.isEmpty && lost.predicted == 30)
    }

    @Test func theFaultIsOneLatchPerRoomSensor() {
        let low = SafetyFault.sensorDisagreesWithModel("room", residual: Celsius(-2.44), against: "sink")
        let high = SafetyFault.sensorDisagreesWithModel("room", residual: Celsius(3), against: "sink")
        #expect(low.key == high.key && low.key == "model:room")
        #expect(
            high.description
                == "sensor disagrees with the model: room reads 3.0 °C above the room that sink and the measured power imply (or sink reads low)")
    }
}
