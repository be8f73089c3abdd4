import HearthControl
import HearthHAL
import Testing

@Suite struct FanDriveLayerTests {
    var layer = FanDriveLayer()
    let timeout = HALError(.timeout, "pwm")
    let gone = HALError(.unavailable, "pwmchip0 gone", device: "/sys/class/pwm/pwmchip0")

    @Test mutating func aFailedWriteIsADoubtAndTheThirdInARowLatches() {
        let first = layer.check(timeout)
        #expect(first.doubts == ["fan drive: timeout"] && first.faults.isEmpty)
        #expect(layer.check(timeout).faults.isEmpty)
        let third = layer.check(gone)
        #expect(third.faults == [.fanUndriveable(.unavailable)], "with the last error's kind")
        #expect(third.doubts == ["fan drive: unavailable"])
        #expect(layer.check(gone).faults == [.fanUndriveable(.unavailable)], "and again while it lasts")
    }

    @Test mutating func aWriteThatWentThroughStartsTheCountAgain() {
        _ = layer.check(timeout)
        _ = layer.check(timeout)
        #expect(layer.check(nil) == .allClear)
        #expect(layer.failures == 0)
        _ = layer.check(timeout)
        #expect(layer.check(timeout).faults.isEmpty, "two in a row, not four")
    }

    @Test mutating func resetStartsTheCountAgain() {
        _ = layer.check(timeout)
        _ = layer.check(timeout)
        layer.reset()
        #expect(layer.check(timeout).faults.isEmpty)
        #expect(layer.failures == 1)
    }

    @Test func theLimitIsTheSensorsLostAfterTicks() {
        var limits = SafetyLimits()
        limits.lostAfterTicks = 1
        var strict = FanDriveLayer(limits: limits)
        #expect(strict.check(timeout).faults == [.fanUndriveable(.timeout)])
    }

    @Test func theFaultSaysTheFanCannotBeDriven() {
        let fault = SafetyFault.fanUndriveable(.timeout)
        #expect(fault.key == "fan-undriveable" && SafetyFault.fanUndriveable(.busError).key == fault.key)
        #expect(fault.description == "fan cannot be driven (timeout): it runs at whatever duty it last took")
    }
}
