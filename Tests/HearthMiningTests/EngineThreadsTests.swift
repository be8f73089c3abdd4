import Foundation
import Synchronization
import Testing

@testable import HearthMining

@Suite struct EngineThreadsTests {
    /// A gate a thread waits at until the test opens it.
    final class Gate: Sendable {
        private let open = Mutex(false)
        func wait() { while !open.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.001) } }
        func release() { open.withLock { $0 = true } }
    }

    @Test func aStopWaitsForEveryThreadOfTheRun() {
        let threads = EngineThreads(name: "test")
        let laps = Mutex([0, 0, 0])
        #expect(threads.start(3) { index, keepGoing in
            while keepGoing() { laps.withLock { $0[index] += 1 } }
            return nil
        })
        #expect(!threads.start(3) { _, _ in nil }, "a run is on: no second one")
        #expect(threads.stop(waitingAtMost: .seconds(60)) && threads.alive == 0 && !threads.isRunning)
        let atStop = laps.withLock { $0 }
        Thread.sleep(forTimeInterval: 0.02)
        #expect(laps.withLock { $0 } == atStop, "nothing runs once stop returned")
    }

    /// A thread inside a call that does not return is reported, not waited for forever; a new run
    /// may start meanwhile, and the straggler, once out, sees its own run is over.
    @Test func aStuckThreadIsReportedAndSeesItsRunOverWhenItReturns() {
        let threads = EngineThreads(name: "test")
        let gate = Gate()
        let stragglerWentOn = Mutex<Bool?>(nil)
        threads.start(1) { _, keepGoing in
            gate.wait()
            stragglerWentOn.withLock { $0 = keepGoing() }
            return nil
        }
        #expect(!threads.stop(waitingAtMost: .milliseconds(5)), "the thread is stuck at the gate")
        #expect(threads.alive == 1)
        let secondRun = Mutex<Bool?>(nil)
        let secondLooked = Gate()
        #expect(threads.start(1) { _, keepGoing in
            secondRun.withLock { $0 = keepGoing() }
            secondLooked.release()
            return nil
        })
        secondLooked.wait()
        gate.release()
        #expect(threads.stop(waitingAtMost: .seconds(60)), "both runs' threads ended")
        #expect(stragglerWentOn.withLock { $0 } == false, "the old run's thread stops on its own check")
        #expect(secondRun.withLock { $0 } == true)
    }

    /// What a thread returns runs once it counts as ended: a failure report that stops the engine
    /// does not wait for the very thread that reports it.
    @Test func whatAThreadReturnsRunsAfterItsEnd() {
        let threads = EngineThreads(name: "test")
        let seen = Mutex<(alive: Int, stopped: Bool)?>(nil)
        let done = Gate()
        threads.start(1) { _, _ in
            return {
                seen.withLock { $0 = (threads.alive, threads.stop(waitingAtMost: .seconds(60))) }
                done.release()
            }
        }
        done.wait()
        #expect(seen.withLock { $0?.alive } == 0 && seen.withLock { $0?.stopped } == true)
    }
}
