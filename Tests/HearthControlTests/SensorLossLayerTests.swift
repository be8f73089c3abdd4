import HearthControl
import HearthHAL
import Testing

@Suite struct SensorLossLayerTests {
    var layer = SensorLossLayer()
    let timeout = HALError(.timeout, "no answer")
    let nack = HALError(.nackAddress, "gone")

    func failed(_ name: String, _ error: HALError) -> SensorReading { SensorReading(name: name, role: .room, reading: .failure(error)) }
    func read(_ name: String) -> SensorReading { SensorReading(name: name, role: .room, reading: .success(Celsius(20))) }

    @Test mutating func aFailedReadIsADoubtAndTheThirdInARowIsLost() {
        let first = layer.check(failed("air", timeout))
        #expect(first.doubts == ["sensor air: timeout"] && first.faults.isEmpty)
        #expect(layer.check(failed("air", timeout)).faults.isEmpty)
        let third = layer.check(failed("air", nack))
        #expect(third.faults == [.sensorLost("air", .nackAddress)], "lost with the last error's kind")
        #expect(third.doubts == ["sensor air: NACK on address"])
        #expect(layer.check(failed("air", nack)).faults == [.sensorLost("air", .nackAddress)], "and again while it lasts")
    }

    @Test mutating func aGoodReadStartsTheCountAgain() {
        _ = layer.check(failed("air", timeout))
        _ = layer.check(failed("air", timeout))
        #expect(layer.check(read("air")) == .allClear)
        #expect(layer.failures(of: "air") == 0)
        _ = layer.check(failed("air", timeout))
        #expect(layer.check(failed("air", timeout)).faults.isEmpty, "two in a row, not four")
    }

    @Test mutating func eachSensorCountsAlone() {
        _ = layer.check(failed("air", timeout))
        _ = layer.check(failed("sink", timeout))
        _ = layer.check(failed("air", timeout))
        #expect(layer.failures(of: "air") == 2 && layer.failures(of: "sink") == 1)
        #expect(layer.check(failed("sink", timeout)).faults.isEmpty)
        #expect(layer.check(failed("air", timeout)).faults == [.sensorLost("air", .timeout)])
    }

    @Test mutating func resetForgetsTheCounts() {
        _ = layer.check(failed("air", timeout))
        _ = layer.check(failed("air", timeout))
        layer.reset()
        #expect(layer.failures(of: "air") == 0)
        #expect(layer.check(failed("air", timeout)).faults.isEmpty)
    }

    @Test func theLimitIsTheLimits() {
        var limits = SafetyLimits()
        limits.lostAfterTicks = 1
        var strict = SensorLossLayer(limits: limits)
        #expect(strict.check(failed("air", timeout)).faults == [.sensorLost("air", .timeout)])
    }
}
