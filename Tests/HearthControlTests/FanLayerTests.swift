import HearthControl
import HearthHAL
import Testing

@Suite struct FanLayerTests {
    var layer = FanLayer()
    let timeout = HALError(.timeout, "tach")

    mutating func check(_ seconds: Double, duty: Double, _ speed: Result<RPM?, HALError>) -> SafetyVerdict {
        layer.check((duty: DutyCycle(duty), speed: speed), at: .milliseconds(Int64(seconds * 1000)))
    }

    @Test mutating func aDrivenFanStillAfterItsSpinUpHasStalled() {
        #expect(check(0, duty: 1, .success(RPM(0))) == .allClear, "spinning up: 3 s")
        #expect(check(2.9, duty: 1, .success(RPM(0))) == .allClear)
        #expect(check(3, duty: 1, .success(RPM(200))) == .allClear, "200 rpm is not turning; the half second starts")
        #expect(check(3.4, duty: 1, .success(RPM(0))) == .allClear)
        #expect(check(3.5, duty: 1, .success(RPM(0))).faults == [.fanStalled])
    }

    @Test mutating func aFanThatTurnsStartsTheCountAgain() {
        _ = check(0, duty: 1, .success(RPM(1800)))
        _ = check(5, duty: 1, .success(RPM(0)))
        _ = check(5.4, duty: 1, .success(RPM(201)))
        #expect(check(5.5, duty: 1, .success(RPM(0))) == .allClear)
        #expect(check(6, duty: 1, .success(RPM(0))).faults == [.fanStalled])
    }

    @Test mutating func aFanToldToStopMayStop() {
        for second in stride(from: 0.0, through: 10, by: 0.5) {
            #expect(check(second, duty: 0.19, .success(RPM(0))) == .allClear, "under the 20 % that counts as driven")
        }
        #expect(check(10.5, duty: 0.2, .success(RPM(0))) == .allClear, "driven again: a new spin-up")
        #expect(check(13.5, duty: 0.2, .success(RPM(0))) == .allClear)
        #expect(check(14, duty: 0.2, .success(RPM(0))).faults == [.fanStalled])
    }

    @Test mutating func aFanWithoutATachIsNeverStalled() {
        for second in stride(from: 0.0, through: 10, by: 0.5) {
            #expect(check(second, duty: 1, .success(nil)) == .allClear)
        }
        var absent = FanLayer()
        #expect(absent.check(nil, at: .seconds(100)) == .allClear, "no fan at all")
    }

    @Test mutating func anUnreadableSpeedIsADoubtAtOnceAndAFaultWhileDriven() {
        let first = check(0, duty: 1, .failure(timeout))
        #expect(first.doubts == ["fan speed: timeout"] && first.faults.isEmpty)
        #expect(check(0.4, duty: 1, .failure(timeout)).faults.isEmpty)
        #expect(check(0.5, duty: 1, .failure(timeout)).faults == [.fanUnreadable(.timeout)], "no spin-up needed to be unreadable")
        var idle = FanLayer()
        for second in stride(from: 0.0, through: 5, by: 0.5) {
            let verdict = idle.check((duty: DutyCycle(0), speed: .failure(timeout)), at: .milliseconds(Int64(second * 1000)))
            #expect(verdict.doubts.count == 1 && verdict.faults.isEmpty, "a fan told to stop: a doubt, not a fault")
        }
    }

    @Test mutating func resetCountsAStallAfresh() {
        _ = check(0, duty: 1, .success(RPM(0)))
        _ = check(3, duty: 1, .success(RPM(0)))
        layer.reset()
        #expect(check(3.5, duty: 1, .success(RPM(0))) == .allClear, "the half second starts again at 3.5 s")
        #expect(check(4, duty: 1, .success(RPM(0))).faults == [.fanStalled], "still spun up: driven since 0 s")
    }
}
