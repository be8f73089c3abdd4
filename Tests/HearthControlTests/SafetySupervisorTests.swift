import HearthControl
import HearthHAL
import Testing

@Suite struct SafetySupervisorTests {
    var supervisor = SafetySupervisor()
    let rated = Watts(400)

    /// One tick: room and heat sink readings, the power allowed, the fan.
    mutating func tick(
        _ second: Double, room: Result<Celsius, HALError> = .success(Celsius(20)),
        chip: Result<Celsius, HALError> = .success(Celsius(45)), power: Double = 400,
        fan: (DutyCycle, Result<RPM?, HALError>)? = (DutyCycle(0.6), .success(RPM(1800)))
    ) -> SafetyDecision {
        supervisor.check(SafetyInput(
            time: .milliseconds(Int64(second * 1000)),
            sensors: [
                SensorReading(name: "room", role: .room, reading: room), SensorReading(name: "sink", role: .chip, reading: chip),
            ],
            fan: fan.map { (duty: $0.0, speed: $0.1) }, power: Watts(power), ratedPower: rated))
    }

    let nack = HALError(.nackAddress, "gone")

    @Test mutating func aFailedReadStopsComputeAtOnceAndLatchesIfItLasts() {
        #expect(!tick(0).computeOff)
        let doubt = tick(0.5, room: .failure(nack))
        #expect(doubt.computeOff && doubt.fansFull, "any doubt about a temperature: compute off, fans full")
        #expect(!supervisor.isLatched)
        #expect(!tick(1).computeOff, "one glitch does not latch")
        _ = tick(1.5, room: .failure(nack))
        _ = tick(2, room: .failure(nack))
        let third = tick(2.5, room: .failure(nack))
        #expect(third.events.contains(.latched(.sensorLost("room", .nackAddress), at: .milliseconds(2500))))
        #expect(tick(3).computeOff, "latched: the sensor's return does not resume anything")
        #expect(tick(600).computeOff)
        #expect(supervisor.clearFaults() == .cleared([.sensorLost("room", .nackAddress)]))
        #expect(!tick(601).computeOff)
    }

    @Test mutating func implausibleValuesAndJumpsLatch() {
        _ = tick(0)
        #expect(tick(0.5, room: .success(Celsius(85))).computeOff)
        #expect(supervisor.latched.map(\.fault) == [.implausible("room", Celsius(85))])
        _ = supervisor.clearFaults()
        _ = tick(1)
        _ = tick(1.5, room: .success(Celsius(35)))
        #expect(supervisor.latched.map(\.fault) == [.jump("room", from: Celsius(20), to: Celsius(35))])
    }

    @Test mutating func aValueThatDoesNotMoveWhileThePowerSwingsIsStuck() {
        for second in stride(from: 0.0, through: 700, by: 0.5) {
            _ = tick(second, power: 300)
        }
        #expect(!supervisor.isLatched, "a steady room at steady power is not stuck")
        for second in stride(from: 700.5, through: 1100, by: 0.5) {
            _ = tick(second, room: .success(Celsius(20 + second / 10000)), power: Int(second) % 120 < 60 ? 0 : 400)
        }
        #expect(supervisor.latched.map(\.fault) == [.stuck("sink", Celsius(45))], "the heat sink answers power in minutes")
        var frozen = SafetySupervisor()
        for second in stride(from: 0.0, through: 900, by: 0.5) {
            _ = frozen.check(SafetyInput(
                time: .milliseconds(Int64(second * 1000)),
                sensors: [SensorReading(name: "room", role: .room, reading: .success(Celsius(20)))], fan: nil,
                power: Watts(100), ratedPower: rated))
        }
        #expect(frozen.latched.map(\.fault) == [.stuck("room", Celsius(20))], "not one flicker in a quarter of an hour")
    }

