import HearthControl
import HearthHAL
import Testing

@Suite struct ScheduleTests {
    func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> WeekTime { WeekTime(weekday: day, hour: hour, minute: minute)! }

    /// Weekdays: 21 °C from 6:30, eco 17 °C from 8:30, 21 °C from 17:00, night 18 °C from 22:30;
    /// the weekend starts warm at 8:00.
    var schedule: Schedule {
        var slots: [Schedule.Slot] = []
        for day in 1...5 {
            slots += [
                .init(start: at(day, 6, 30), setpoint: Celsius(21)), .init(start: at(day, 8, 30), setpoint: Celsius(17), mode: .eco),
                .init(start: at(day, 17), setpoint: Celsius(21)), .init(start: at(day, 22, 30), setpoint: Celsius(18), mode: .night),
            ]
        }
        for day in 6...7 {
            slots += [.init(start: at(day, 8), setpoint: Celsius(21)), .init(start: at(day, 23), setpoint: Celsius(18), mode: .night)]
        }
        return Schedule(slots)!
    }

    @Test func theSlotInForce() {
        #expect(schedule.slot(at: at(3, 7)).setpoint == Celsius(21))
        #expect(schedule.slot(at: at(3, 12)).mode == .eco)
        #expect(schedule.slot(at: at(3, 23, 59)).mode == .night)
        #expect(schedule.slot(at: at(1, 3)).setpoint == Celsius(18), "Monday night runs on from Sunday's last slot")
        #expect(schedule.nextChange(after: at(7, 23, 30)) == at(1, 6, 30), "the week wraps")
        #expect(at(7, 23, 59).description == "Sun 23:59")
    }

    @Test func aBadScheduleIsRefused() {
        #expect(Schedule([]) == nil)
        #expect(Schedule([.init(start: at(1, 6), setpoint: Celsius(20)), .init(start: at(1, 6), setpoint: Celsius(21))]) == nil)
        #expect(WeekTime(weekday: 8, hour: 0, minute: 0) == nil)
        #expect(WeekTime(weekday: 1, hour: 24, minute: 0) == nil)
    }

    @Test func aManualSetpointHoldsUntilTheNextSlot() {
        var thermostat = Thermostat(schedule: schedule)
        thermostat.setManually(setpoint: Celsius(23), mode: .boost, at: at(2, 10))
        #expect(thermostat.target(at: at(2, 10, 1)) == (Celsius(23), .boost))
        #expect(thermostat.target(at: at(2, 16, 59)).setpoint == Celsius(23))
        #expect(thermostat.isOverridden(at: at(2, 16, 59)))
        #expect(thermostat.target(at: at(2, 17)).setpoint == Celsius(21), "the schedule takes over at 17:00")
        #expect(!thermostat.isOverridden(at: at(2, 17)))
        // Set late on Sunday, it holds across the week's end until Monday 6:30.
        thermostat.setManually(setpoint: Celsius(19), mode: .heat, at: at(7, 23, 30))
        #expect(thermostat.target(at: at(1, 2)).setpoint == Celsius(19))
        #expect(thermostat.target(at: at(1, 6, 30)).setpoint == Celsius(21))
    }
}
