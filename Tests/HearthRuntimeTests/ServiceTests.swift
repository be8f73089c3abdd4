import Foundation
import HearthConfig
import HearthControl
import HearthDrivers
import HearthHAL
import HearthMining
import HearthSim
import HearthTestFixtures
import Logging
import Synchronization
import Testing

@testable import HearthRuntime

@Suite struct RestoredFaultTests {
    @Test func aFaultLatchedBeforeARestartStillHoldsComputeOff() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/sim.toml")
        let hardware = try Hardware.openSim(board)
        var loop = ControlLoop(hardware: hardware, restoredFaults: ["fan stalled: driven but not turning"])
        let first = loop.tick(time: .zero)
        #expect(first.safety.computeOff && first.appliedPower == .zero)
        #expect(loop.supervisor.latched.map { "\($0.fault)" } == ["fan stalled: driven but not turning"])
        #expect(loop.clearFaults() != nil)
        let after = loop.tick(time: .milliseconds(500))
        #expect(!after.safety.computeOff && after.appliedPower > .zero, "a person cleared it: the cold room is heated")
    }
}

@Suite struct CalibratedHardwareTests {
    @Test func calibratedHardwareCorrectsOnlyTheNamedSensors() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/sim.toml")
        let world = SimWorld(model: ThermalModel(start: Celsius(20)))
        let hardware = try Hardware.openSim(board, world: world)
            .calibrated(["room": .linear(gain: 1, offset: Celsius(0.5))])
        #expect(try hardware.sensors[0].device.readTemperature() == Celsius(20.5))
        #expect(try hardware.sensors[1].device.readTemperature() == Celsius(20))
        let room = try #require(hardware.sensors[0].device as? CalibratedSensor)
        #expect(try room.readUncalibrated() == Celsius(20))
    }
}

@Suite struct ScheduledServiceTests {
    final class Week: Sendable {
        let now = Mutex(WeekTime(weekday: 1, hour: 6, minute: 0)!)
        func set(_ weekday: Int, _ hour: Int, _ minute: Int) { now.withLock { $0 = WeekTime(weekday: weekday, hour: hour, minute: minute)! } }
    }

    let schedule = Schedule([
        .init(start: WeekTime(weekday: 1, hour: 6, minute: 30)!, setpoint: Celsius(21)),
        .init(start: WeekTime(weekday: 1, hour: 22, minute: 0)!, setpoint: Celsius(16), mode: .night),
    ])!

    /// The sim board's control service on a virtual week, with this schedule.
    func service(
        week: Week, manual: Bool, restoredFaults: [String] = [], optimalStart: OptimalStart? = nil
    ) -> HeaterService<ManualClock> {
        let board = try! BoardProfile.load(file: "\(boardFolder)/sim.toml")
        return HeaterService(
            hardware: try! Hardware.openSim(board, world: SimWorld(model: ThermalModel(start: Celsius(18)))), clock: ManualClock(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, setpoint: Celsius(19), mode: .heat,
            restoredFaults: restoredFaults, schedule: schedule, manualAtStart: manual, optimalStart: optimalStart,
            weekTime: { week.now.withLock { $0 } })
    }

    /// Optimal start with nothing learned yet: 3 °C to gain at the cautious 1 °C an hour, and ten
    /// minutes, is more than the 3 h limit, so the 06:30 slot starts at the limit, 03:30.
    @Test func optimalStartHeatsForTheMorningSlotEarly() {
        let week = Week()
        week.set(1, 3, 29)
        let heater = service(week: week, manual: false, optimalStart: OptimalStart())
        heater.tick(elapsed: .zero)
        #expect(heater.persistent.setpoint == Celsius(16), "03:29: more than 3 h before 06:30")
        week.set(1, 3, 31)
        heater.tick(elapsed: .seconds(1))
        #expect(heater.persistent.setpoint == Celsius(21) && heater.persistent.mode == .heat, "heating for 06:30 from 03:31")
        week.set(1, 6, 30)
        heater.tick(elapsed: .seconds(2))
        #expect(heater.persistent.setpoint == Celsius(21), "and the slot itself")
    }

    @Test func theScheduleSetsTheTarget() {
        let week = Week()
        let heater = service(week: week, manual: false)
        heater.tick(elapsed: .zero)
        #expect(heater.persistent.setpoint == Celsius(16) && heater.persistent.mode == .night, "06:00 Monday: still Sunday night's slot")
        week.set(1, 6, 30)
        heater.tick(elapsed: .seconds(1))
        #expect(heater.persistent.setpoint == Celsius(21) && heater.persistent.mode == .heat)
    }

    @Test func aSetpointGivenAtStartHoldsUntilTheNextSlot() {
        let week = Week()
        let heater = service(week: week, manual: true)
        heater.tick(elapsed: .zero)
        #expect(heater.persistent.setpoint == Celsius(19), "the hand-set value holds")
        week.set(1, 6, 29)
        heater.tick(elapsed: .seconds(1))
        #expect(heater.persistent.setpoint == Celsius(19))
        week.set(1, 6, 30)
        heater.tick(elapsed: .seconds(2))
        #expect(heater.persistent.setpoint == Celsius(21), "the next slot takes over")
    }
}

@Suite struct ServiceByHandTests {
    @Test func aFaultClearedByHandAndASetpointSetByHand() throws {
        let week = ScheduledServiceTests.Week()
        let heater = ScheduledServiceTests().service(week: week, manual: false, restoredFaults: ["fan stalled"])
        heater.tick(elapsed: .zero)
        #expect(heater.latest?.safety.computeOff == true, "a fault from before the restart holds compute off")
        let cleared = heater.clearFaults()
        #expect(cleared.count == 1 && cleared[0].contains("fan stalled"))
        #expect(heater.persistent.faults.isEmpty)
        #expect(heater.clearFaults().isEmpty, "nothing left to clear")

        heater.set(setpoint: Celsius(23), mode: .boost)
        heater.tick(elapsed: .seconds(1))
        #expect(heater.persistent.setpoint == Celsius(23) && heater.persistent.mode == .boost)
        #expect(heater.scheduleOverridden)
        week.set(1, 6, 30)
        heater.tick(elapsed: .seconds(2))
        #expect(heater.persistent.setpoint == Celsius(21), "the schedule's next slot ends the hand-set value")
        #expect(!heater.scheduleOverridden)
    }
}

/// While a fault is latched the engine's threads are stopped (and joined) by the control task, so
/// that it alone drives the outputs; the engine starts again once a person clears the fault.
@Suite struct LatchedEngineTests {
    final class RecordingLoad: Load {
        let events = Mutex<[String]>([])
        var ratedPower: Watts { Watts(400) }
        func apply(_ power: Watts) {}
        var engine: (any HashEngine)? { nil }
        func start() { events.withLock { $0.append("start") } }
        func stop() -> Bool {
            events.withLock { $0.append("stop") }
            return true
        }
    }

