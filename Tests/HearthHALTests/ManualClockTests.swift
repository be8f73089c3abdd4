import HearthHAL
import Testing

@Suite struct ManualClockTests {
    /// Waits (cooperatively, without wall-clock time) until `count` tasks sleep on the clock.
    func waitForSleepers(_ clock: ManualClock, _ count: Int) async {
        while clock.sleeperCount < count { await Task.yield() }
    }

    @Test func startsAtZeroAndMovesOnlyWhenTold() {
        let clock = ManualClock()
        #expect(clock.now.offset == .zero)
        clock.advance(by: .seconds(90))
        #expect(clock.now.offset == .seconds(90))
        clock.advance(to: ManualClock.Instant(offset: .seconds(30)))
        #expect(clock.now.offset == .seconds(90), "advancing to the past does nothing")
    }

    @Test func sleepersWakeWhenTheirDeadlineIsPassed() async throws {
        let clock = ManualClock()
        let woke = Task { () -> Duration in
            try await clock.sleep(for: .seconds(10))
            return clock.now.offset
        }
        await waitForSleepers(clock, 1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1, "not yet: one second is still to go")
        clock.advance(by: .seconds(1))
        #expect(try await woke.value == .seconds(10))
        #expect(clock.sleeperCount == 0)
    }

    @Test func aDeadlineInThePastReturnsAtOnce() async throws {
        let clock = ManualClock()
        clock.advance(by: .seconds(5))
        try await clock.sleep(until: ManualClock.Instant(offset: .seconds(1)))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellationEndsASleep() async {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(3600)) }
        await waitForSleepers(clock, 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func aTaskCancelledBeforeItSleepsDoesNotSleep() async {
        let clock = ManualClock()
        let sleeper = Task {
            while !Task.isCancelled { await Task.yield() }
            try await clock.sleep(for: .seconds(1))
        }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func aTickLoopRunsADayOfVirtualTime() async throws {
        let clock = ManualClock()
        let ticks = Task { () -> Int in
            var count = 0
            var next = clock.now
            while count < 2 * 86_400 {
                next = next.advanced(by: .milliseconds(500))
                try await clock.sleep(until: next)
                count += 1
            }
            return count
        }
        for _ in 0..<(2 * 86_400) {
            await waitForSleepers(clock, 1)
            clock.advance(by: .milliseconds(500))
        }
        #expect(try await ticks.value == 172_800)
        #expect(clock.now.offset == .seconds(86_400))
    }
}
