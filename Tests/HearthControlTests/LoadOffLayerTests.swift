import HearthControl
import HearthHAL
import Testing

@Suite struct LoadOffLayerTests {
    var layer: LoadOffLayer = {
        var limits = SafetyLimits()
        limits.idlePowerLimit = Watts(15)
        return LoadOffLayer(limits: limits)
    }()

    mutating func check(target: Double, measured: Double?) -> [SafetyFault] {
        layer.check(power: Watts(target), measured: measured.map(Watts.init)).faults
    }

    @Test mutating func aSupplyStillDrawingAtTargetZeroLatchesOnTheFourthTick() {
        // An INA260 on a 12 V supply reads 25 A: 300 W with the target at zero, over the board's 15 W.
        #expect(check(target: 0, measured: 300).isEmpty)
        #expect(check(target: 0, measured: 300).isEmpty)
        #expect(check(target: 0, measured: 300).isEmpty, "the third tick: the supply may still be winding down")
        #expect(check(target: 0, measured: 300) == [.loadWillNotTurnOff(Watts(300))], "the fourth")
        #expect(check(target: 0, measured: 310) == [.loadWillNotTurnOff(Watts(310))], "and again while it lasts")
        #expect(layer.ticksOn == 5)
    }

    @Test mutating func anIdleDrawUnderTheLimitNeverLatches() {
        for _ in 0..<100 {
            #expect(check(target: 0, measured: 10).isEmpty, "10 W: the board's own draw")
        }
        #expect(layer.ticksOn == 0)
    }

    @Test mutating func aTargetAboveZeroStartsTheCountAgain() {
        for _ in 0..<3 { _ = check(target: 0, measured: 300) }
        #expect(check(target: 200, measured: 300).isEmpty, "drawing what it was allowed")
        #expect(layer.ticksOn == 0)
        for _ in 0..<3 { #expect(check(target: 0, measured: 300).isEmpty) }
        #expect(check(target: 0, measured: 300).count == 1, "four in a row again")
    }

    @Test mutating func aReadingAtTheLimitOrUnknownStartsTheCountAgain() {
        for reading: Double? in [15, nil, .nan] {
            for _ in 0..<3 { _ = check(target: 0, measured: 300) }
            #expect(check(target: 0, measured: reading).isEmpty, "\(String(describing: reading))")
            #expect(layer.ticksOn == 0)
        }
    }

    @Test func withoutAnIdleLimitNothingIsJudged() {
        var unset = LoadOffLayer()
        #expect(SafetyLimits().idlePowerLimit == nil && SafetyLimits().loadOffAfterTicks == 4)
        for _ in 0..<10 {
            #expect(unset.check(power: .zero, measured: Watts(1200)) == .allClear)
        }
    }

    @Test mutating func resetStartsTheCountAgain() {
        for _ in 0..<3 { _ = check(target: 0, measured: 300) }
        layer.reset()
        for _ in 0..<3 { #expect(check(target: 0, measured: 300).isEmpty) }
        #expect(check(target: 0, measured: 300).count == 1)
    }

    @Test func theFaultSaysWhatTheLoadDraws() {
        let fault = SafetyFault.loadWillNotTurnOff(Watts(300))
        #expect(fault.key == "load-on" && SafetyFault.loadWillNotTurnOff(Watts(20)).key == fault.key)
        #expect(fault.description == "the load draws 300.0 W with compute off: its supply does not turn off")
    }
}