    func loop(restoredFaults: [String] = []) throws -> (ControlLoop, RecordingLoad, SimWorld) {
        let board = try BoardProfile.load(file: "\(boardFolder)/sim.toml")
        let world = SimWorld(model: ThermalModel(start: Celsius(18)))
        var hardware = try Hardware.openSim(board, world: world)
        let engine = RecordingLoad()
        hardware.load = SimulatedLoad(world: world, hashing: engine)
        return (ControlLoop(hardware: hardware, restoredFaults: restoredFaults), engine, world)
    }

    @Test func theTickThatLatchesStopsTheEngineAndAClearingStartsIt() throws {
        var (loop, engine, world) = try loop()
        var time = Duration.zero
        _ = loop.tick(time: time)
        #expect(engine.events.withLock { $0 }.isEmpty, "nothing latched: the engine runs on")
        world.inject(.gone(.air))
        var latchingTick: TickSnapshot?
        for _ in 0..<20 where latchingTick == nil {
            time += .milliseconds(500)
            let snapshot = loop.tick(time: time)
            if !loop.faults.isEmpty { latchingTick = snapshot }
        }
        #expect(latchingTick?.safety.events.contains { if case .latched = $0 { true } else { false } } == true)
        #expect(engine.events.withLock { $0 } == ["stop"], "stopped in the tick that latched")
        for _ in 0..<3 {
            time += .milliseconds(500)
            _ = loop.tick(time: time)
        }
        #expect(engine.events.withLock { $0 } == ["stop"], "stopped once, not again every tick")
    }

    @Test func aFaultLatchedBeforeTheStartOrBesideTheTickStopsTheEngineUntilCleared() throws {
        var (loop, engine, _) = try loop(restoredFaults: ["fan stalled: driven but not turning"])
        _ = loop.tick(time: .zero)
        #expect(engine.events.withLock { $0 } == ["stop"], "a restored latch: the first tick stops the engine")
        #expect(loop.clearFaults() != nil)
        _ = loop.tick(time: .milliseconds(500))
        #expect(engine.events.withLock { $0 } == ["stop", "start"])
        #expect(loop.latch(.tickOverrun(.seconds(3)), at: .seconds(1)) != nil)
        _ = loop.tick(time: .milliseconds(1000))
        _ = loop.tick(time: .milliseconds(1500))
        #expect(engine.events.withLock { $0 } == ["stop", "start", "stop"])
    }
}

@Suite struct MachineAddressTests {
    /// The first interface in name order with a real address, the loopback and zeros skipped.
    @Test func theFirstRealInterfaceAddress() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, address) in [("lo", "00:00:00:00:00:00"), ("dummy0", "00:00:00:00:00:00"), ("wlan0", "dc:a6:32:01:02:03"), ("eth0", "dc:a6:32:aa:bb:cc")] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true)
            try "\(address)\n".write(toFile: "\(folder)/\(name)/address", atomically: true, encoding: .utf8)
        }
        #expect(machineAddress(interfaces: folder) == "dc:a6:32:aa:bb:cc")
        #expect(machineAddress(interfaces: "\(folder)/none") == "", "no interfaces: empty, not a guess")
    }
}
