import HearthHAL
import HearthMining
import Testing

@Suite struct PowerTrimTests {
    @Test func energyRateAcrossTheCounterWrapping() {
        var rate = EnergyRate(range: 1_000_000_000)
        #expect(rate.add(energy: 999_000_000, at: .seconds(10)) == nil, "the first reading only starts")
        // 1 J to the wrap and 4 J after it, in 2 s.
        #expect(rate.add(energy: 4_000_000, at: .seconds(12)) == Watts(2.5))
        #expect(rate.add(energy: 14_000_000, at: .seconds(12)) == nil, "no time passed")
    }

    /// A processor that draws 30 % more per core and 1 W more at idle than the board file says:
    /// the model alone overshoots the target by a third; with the loop closed on the energy
    /// counter, the power drawn settles within 3 % of the target (virtual time, 0.5 s ticks).
    @Test func theLoopCorrectsAWrongModel() {
        let model = CPUPowerModel(idle: Watts(3), fullLoad: Watts(8), cores: 2)
        func truePower(_ command: Watts) -> Watts {
            let plan = model.plan(for: command)
            return Watts(4 + Double(plan.threads) * plan.duty * 2.5 * 1.3)
        }
        let target = Watts(6)
        #expect(truePower(target).value > 7.5, "the model alone is a third off")

        var loop = MeasuredPowerLoop(range: 262_143_328_850, limit: Watts(5))
        var energy: UInt64 = 1_000
        var drawn = Watts(0)
        var time = Duration.zero
        while time < .seconds(120) {
            let command = loop.command(for: target, energy: energy, at: time)
            drawn = truePower(command)
            time += .milliseconds(500)
            energy += UInt64(drawn.value * 0.5 * 1e6)
        }
        #expect(abs(drawn.value - target.value) / target.value < 0.03, "\(drawn) for a target of \(target)")
        #expect(loop.trim.trim.value < 0, "it asks the model for less than the target")

        // An unreadable counter keeps what was learnt.
        let before = loop.trim.trim
        _ = loop.command(for: target, energy: nil, at: time + .seconds(30))
        #expect(loop.trim.trim == before)
    }

    @Test func theTrimIsBoundedAndLearnsNothingWhileOff() {
        var trim = PowerTrim(limit: Watts(2))
        trim.update(target: Watts(10), measured: Watts(0))
        #expect(trim.trim == Watts(2), "a meter that reads nothing cannot run the engine away")
        trim.update(target: Watts(0), measured: Watts(50))
        #expect(trim.trim == Watts(2))
        #expect(trim.command(for: Watts(0)) == Watts(0), "off stays off")
    }
}
