import HearthConfig
import HearthControl
import HearthDrivers
import HearthHAL
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
    func service(week: Week, manual: Bool, restoredFaults: [String] = []) -> HeaterService<ManualClock> {
        let board = try! BoardProfile.load(file: "\(boardFolder)/sim.toml")
        return HeaterService(
            hardware: try! Hardware.openSim(board, world: SimWorld(model: ThermalModel(start: Celsius(18)))), clock: ManualClock(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, setpoint: Celsius(19), mode: .heat,
            restoredFaults: restoredFaults, schedule: schedule, manualAtStart: manual, weekTime: { week.now.withLock { $0 } })
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
