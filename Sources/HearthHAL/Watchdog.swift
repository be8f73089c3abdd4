/// The kernel's (or any) watchdog: once armed, the board resets unless it is petted within the
/// watchdog's timeout, so a daemon or a kernel that hangs ends in a reset, and a heater that
/// resets starts in its safe state.
public protocol Watchdog: Sendable {
    /// Tells the watchdog the daemon is alive. Throws `unavailable` once stopped, or the device's
    /// error (the board then resets at the timeout, which is the safe outcome).
    func pet() throws(HALError)

    /// Disarms the watchdog and lets it go, on a clean exit after the outputs are safe. Idempotent.
    /// It cannot fail in a way the caller could act on: a watchdog left armed resets the board at
    /// its timeout, which is the safe outcome.
    func stop()
}
