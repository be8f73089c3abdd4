import Foundation
import Synchronization

/// The threads of a hash engine: a run's threads start together, are told to end together, and
/// are waited for, so that whoever stops an engine knows when nothing of it touches the hardware
/// any more. A run may be started again once stopped; a thread of an earlier run sees that its run
/// is over even if a new one has begun, and is still waited for.
///
/// The wait polls (a millisecond at a time) rather than waiting on a condition: a stop is rare,
/// and Swift's `Synchronization` has no condition variable to pair with its `Mutex`.
final class EngineThreads: Sendable {
    private struct State {
        var run: UInt64 = 0
        var running = false
        var alive = 0
    }

    private let state = Mutex(State())
    private let name: String

    /// Threads named "`name` 0", "`name` 1", … in a debugger and `top -H`.
    init(name: String) { self.name = name }

    /// Whether a run is on (started and not yet told to stop).
    var isRunning: Bool { state.withLock { $0.running } }

    /// Threads not yet ended, of every run.
    var alive: Int { state.withLock { $0.alive } }

    /// Starts `count` threads, each running `body` with its index and a check that says whether
    /// its run is still on; does nothing (and returns false) while a run is on. What `body`
    /// returns runs once the thread counts as ended, so that a thread that reports its own
    /// failure does not wait for itself when that report stops the engine.
    @discardableResult
    func start(
        _ count: Int, _ body: @escaping @Sendable (_ index: Int, _ keepGoing: @escaping @Sendable () -> Bool) -> (@Sendable () -> Void)?
    ) -> Bool {
        let run: UInt64? = state.withLock { state in
            guard !state.running else { return nil }
            state.run += 1
            state.running = true
            state.alive += count
            return state.run
        }
        guard let run else { return false }
        let keepGoing: @Sendable () -> Bool = { [self] in state.withLock { $0.running && $0.run == run } }
        for index in 0..<count {
            let thread = Thread { [self] in
                let afterEnd = body(index, keepGoing)
                state.withLock { $0.alive -= 1 }
                afterEnd?()
            }
            thread.name = "\(name) \(index)"
            thread.start()
        }
        return true
    }

    /// Tells every thread to end and waits for all of them, at most `timeout`. Returns whether they
    /// all ended; false when one is still inside a call that has not returned (a driver that
    /// blocks), which ends when that call returns.
    @discardableResult
    func stop(waitingAtMost timeout: Duration) -> Bool {
        state.withLock { $0.running = false }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while alive > 0 {
            guard clock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.001)
        }
        return true
    }
}
