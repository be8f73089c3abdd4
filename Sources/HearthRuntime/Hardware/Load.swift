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
    /// Ends what runs in the background (the engine's threads), after the safe state.
    func stop()
}

extension Load {
    /// Hashes computed so far, when the load hashes.
    public var hashes: UInt64? { engine?.hashes }
}

/// A hash engine as the load: the power target goes to it as its drive maps it (the CPU's above
/// its idle draw, or corrected by a power loop).
public struct EngineLoad: Load {
    public let drive: FallbackHashEngine.Drive
    public let ratedPower: Watts

    public init(_ drive: FallbackHashEngine.Drive, ratedPower: Watts) {
        self.drive = drive
        self.ratedPower = ratedPower
    }

    public func apply(_ power: Watts) { drive.engine.setPowerTarget(drive.power(power)) }
    public var engine: (any HashEngine)? { drive.engine }
    public func stop() { drive.engine.stop() }
}

/// The simulated heater as the load: its power becomes heat in the simulated world. With a
/// `hashing` load it also really hashes (a twin of the hash board, or the CPU), so a pool gets
/// real shares from the simulated heater; the heat stays the simulation's.
public struct SimulatedLoad: Load {
    public let world: SimWorld
    public let hashing: (any Load)?

    public init(world: SimWorld, hashing: (any Load)? = nil) {
        self.world = world
        self.hashing = hashing
    }

    public var ratedPower: Watts { Watts(world.model.parameters.ratedPower) }

    public func apply(_ power: Watts) {
        world.power = power
        hashing?.apply(power)
    }

    public var engine: (any HashEngine)? { hashing?.engine }
    public func stop() { hashing?.stop() }
}
