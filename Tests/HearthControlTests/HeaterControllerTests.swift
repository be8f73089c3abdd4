import HearthControl
import HearthHAL
import Testing

@Suite struct HeaterControllerTests {
    /// A 400 W heater with the default settings: room gains 800 W/°C, fan gains 0.08 /°C, the heat
    /// sink held at 60 °C and derated from 65 °C to nothing at 75 °C, the exhaust under 50 °C.
    static let rated = Watts(400)

    static func allClear(_ maxPower: Watts = rated) -> SafetyDecision { SafetyDecision(maxPower: maxPower, fansFull: false) }

    /// One tick of a fresh controller at time zero. The defaults are a cold room (15 °C for a 21 °C
    /// setpoint: 4800 W asked of the PID, which gives its full 400 W) and a cool heat sink (50 °C).
    static func once(
        _ mode: Mode = .heat, room: Double? = 15, chip: Double? = 50, exhaust: Double? = nil,
        settings: ControllerSettings = ControllerSettings(ratedPower: rated), law: RoomLawKind = .pid,
        safety: SafetyDecision = allClear(), demand: Watts? = nil
    ) -> ControlOutput {
        var controller = HeaterController(settings: settings, law: law)
        return controller.tick(
            time: .zero, setpoint: Celsius(21), mode: mode, room: room.map { Celsius($0) }, chip: chip.map { Celsius($0) },
            exhaust: exhaust.map { Celsius($0) }, safety: safety, demand: demand)
    }

    @Test func eachModeHasItsPowerCeiling() {
        #expect(Self.once(.heat).powerTarget == Watts(400))
        #expect(Self.once(.boost).powerTarget == Watts(400))
        #expect(Self.once(.night).powerTarget == Watts(400))
        #expect(Self.once(.eco).powerTarget == Watts(200), "eco: half")
        let off = Self.once(.off)
        #expect(off.demand == .zero && off.powerTarget == .zero)
    }

    @Test func thePowerCapHoldsExceptInBoost() {
        let capped = ControllerSettings(ratedPower: Self.rated, powerCap: Watts(300))
        #expect(Self.once(.heat, settings: capped).powerTarget == Watts(300))
        #expect(Self.once(.night, settings: capped).powerTarget == Watts(300))
        #expect(Self.once(.eco, settings: capped).powerTarget == Watts(200), "eco's half is under the cap")
        #expect(Self.once(.boost, settings: capped).powerTarget == Watts(400), "boost ignores the cap")
    }

    @Test func aHotHeatSinkIsDeratedFromFiveToFifteenDegreesOverItsTarget() {
        #expect(Self.once(chip: 65).powerTarget == Watts(400), "at 65 °C derating has not begun")
        #expect(Self.once(chip: 67).powerTarget == Watts(320), "2 of 10 °C into the span: 80 %")
        #expect(Self.once(chip: 70).powerTarget == Watts(200), "half way")
        #expect(Self.once(.eco, chip: 70).powerTarget == Watts(100), "half of eco's half")
        #expect(Self.once(chip: 75).powerTarget == .zero)
        #expect(Self.once(chip: 80).powerTarget == .zero, "never below zero")
        #expect(Self.once(chip: 70).demand == Watts(400), "the demand is reported before the limits")
    }

    @Test func theSupervisorsLimitWins() {
        let limited = Self.once(safety: Self.allClear(Watts(150)))
        #expect(limited.powerTarget == Watts(150) && limited.demand == Watts(400))
        #expect(Self.once(.boost, safety: Self.allClear(.zero)).powerTarget == .zero, "compute off, even in boost")
    }

    @Test func theFanRunsFullWhenSafetySaysSo() {
        let full = SafetyDecision(maxPower: Self.rated, fansFull: true)
        #expect(Self.once(safety: full).fanDuty == .full)
        #expect(Self.once(.night, safety: full).fanDuty == .full, "over night's 40 % ceiling")
        #expect(Self.once(.off, safety: full).fanDuty == .full)
    }

    @Test func airMovesOverAWorkingHeatSink() {
        // A heat sink 10 °C under its target asks for no fan at all...
        #expect(Self.once(.off).fanDuty == .off)
        // ...but while compute runs the fan keeps its 25 %.
        #expect(Self.once(.heat).fanDuty == DutyCycle(0.25))
        #expect(Self.once(.heat, room: 22).fanDuty == .off, "a warm room: no power, no minimum")
    }

    @Test func theFanFollowsWhicheverIsFurtherOverItsTarget() {
        // 12 °C over 60 °C at 0.08 per °C: 96 %.
        #expect(abs(Self.once(.heat, chip: 72).fanDuty.value - 0.96) < 1e-9)
        // The heat sink 10 °C under, the exhaust 8 °C over its 50 °C: 64 %.
        #expect(abs(Self.once(.heat, chip: 50, exhaust: 58).fanDuty.value - 0.64) < 1e-9)
    }