    @Test mutating func aHeatSinkThatDoesNotWarmAtPowerIsARunaway() {
        var runaway = SafetySupervisor()
        var healthy = SafetySupervisor()
        for second in stride(from: 0.0, through: 301, by: 0.5) {
            let input = { (sink: Double) in
                SafetyInput(
                    time: .milliseconds(Int64(second * 1000)),
                    sensors: [
                        SensorReading(name: "room", role: .room, reading: .success(Celsius(20))),
                        SensorReading(name: "sink", role: .chip, reading: .success(Celsius(sink))),
                    ],
                    fan: nil, power: Watts(400), ratedPower: Watts(400))
            }
            _ = runaway.check(input(21))
            _ = healthy.check(input(38))
        }
        #expect(runaway.latched.map(\.fault) == [.runaway("sink", Celsius(21))])
        #expect(!healthy.isLatched)
    }

    @Test mutating func aHotHeatSinkThrottlesThenResumesAtReducedPower() {
        #expect(tick(0, chip: .success(Celsius(70))).maxPower == rated)
        let hot = tick(2, chip: .success(Celsius(76)))
        #expect(hot.maxPower == Watts(200) && hot.fansFull)
        #expect(tick(30, chip: .success(Celsius(64))).maxPower == Watts(200), "cooling, not yet long enough")
        let resumed = tick(91, chip: .success(Celsius(60)))
        #expect(resumed.maxPower == Watts(280) && !resumed.fansFull && resumed.events == [.resumedReduced])
        let full = tick(700, chip: .success(Celsius(55)))
        #expect(full.maxPower == rated && full.events == [.resumedFull])
        #expect(!supervisor.isLatched, "hot is a throttle, not a fault")
    }

    @Test mutating func aDangerousTemperatureLatches() {
        #expect(tick(0, chip: .success(Celsius(91))).computeOff)
        #expect(supervisor.latched.map(\.fault) == [.overTemperature("sink", Celsius(91))])
    }

    @Test mutating func aDrivenFanThatDoesNotTurnHasStalled() {
        for second in stride(from: 0.0, through: 10, by: 0.5) {
            _ = tick(second, fan: (DutyCycle(0), .success(RPM(0))))
        }
        #expect(!supervisor.isLatched, "a fan told to stop may stop")
        _ = tick(11, fan: (DutyCycle(1), .success(RPM(0))))
        _ = tick(13.5, fan: (DutyCycle(1), .success(RPM(0))))
        #expect(!supervisor.isLatched, "spinning up")
        _ = tick(14, fan: (DutyCycle(1), .success(RPM(0))))
        #expect(!supervisor.isLatched)
        _ = tick(14.5, fan: (DutyCycle(1), .success(RPM(0))))
        #expect(supervisor.latched.map(\.fault) == [.fanStalled], "half a second without turning, once spun up")
    }

    /// Board-order ticks of named readings at 400 W, no fan.
    static func input(_ second: Double, _ sensors: [(String, SensorRole, Double)]) -> SafetyInput {
        SafetyInput(
            time: .milliseconds(Int64(second * 1000)),
            sensors: sensors.map { SensorReading(name: $0.0, role: $0.1, reading: .success(Celsius($0.2))) }, fan: nil,
            power: Watts(400), ratedPower: Watts(400))
    }

    @Test func theRunawayCheckUsesTheRoomTheControlLoopUses() {
        // Two room sensors: the first is the room (as ResolvedTemperatures picks it). The heat sink at
        // 38 °C is 18 K over it, healthy; it would be under the second, warmer one.
        var supervisor = SafetySupervisor()
        for second in stride(from: 0.0, through: 301, by: 0.5) {
            _ = supervisor.check(Self.input(second, [("room", .room, 20), ("hall", .room, 40), ("sink", .chip, 38)]))
        }
        #expect(!supervisor.isLatched)
    }

    @Test func anImplausibleRoomIsNoRoomForTheRunawayCheck() {
        var supervisor = SafetySupervisor()
        for second in stride(from: 0.0, through: 300, by: 0.5) {
            _ = supervisor.check(Self.input(second, [("room", .room, 20), ("sink", .chip, 45)]))
        }
        _ = supervisor.check(Self.input(300.5, [("room", .room, 85), ("sink", .chip, 45)]))
        #expect(supervisor.latched.map(\.fault) == [.implausible("room", Celsius(85))], "85 °C is thrown out, not compared")
    }

