import HearthHAL
import Synchronization

/// Sensirion SHT30/31/35: temperature and humidity, run in periodic mode (4 measurements a second,
/// high repeatability) so that every read fetches a finished measurement without waiting.
///
/// A fetch with no new measurement since the last is refused by the chip (it does not acknowledge
/// the read): that is `timeout` ("not ready"), distinct from a chip that does not acknowledge the
/// fetch command at all (`nackAddress`). Read at most 4 times a second.
public final class SHT3x: TemperatureSensor {
    /// ADDR pin low: 0x44; high: 0x45.
    public static func address(addrPinHigh: Bool) -> I2CAddress { I2CAddress(addrPinHigh ? 0x45 : 0x44)! }

    enum Command {
        static let periodicFourHigh: [UInt8] = [0x23, 0x34]
        static let fetch: [UInt8] = [0xE0, 0x00]
        static let stop: [UInt8] = [0x30, 0x93]
        static let softReset: [UInt8] = [0x30, 0xA2]
    }

    public static let range: ClosedRange<Double> = -40...125

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    private let periodic = Mutex(false)

    public init(bus: any I2CBus, address: I2CAddress = SHT3x.address(addrPinHigh: false), name: String? = nil) {
        self.bus = bus
        self.address = address
        self.name = name ?? "sht3x@\(address)"
    }

    /// Starts periodic measurement; remembered only once the chip took the command.
    public func start() throws(HALError) {
        try bus.write(address, Command.periodicFourHigh)
        periodic.withLock { $0 = true }
    }

    /// Whether periodic measurement was started.
    public var isRunning: Bool { periodic.withLock { $0 } }

    /// Fetches the latest measurement.
    public func readMeasurement() throws(HALError) -> ClimateReading {
        guard isRunning else {
            throw HALError(.notSupported, "SHT3x not started: call start() first", device: bus.name, address: address)
        }
        try bus.write(address, Command.fetch)
        let bytes: [UInt8]
        do {
            bytes = try bus.read(address, count: 6)
        } catch where error.kind == .nackAddress {
            throw HALError(
                .timeout, "no new measurement since the last fetch (read faster than 4 a second?)", device: bus.name,
                address: address)
        }
        return try Sensirion.reading(
            bytes, bus: bus, address: address, chip: "SHT3x", command: Command.fetch[0], range: Self.range,
            humidity: Self.humidity)
    }

    public func readTemperature() throws(HALError) -> Celsius {
        try readMeasurement().temperature
    }

    /// RH = 100 · S / 65535 %.
    static func humidity(_ word: UInt16) -> Double { 100 * Double(word) / 65535 }
}
