import HearthHAL
import HearthMining
import HearthSim

/// What takes the thermostat's power target and turns it into heat: a hash engine (the hash board
/// or the CPU), or on the simulated board the simulated heater, which may also really hash.
public protocol Load: Sendable {
    /// The most power the load draws above idle.
    var ratedPower: Watts { get }
    /// Gives the load its power target; zero is compute off. Never blocks the tick.
    func apply(_ power: Watts)
    /// The hash engine a pool's work goes to and whose shares come out, when the load hashes.
    var engine: (any HashEngine)? { get }
    /// Starts what runs in the background (the engine's threads) again after a `stop`; does
    /// nothing while it runs.
    func start()
    /// Ends what runs in the background (the engine's threads) and waits for it, at most
    /// `hashEngineStopWait`: true when it has ended, so nothing of it drives the board's lines.
    @discardableResult func stop() -> Bool
}

extension Load {
    /// Hashes computed so far, when the load hashes.
    public var hashes: UInt64? { engine?.hashes }
}

/// A hash engine as the load: the power target goes to it as its drive maps it (the CPU's above
/// its idle draw, or corrected by a power loop).
public struct EngineLoad: Load {
    /// The engine, and how a power target maps to what it is asked.
    public let drive: FallbackHashEngine.Drive
    /// The most the engine draws above idle.
    public let ratedPower: Watts

    /// The engine of `drive` as the load, rated at `ratedPower`.
    public init(_ drive: FallbackHashEngine.Drive, ratedPower: Watts) {
        self.drive = drive
        self.ratedPower = ratedPower
    }

    /// The engine's power target, as the drive maps it.
    public func apply(_ power: Watts) { drive.engine.setPowerTarget(drive.power(power)) }
    /// The engine itself.
    public var engine: (any HashEngine)? { drive.engine }
    /// Starts the engine's threads again.
    public func start() { drive.engine.start() }
    /// Stops the engine's threads and waits for them.
    @discardableResult public func stop() -> Bool { drive.engine.stop() }
}

/// The simulated heater as the load: its power becomes heat in the simulated world. With a
/// `hashing` load it also really hashes (a twin of the hash board, or the CPU), so a pool gets
/// real shares from the simulated heater; the heat stays the simulation's.
public struct SimulatedLoad: Load {
    /// The simulated world the heat goes into.
    public let world: SimWorld
    /// What really hashes alongside, if anything.
    public let hashing: (any Load)?

    /// The simulated heater of `world`, hashing on `hashing` if given.
    public init(world: SimWorld, hashing: (any Load)? = nil) {
        self.world = world
        self.hashing = hashing
    }

    /// The simulated heater's rating (the scenario's).
    public var ratedPower: Watts { Watts(world.model.parameters.ratedPower) }

    /// Heats the world with `power`, and hashes in proportion to it.
    public func apply(_ power: Watts) {
        world.power = power
        hashing?.apply(power)
    }

    /// The engine that hashes alongside, if any.
    public var engine: (any HashEngine)? { hashing?.engine }
    /// Starts the hashing engine's threads again.
    public func start() { hashing?.start() }
    /// Stops the hashing engine's threads and waits for them.
    @discardableResult public func stop() -> Bool { hashing?.stop() ?? true }
}
