#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HearthHAL
import Synchronization

/// A 4-wire fan: its PWM input, a rotor with inertia, and an open-collector tachometer that pulls
/// its line low `pulsesPerRevolution` times a revolution. The world advances it on virtual time;
/// the PWM channel and the tach line it offers are what the real fan driver sees.
public final class SimFan: Sendable {
    public struct Parameters: Hashable, Sendable {
        /// Speed at full duty.
        public var maxRPM = 3000.0
        /// The rotor's time constant: how long it takes to get 63 % of the way to a new speed.
        public var timeConstant = Duration.milliseconds(1500)
        public var pulsesPerRevolution = 2
        /// Below this duty the motor does not turn.
        public var stallDuty = 0.1
        /// Edges the tach line's queue holds; older ones are lost, as with the kernel's buffer.
        public var eventCapacity = 64

        public init() {}
    }

    /// A fault of the fan.
    public struct Fault: Hashable, Sendable {
        /// The rotor is blocked: it does not turn whatever the duty.
        public var stalled = false
        /// The tach wire is broken: no edges, whatever the speed.
        public var tachLost = false
        public init(stalled: Bool = false, tachLost: Bool = false) {
            self.stalled = stalled
            self.tachLost = tachLost
        }
    }

    private struct State {
        var setting: PWMSetting?
        var rpm = 0.0
        var phase = 0.0
        var now = Duration.zero
        var events: [EdgeEvent] = []
        var fault = Fault()
    }

    public let parameters: Parameters
    private let state = Mutex(State())

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// The PWM channel that drives the fan.
    public var pwm: some PWMOutput { PWMInput(fan: self) }
    /// The tachometer line, as an edge-event source.
    public var tach: some EdgeEventSource { TachLine(fan: self) }

    public var fault: Fault {
        get { state.withLock { $0.fault } }
        set { state.withLock { $0.fault = newValue } }
    }

    /// The rotor's speed now.
    public var rpm: RPM { RPM(state.withLock { $0.rpm }) }
    /// The speed as a fraction of full speed: what moves air through the heater.
    public var speedFraction: Double { state.withLock { $0.rpm } / parameters.maxRPM }
    /// The fan's virtual time: what its tach edges are stamped with.
    public var now: Duration { state.withLock { $0.now } }
    /// The last PWM setting received.
    public var setting: PWMSetting? { state.withLock { $0.setting } }

    /// Advances the rotor and the tach line by `duration` of virtual time.
    public func advance(by duration: Duration) {
        let dt = duration.seconds
        guard dt > 0 else { return }
        let parameters = self.parameters
        state.withLock { state in
            let duty = state.setting?.duty.value ?? 0
            let target = state.fault.stalled || duty < parameters.stallDuty ? 0 : duty * parameters.maxRPM
            let start = state.now
            let rpmBefore = state.rpm
            state.rpm += (target - state.rpm) * (1 - exp(-dt / parameters.timeConstant.seconds))
            state.now += duration
            // Pulses at the mean speed over the step, spread evenly across it.
            let pulsesPerSecond = (rpmBefore + state.rpm) / 2 / 60 * Double(parameters.pulsesPerRevolution)
            let total = state.phase + pulsesPerSecond * dt
            let whole = Int(total)
            if !state.fault.tachLost, pulsesPerSecond > 0 {
                // Only the newest `eventCapacity` edges would survive the queue: make only those.
                for pulse in max(whole - parameters.eventCapacity, 0)..<whole {
                    let fraction = (Double(pulse + 1) - state.phase) / (pulsesPerSecond * dt)
                    let at = start + .nanoseconds(Int64(fraction * dt * 1e9))
                    state.events.append(EdgeEvent(.falling, at: at))
                }
                if state.events.count > parameters.eventCapacity {
                    state.events.removeFirst(state.events.count - parameters.eventCapacity)
                }
            }
            state.phase = total - Double(whole)
        }
    }

    private struct PWMInput: PWMOutput {
        let fan: SimFan
        func apply(_ setting: PWMSetting) throws(HALError) {
            guard setting.period > .zero else { throw HALError(.outOfRange, "a PWM period must be positive", device: "sim-pwm") }
            fan.state.withLock { $0.setting = setting }
        }
    }

    private struct TachLine: EdgeEventSource {
        let fan: SimFan
        func pendingEvents() throws(HALError) -> [EdgeEvent] {
            fan.state.withLock { state in
                defer { state.events.removeAll() }
                return state.events
            }
        }
    }
}
