import HearthControl
import HearthHAL
import Testing

@Suite struct RoomLawTests {
    @Test func theKindsAreTheNamesTheCommandLineTakes() {
        #expect(RoomLawKind.allCases.map(\.rawValue) == ["pid", "hysteresis"])
        #expect(RoomLawKind(rawValue: "hysteresis") == .hysteresis)
        #expect(RoomLawKind(rawValue: "bang-bang") == nil)
    }

    @Test func aPIDLawIsMadeFromTheSettings() throws {
        var settings = ControllerSettings(ratedPower: Watts(1200))
        settings.roomGains = PIDGains(kp: 300, ki: 0.5, kd: 10)
        let law = try #require(RoomLawKind.pid.makeLaw(for: settings) as? PIDRoomLaw)
        #expect(law.pid.gains == PIDGains(kp: 300, ki: 0.5, kd: 10))
        #expect(law.pid.outputRange == 0...1200)
        #expect(law.pid.derivativeFilter == .seconds(60), "a room answers in minutes: a slow derivative")
        #expect(RoomLawKind.hysteresis.makeLaw(for: settings) is HysteresisRoomLaw)
    }

    @Test func thePIDDemandsHeatInProportionAndIntegratesPerSecond() {
        var law = PIDRoomLaw(gains: PIDGains(kp: 100, ki: 1, kd: 0), ratedPower: Watts(1000))
        // 1 °C short: 100 W at once, then 100 W·s of integral after 100 s.
        #expect(law.demand(time: .zero, setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000)) == Watts(100))
        #expect(law.demand(time: .seconds(100), setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000)) == Watts(200))
        // 15 °C short asks for 1500 W: the rated 1000 W is all there is.
        #expect(law.demand(time: .seconds(101), setpoint: Celsius(21), room: Celsius(6), ratedPower: Watts(1000)) == Watts(1000))
    }

    @Test func thePIDResumesFromZeroInsteadOfItsOldIntegral() {
        func warmedUp() -> PIDRoomLaw {
            var law = PIDRoomLaw(gains: PIDGains(kp: 100, ki: 1, kd: 0), ratedPower: Watts(1000))
            _ = law.demand(time: .zero, setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000))
            _ = law.demand(time: .seconds(100), setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000))
            return law  // 100 W of integral built up
        }
        var resumed = warmedUp()
        resumed.resume(time: .seconds(200), setpoint: Celsius(21), room: Celsius(20))
        #expect(resumed.pid.integral == 0)
        // One second later: 100 W proportional + 1 W of new integral, not the stale 100 W + 101 s.
        #expect(resumed.demand(time: .seconds(201), setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000)) == Watts(101))
        var stale = warmedUp()
        #expect(stale.demand(time: .seconds(201), setpoint: Celsius(21), room: Celsius(20), ratedPower: Watts(1000)) == Watts(301))
    }

    @Test func aRoomAboveTheSetpointResumesAtZeroDemand() {
        var law = PIDRoomLaw(gains: PIDGains(kp: 100, ki: 1, kd: 0), ratedPower: Watts(1000))
        // 0.25 °C warm: the integral holds +25 W so that the −25 W proportional term nets zero.
        law.resume(time: .seconds(50), setpoint: Celsius(21), room: Celsius(21.25))
        #expect(law.pid.integral == 25)
        #expect(law.demand(time: .seconds(51), setpoint: Celsius(21), room: Celsius(21.25), ratedPower: Watts(1000)) == .zero)
    }

    @Test func aPIDWithoutAPositiveRatingDemandsNothing() {
        var law = PIDRoomLaw(gains: PIDGains(kp: 100, ki: 1, kd: 0), ratedPower: Watts(.nan))
        #expect(law.pid.outputRange == 0...0)
        #expect(law.demand(time: .zero, setpoint: Celsius(21), room: Celsius(15), ratedPower: Watts(-5)) == .zero)
    }

    @Test func hysteresisSwitchesOnBelowTheBandAndOffAboveIt() {
        var law = HysteresisRoomLaw()
        func demand(_ room: Double) -> Watts {
            law.demand(time: .zero, setpoint: Celsius(20), room: Celsius(room), ratedPower: Watts(1200))
        }
        #expect(law.band == Celsius(0.5))
        #expect(demand(19.6) == .zero, "inside the band, starting off: stays off")
        #expect(demand(19.4) == Watts(1200))
        #expect(law.isOn)
        #expect(demand(20.4) == Watts(1200), "inside the band, on: stays on")
        #expect(demand(20.6) == .zero)
        #expect(demand(19.8) == .zero, "inside the band, off: stays off")
        #expect(demand(19.49) == Watts(1200))
    }

    @Test func aWiderBandWaitsLonger() {
        var law = HysteresisRoomLaw(band: Celsius(1))
        #expect(law.demand(time: .zero, setpoint: Celsius(20), room: Celsius(19.4), ratedPower: Watts(400)) == .zero)
        #expect(law.demand(time: .seconds(1), setpoint: Celsius(20), room: Celsius(18.9), ratedPower: Watts(400)) == Watts(400))
        #expect(law.demand(time: .seconds(2), setpoint: Celsius(20), room: Celsius(20.9), ratedPower: Watts(400)) == Watts(400))
        #expect(law.demand(time: .seconds(3), setpoint: Celsius(20), room: Celsius(21.1), ratedPower: Watts(400)) == .zero)
    }
}
