import HearthHAL
import Synchronization

/// A device on the simulated I²C bus: it sees a transaction the way a chip does, as the bytes
/// written to it and the bytes read from it, in order, between a start and a stop.
public protocol SimI2CDevice: AnyObject, Sendable {
    /// A start condition addressed to this device (a repeated start counts too).
    func start()
    /// Bytes the master wrote.
    func receive(_ bytes: [UInt8]) throws(HALError)
    /// Bytes the master reads.
    func send(count: Int) throws(HALError) -> [UInt8]
}

extension SimI2CDevice {
    public func start() {}
}

/// The simulated I²C bus: routes each transaction by address to a register-level twin, so the
/// real drivers run against it unchanged. Faults can be injected on the bus itself.
public final class SimI2CBus: I2CBus {
    /// A fault of the whole bus.
    public enum Fault: Hashable, Sendable {
        /// SDA held low: every transaction times out until cleared.
        case lockedUp
        /// The next `count` transactions to `address` are not acknowledged.
        case nackBurst(I2CAddress, count: Int)
    }

    public let name: String
    private struct State {
        var devices: [I2CAddress: any SimI2CDevice] = [:]
        var locked = false
        var nacks: [I2CAddress: Int] = [:]
        var transactions = 0
    }
    private let state = Mutex(State())

    public init(name: String = "sim-i2c") {
        self.name = name
    }

    /// Puts a device on the bus; a device already at the address is replaced.
    public func attach(_ device: any SimI2CDevice, at address: I2CAddress) {
        state.withLock { $0.devices[address] = device }
    }

    /// Takes the device at `address` off the bus (a sensor that disappeared).
    public func detach(_ address: I2CAddress) {
        state.withLock { _ = $0.devices.removeValue(forKey: address) }
    }

    public func inject(_ fault: Fault) {
        state.withLock { state in
            switch fault {
            case .lockedUp: state.locked = true
            case .nackBurst(let address, let count): state.nacks[address, default: 0] += count
            }
        }
    }

    /// Clears every bus fault.
    public func clearFaults() {
        state.withLock { state in
            state.locked = false
            state.nacks = [:]
        }
    }

    /// How many transactions the bus has carried (failed ones included).
    public var transactionCount: Int { state.withLock { $0.transactions } }

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(HALError) -> [[UInt8]] {
        let device: Result<any SimI2CDevice, HALError> = state.withLock { state in
            state.transactions += 1
            if state.locked {
                return .failure(HALError(.timeout, "the bus is locked up (SDA held low)", device: name, address: address))
            }
            if let remaining = state.nacks[address], remaining > 0 {
                state.nacks[address] = remaining - 1
                return .failure(HALError(.nackAddress, "no acknowledge (injected)", device: name, address: address))
            }
            guard let device = state.devices[address] else {
                return .failure(HALError(.nackAddress, "no device answered", device: name, address: address))
            }
            return .success(device)
        }
        let target = try device.get()
        var reads: [[UInt8]] = []
        for operation in operations {
            target.start()
            switch operation {
            case .write(let bytes): try target.receive(bytes)
            case .read(let count): reads.append(try target.send(count: count))
            }
        }
        return reads
    }
}

/// A temperature a sensor twin reports, with the faults a real sensor shows.
public struct SensorFault: Hashable, Sendable {
    /// Reports this value whatever the true temperature (a frozen conversion).
    public var stuckAt: Celsius?
    /// Added to the true temperature (a sensor off its mount, a drifted part).
    public var offset = Celsius(0)
    /// The device stops acknowledging its address (unplugged, dead).
    public var absent = false
    /// A reading that wanders away from the truth at this rate, per hour of virtual time.
    public var driftPerHour = Celsius(0)
    /// How far a drifting sensor has wandered (grows while `driftPerHour` is not zero).
    public var drifted = Celsius(0)

    /// A jump is a sudden offset: `SensorFault(offset: Celsius(15))` set at the moment of the jump.
    public init(
        stuckAt: Celsius? = nil, offset: Celsius = Celsius(0), absent: Bool = false, driftPerHour: Celsius = Celsius(0)
    ) {
        self.stuckAt = stuckAt
        self.offset = offset
        self.absent = absent
        self.driftPerHour = driftPerHour
    }

    /// No fault.
    public static let none = SensorFault()

    func apply(_ truth: Celsius) -> Celsius { stuckAt ?? truth + offset + drifted }
}

/// What every temperature-sensor twin shares: the true temperature the world sets, and a fault.
public class TemperatureTwin: @unchecked Sendable {
    // Sendable: every mutable field is inside `environment`.
    struct Environment {
        var truth: Celsius
        var fault = SensorFault.none
        /// Peak of the measurement noise, and the state of its generator.
        var noise = 0.0
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    }
    let environment: Mutex<Environment>

    init(temperature: Celsius) {
        environment = Mutex(Environment(truth: temperature))
    }

    /// The true temperature at the sensor, set by the world at every step.
    public var temperature: Celsius {
        get { environment.withLock { $0.truth } }
        set { environment.withLock { $0.truth = newValue } }
    }

    public var fault: SensorFault {
        get { environment.withLock { $0.fault } }
        set { environment.withLock { $0.fault = newValue } }
    }

    /// Lets virtual time pass for the fault (a drifting sensor wanders further).
    public func elapse(_ duration: Duration) {
        environment.withLock { environment in
            environment.fault.drifted += environment.fault.driftPerHour * (duration.seconds / 3600)
        }
    }

    /// Measurement noise: each conversion is off by up to this much, uniformly, from a fixed
    /// seed (so runs repeat). Zero by default; the world sets it for realism.
    public var noise: Celsius {
        get { environment.withLock { Celsius($0.noise) } }
        set { environment.withLock { $0.noise = newValue.value } }
    }

    /// The temperature the chip would convert now, with the fault and noise applied.
    var measured: Celsius {
        environment.withLock { environment in
            var value = environment.fault.apply(environment.truth)
            if environment.noise > 0, environment.fault.stuckAt == nil {
                environment.seed = environment.seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let unit = Double(environment.seed >> 11) / Double(1 << 53)
                value += Celsius((unit * 2 - 1) * environment.noise)
            }
            return value
        }
    }

    /// Throws NACK when the fault says the device is gone.
    func acknowledge(_ address: String) throws(HALError) {
        if fault.absent { throw HALError(.nackAddress, "\(address) no longer answers (injected)") }
    }
}