    @Test func faultsLatchSensorBySensorInBoardOrder() {
        var supervisor = SafetySupervisor()
        _ = supervisor.check(Self.input(0, [("room", .room, 20), ("sink", .chip, 45)]))
        // The room jumps; the heat sink jumps into its dangerous range; the room comes first, and
        // for the heat sink the jump before the over-temperature.
        let decision = supervisor.check(Self.input(0.5, [("room", .room, 25), ("sink", .chip, 95)]))
        #expect(decision.events == [
            .latched(.jump("room", from: Celsius(20), to: Celsius(25)), at: .milliseconds(500)),
            .latched(.jump("sink", from: Celsius(45), to: Celsius(95)), at: .milliseconds(500)),
            .latched(.overTemperature("sink", Celsius(95)), at: .milliseconds(500)),
            .throttled("sink at 95.0 °C, over 75.0 °C"),
        ])
        #expect(decision.computeOff && decision.fansFull)
    }

    @Test mutating func limitsChangedLaterReachEveryLayer() {
        supervisor.limits.lostAfterTicks = 1
        supervisor.limits.chipDangerous = Celsius(50)
        _ = tick(0, room: .failure(nack), chip: .success(Celsius(51)))
        #expect(supervisor.latched.map(\.fault) == [.sensorLost("room", .nackAddress), .overTemperature("sink", Celsius(51))])
    }

    @Test mutating func aTickOverrunLatchedFromOutsideHoldsComputeOffUntilCleared() {
        #expect(!tick(0).computeOff)
        let overrun = SafetyFault.tickOverrun(.milliseconds(2500))
        #expect(supervisor.latch(overrun, at: .milliseconds(2600)) == .latched(overrun, at: .milliseconds(2600)))
        #expect(supervisor.latch(.tickOverrun(.seconds(4)), at: .seconds(5)) == nil, "one latch per key")
        #expect(supervisor.latched.map(\.fault) == [overrun] && supervisor.latched.map(\.at) == [.milliseconds(2600)])
        let next = tick(3)
        #expect(next.computeOff && next.fansFull, "every reading is fine, the latch holds")
        #expect(next.events.isEmpty, "latched between ticks: the event was the latch's own")
        #expect(tick(600).computeOff)
        #expect(supervisor.clearFaults() == .cleared([overrun]))
        let cleared = tick(601)
        #expect(!cleared.computeOff && !cleared.fansFull)
    }

    @Test func aTickOverrunSaysHowLongTheTickRan() {
        let overrun = SafetyFault.tickOverrun(.milliseconds(2500))
        #expect(overrun.key == "tick-overrun")
        #expect(overrun.description == "a control tick ran 2.5 s, over its deadline: a bus or driver hung")
        var restarted = SafetySupervisor()
        restarted.restore([overrun.description], at: .zero)
        #expect(restarted.latched.map(\.fault) == [.restored(overrun.description)], "said again as it was after a restart")
        #expect(restarted.latch(overrun, at: .seconds(1)) != nil, "a restored fault is its own key")
    }

    @Test func aLoadThatDrawsWithComputeOffLatchesAndHoldsTheFansFull() {
        var limits = SafetyLimits()
        limits.idlePowerLimit = Watts(15)
        var supervisor = SafetySupervisor(limits: limits)
        func tick(_ second: Double, power: Double, measured: Double?) -> SafetyDecision {
            var input = Self.input(second, [("room", .room, 20 + second / 1000), ("sink", .chip, 45 + second / 1000)])
            input.power = Watts(power)
            input.measuredPower = measured.map(Watts.init)
            return supervisor.check(input)
        }
        #expect(!tick(0, power: 400, measured: 410).computeOff, "drawing what it was allowed")
        for second in [0.5, 1, 1.5] {
            let decision = tick(second, power: 0, measured: 300)
            #expect(!decision.fansFull && decision.events.isEmpty, "still winding down at \(second) s")
        }
        let fourth = tick(2, power: 0, measured: 300)
        #expect(fourth.events == [.latched(.loadWillNotTurnOff(Watts(300)), at: .seconds(2))])
        #expect(fourth.computeOff && fourth.fansFull)
        #expect(tick(2.5, power: 0, measured: 5).computeOff, "latched: a person looks")
        #expect(supervisor.clearFaults() == .cleared([.loadWillNotTurnOff(Watts(300))]))
        for second in [3, 3.5, 4] { _ = tick(second, power: 0, measured: 300) }
        #expect(!supervisor.isLatched, "the count starts again after a clear")
        _ = tick(4.5, power: 0, measured: 300)
        #expect(supervisor.isLatched)
    }

    @Test mutating func aFanThatCannotBeDrivenStopsComputeAtOnceAndLatchesIfItLasts() {
        func tick(_ second: Double, driveError: HALError?) -> SafetyDecision {
            var input = Self.input(second, [("room", .room, 20), ("sink", .chip, 45)])
            input.fan = (duty: DutyCycle(0.6), speed: .success(RPM(1800)))
            input.fanDriveError = driveError
            return supervisor.check(input)
        }
        let pwm = HALError(.busError, "pwm write")
        #expect(!tick(0, driveError: nil).computeOff)
        let doubt = tick(0.5, driveError: pwm)
        #expect(doubt.computeOff && doubt.fansFull && doubt.events == [.doubt("fan drive: bus error")])
        #expect(!supervisor.isLatched, "one failed write does not latch")
        #expect(!tick(1, driveError: nil).computeOff)
        _ = tick(1.5, driveError: pwm)
        _ = tick(2, driveError: pwm)
        let third = tick(2.5, driveError: pwm)
        #expect(third.events.contains(.latched(.fanUndriveable(.busError), at: .milliseconds(2500))))
        #expect(tick(3, driveError: nil).computeOff, "latched: a write that works again resumes nothing")
        #expect(supervisor.clearFaults() == .cleared([.fanUndriveable(.busError)]))
        #expect(!tick(3.5, driveError: nil).computeOff)
    }

    @Test func limitsChangedLaterReachTheFanDriveAndLoadOffLayers() {
        var supervisor = SafetySupervisor()
        supervisor.limits.lostAfterTicks = 1
        supervisor.limits.idlePowerLimit = Watts(15)
        supervisor.limits.loadOffAfterTicks = 1
        var input = Self.input(0, [("room", .room, 20), ("sink", .chip, 45)])
        input.power = .zero
        input.measuredPower = Watts(300)
        input.fanDriveError = HALError(.timeout, "pwm")
        _ = supervisor.check(input)
        #expect(supervisor.latched.map(\.fault) == [.fanUndriveable(.timeout), .loadWillNotTurnOff(Watts(300))], "in the supervisor's order")
    }

    /// A board with no temperature sensor is never heated on the supervisor's word alone.
    @Test func noSensorAtAllIsADoubt() {
        var supervisor = SafetySupervisor()
        let decision = supervisor.check(SafetyInput(time: .zero, sensors: [], fan: nil, power: .zero, ratedPower: Watts(400)))
        #expect(decision.computeOff && decision.fansFull)
        #expect(decision.events == [.doubt("no temperature sensor")])
        #expect(supervisor.latched.isEmpty, "a doubt, not a latch")
    }

    /// An outdoor probe guards nothing: lost, frozen at -80 °C or jumping, it latches nothing, and
    /// alone it is no temperature to heat by.
    @Test func anOutdoorProbeIsNotJudged() {
        var supervisor = SafetySupervisor()
        supervisor.limits.lostAfterTicks = 1
        let gone = SensorReading(name: "outside", role: .outdoor, reading: .failure(HALError(.nackAddress, "gone")))
        for second in stride(from: 0.0, through: 10, by: 0.5) {
            var input = Self.input(second, [("room", .room, 20), ("sink", .chip, 40), ("outside", .outdoor, second.truncatingRemainder(dividingBy: 1) == 0 ? -80 : 45)])
            if second == 10 { input.sensors[2] = gone }
            _ = supervisor.check(input)
        }
        #expect(supervisor.latched.isEmpty, "\(supervisor.latched)")
        let alone = supervisor.check(Self.input(11, [("outside", .outdoor, 3)]))
        #expect(alone.computeOff && alone.events.contains(.doubt("no temperature sensor")))
    }
}