    @Test func quietModesCapTheFan() {
        #expect(abs(Self.once(.boost, chip: 72).fanDuty.value - 0.96) < 1e-9)
        #expect(abs(Self.once(.off, chip: 72).fanDuty.value - 0.96) < 1e-9, "off still cools what is warm")
        #expect(Self.once(.eco, chip: 72).fanDuty == DutyCycle(0.7))
        #expect(Self.once(.night, chip: 72).fanDuty == DutyCycle(0.4))
    }

    @Test func anUnknownRoomOrHeatSinkHeatsNothingAndRunsTheFanFull() {
        for output in [Self.once(.night, room: nil), Self.once(.night, chip: nil), Self.once(.boost, room: nil, chip: nil)] {
            #expect(output.demand == .zero && output.powerTarget == .zero && output.fanDuty == .full)
        }
        var controller = HeaterController(settings: ControllerSettings(ratedPower: Self.rated))
        let failed = ResolvedTemperatures([
            SensorReading(name: "air", role: .room, reading: .failure(HALError(.timeout, "no answer"))),
            SensorReading(name: "sink", role: .chip, reading: .success(Celsius(50))),
        ])
        let output = controller.tick(
            time: .zero, setpoint: Celsius(21), mode: .heat, temperatures: failed, safety: Self.allClear())
        #expect(output.powerTarget == .zero && output.fanDuty == .full)
    }

    @Test func aDemandGivenReplacesTheLaw() {
        // 25 °C for a 21 °C setpoint: the PID would ask for nothing; an autotune's relay asks for 250 W.
        let relay = Self.once(room: 25, demand: Watts(250))
        #expect(relay.demand == Watts(250) && relay.powerTarget == Watts(250))
        #expect(Self.once(room: 25).powerTarget == .zero)
        #expect(Self.once(.eco, room: 25, demand: Watts(1000)).powerTarget == Watts(200), "still limited")
    }

    @Test func theHysteresisLawIsChosenByKind() {
        var controller = HeaterController(settings: ControllerSettings(ratedPower: Self.rated), law: .hysteresis)
        #expect(controller.law == .hysteresis)
        func target(_ second: Int, _ room: Double) -> Watts {
            controller.tick(
                time: .seconds(second), setpoint: Celsius(21), mode: .heat, room: Celsius(room), chip: Celsius(50),
                safety: Self.allClear()
            ).powerTarget
        }
        #expect(target(0, 20.6) == .zero, "inside the ±0.5 °C band, starting off")
        #expect(target(1, 20.4) == Watts(400))
        #expect(target(2, 21.4) == Watts(400), "inside the band: keeps heating")
        #expect(target(3, 21.6) == .zero)
    }

    @Test func thePIDTakesOverFromZeroWhenHeatingResumes() {
        var settings = ControllerSettings(ratedPower: Watts(1200))
        settings.roomGains = PIDGains(kp: 800, ki: 2, kd: 0)
        var controller = HeaterController(settings: settings)
        func demand(_ second: Int, _ mode: Mode, _ room: Double?) -> Watts {
            controller.tick(
                time: .seconds(second), setpoint: Celsius(21), mode: mode, room: room.map { Celsius($0) }, chip: Celsius(50),
                safety: Self.allClear(Watts(1200))
            ).demand
        }
        #expect(demand(0, .heat, 20) == Watts(800), "1 °C short at 800 W/°C")
        // 600 s at 0.5 °C short build 600 W of integral: 400 W + 600 W.
        #expect(demand(600, .heat, 20.5) == Watts(1000))
        #expect(demand(700, .off, 20.5) == .zero)
        #expect(demand(750, .heat, nil) == .zero, "a tick without a room does not count as heating")
        // Back on at 0.1 °C over the setpoint: the old integral would give 480 W at once; taken over,
        // the integral holds 80 W against the −80 W proportional term, and the room asks for nothing.
        #expect(demand(800, .heat, 21.1) == .zero)
        #expect(abs(demand(810, .heat, 21).value - 80) < 1e-9, "and carries on from there")
    }

    @Test func aChangeBetweenHeatingModesIsNoTakeOver() {
        var controller = HeaterController(settings: ControllerSettings(ratedPower: Watts(1200)))
        func tick(_ second: Int, _ mode: Mode) -> ControlOutput {
            controller.tick(
                time: .seconds(second), setpoint: Celsius(21), mode: mode, room: Celsius(20), chip: Celsius(50),
                safety: Self.allClear(Watts(1200)))
        }
        #expect(tick(0, .heat).demand == Watts(800))
        // 100 s at 1 °C short: 200 W of integral, kept across heat → eco.
        let eco = tick(100, .eco)
        #expect(eco.demand == Watts(1000) && eco.powerTarget == Watts(600))
    }
}
