import HearthConfig
import HearthHAL
import HearthMining
import HearthSim
import Logging
import Synchronization

/// The devices of one board, opened and ready: whatever the backend (real Linux devices or the
/// simulated world), the daemon sees only HAL protocols.
public struct Hardware: Sendable {
    /// A temperature sensor with the name and role the board file gave it.
    public struct Sensor: Sendable {
        public var spec: BoardProfile.Sensor
        public var device: any TemperatureSensor
    }

    /// An output with the state it must return to.
    public struct Output: Sendable {
        public var spec: BoardProfile.Output
        public var device: any DigitalOutput
    }

    /// The fan and the duty that is safe.
    public struct FanDrive: Sendable {
        public var fan: any Fan
        public var safe: DutyCycle
    }

    public var sensors: [Sensor] = []
    public var outputs: [Output] = []
    public var fan: FanDrive?
    /// The supply's power meter, when the board has one.
    public var powerMeter: (any PowerMeter)?
    /// The most the supply may draw with compute off (the board's `idle_limit_watts`); `nil`: not checked.
    public var idlePowerLimit: Watts?
    /// The board's model-based plausibility figures and bounds (`[plausibility]`); `nil`: none.
    public var plausibility: BoardProfile.Plausibility?
    /// Parts the board file names that this build cannot drive yet, each with the reason; the
    /// heater runs without them and says so.
    public var missing: [String] = []
    /// How the board's parts are run, where a person would want to know (logged at start).
    public var notes: [String] = []
    /// For a simulated board, its world: the control task moves it forward by the time since the
    /// last tick, before each tick's readings.
    public var simulation: SimWorld?
    /// What takes the power target. `nil` when the board has nothing to heat with (no hash board
    /// answered and no `[cpu]` power model): then compute stays off whatever the loops ask.
    public var load: (any Load)?
    /// The most power the load can draw; zero when there is no load.
    public var ratedPower: Watts { load?.ratedPower ?? .zero }
    /// The hash engine a pool's work goes to, and where its shares come out; `nil` when the
    /// board does not hash.
    public var engine: (any HashEngine)? { load?.engine }
    /// Hashes computed so far, when the load hashes.
    public var hashes: UInt64? { load?.hashes }
    /// Where the engine's shares go.
    public var shares = ShareSink()
    /// What the hash engine says after start (the hash board failed and the CPU took over), for the log.
    public var engineNotices = Sink<String>()
    public init() {}

    /// Puts every output and the fan in its safe state: compute off, fans full, hash board off and
    /// held in reset. Every device is tried even if an earlier one fails; the failures are returned.
    /// The lines go before the fan: a fan on a hung I²C bus must not keep the hash board powered.
    /// `outputs: false` or `fan: false` leaves that part for a later call.
    @discardableResult
    public func enterSafeState(outputs includeOutputs: Bool = true, fan includeFan: Bool = true) -> [HALError] {
        var failures: [HALError] = []
        if includeOutputs {
            load?.apply(.zero)
            for output in outputs {
                do { try output.device.set(active: output.spec.safeActive) } catch { failures.append(error) }
            }
        }
        if includeFan, let fan {
            do { try fan.fan.setDuty(fan.safe) } catch { failures.append(error) }
        }
        return failures
    }

    /// Ends what runs in the background (the hash engine's threads); call it after the safe state.
    public func shutdown() { load?.stop() }
}

extension Hardware {
    /// What a board's devices are opened for.
    public enum Use: Hashable, Sendable {
        /// To heat: the load too (the hash board or the CPU engine). With `hashing`, the simulated
        /// board's load also really hashes, so a pool gets shares from it.
        case heater(hashing: Bool)
        /// To read the sensors alone (calibration): outputs and fan in their safe state, no load,
        /// no hash board brought up, no engine threads.
        case sensorsOnly
    }

    /// The measurement noise of a simulated heater's sensors (uniform, ±0.05 °C), in `hearth
    /// simulate` and the daemon alike: the last bit flickers wherever the temperature sits, as a
    /// real sensor's does (the frozen and flat-room checks rely on it).
    public static let simulatedSensorNoise = Celsius(0.05)

    /// The devices of a board, by backend, opened for `use`.
    public static func open(_ board: BoardProfile, scenario: Scenario, use: Use) throws(HALError) -> Hardware {
        switch board.backend {
        case .linux:
            return try openLinux(board, load: use != .sensorsOnly)
        case .sim:
            // A heater's sensors flicker by their last bit as real ones do (the supervisor's stuck
            // and flat-room checks rely on it); read for calibration, they read the truth.
            let noise = use == .sensorsOnly ? Celsius(0) : Self.simulatedSensorNoise
            var hardware = try openSim(
                board, world: SimWorld(scenario: scenario, sensorNoise: noise), hashing: use == .heater(hashing: true))
            if use == .sensorsOnly { hardware.load = nil }
            return hardware
        }
    }
}

/// Where something made before its listener goes, connected once the listener exists (the pool
/// client and the log are made later than the hardware). Until connected, values are dropped:
/// a share's heat was made anyway.
public final class Sink<Value: Sendable>: Sendable {
    private let target = Mutex<(@Sendable (Value) -> Void)?>(nil)

    public init() {}

    public func connect(_ target: @escaping @Sendable (Value) -> Void) {
        self.target.withLock { $0 = target }
    }

    public func deliver(_ value: Value) {
        target.withLock { $0 }?(value)
    }
}

/// Where an engine's shares go.
public typealias ShareSink = Sink<Share>

extension CPUHashEngine {
    /// A CPU engine whose shares go to `sink`, started on `work`.
    static func started(model: CPUPowerModel, sink: ShareSink, work: WorkTemplate?) -> CPUHashEngine {
        let engine = CPUHashEngine(model: model, onShare: sink.deliver)
        engine.setWork(work)
        engine.start()
        return engine
    }
}
