import HearthHAL
import Synchronization

/// Sensirion SHT40/41/45: temperature and humidity on demand. Each read collects the measurement
/// the previous read started (high precision, 8.3 ms at most) and starts the next, so nothing
/// waits; the value is one read old, which for a room is nothing.
///
/// The chip refuses a read while converting (no acknowledge): that is `timeout` ("not ready").
/// After any failed read the next call starts a fresh measurement and reports not ready once.
public final class SHT4x: TemperatureSensor {
    /// 0x44 (SHT4x-A), 0x45 (-B), 0x46 (-C): fixed by the part ordered.
    public enum Variant: UInt8, Sendable { case a = 0x44, b = 0x45, c = 0x46 }

    enum Command {
        static let measureHighPrecision: UInt8 = 0xFD
        static let serialNumber: UInt8 = 0x89
        static let softReset: UInt8 = 0x94
    }

    public static let range: ClosedRange<Double> = -40...125

    public let name: String
    public let bus: any I2CBus
    public let address: I2CAddress
    /// Whether a measurement was started and not yet collected.
    private let pending = Mutex(false)

    public init(bus: any I2CBus, variant: Variant = .a, name: String? = nil) {
        self.bus = bus
        self.address = I2CAddress(Int(variant.rawValue))!
        self.name = name ?? "sht4x@\(address)"
    }

    /// Starts a measurement.
    public func start() throws(HALError) {
        try bus.write(address, [Command.measureHighPrecision])
        pending.withLock { $0 = true }
    }

    /// The serial number, checked by CRC.
    public func serialNumber() throws(HALError) -> UInt32 {
        let bytes = try bus.transaction(address, [.write([Command.serialNumber]), .read(count: 6)]).first ?? []
        let (high, low) = try Sensirion.words(bytes, bus: bus, address: address, chip: "SHT4x")
        return UInt32(high) << 16 | UInt32(low)
    }

    public func readMeasurement() throws(HALError) -> ClimateReading {
        guard pending.withLock({ $0 }) else {
            try start()
            throw HALError(.timeout, "measurement started; not ready yet", device: bus.name, address: address)
        }
        let bytes: [UInt8]
        do {
            bytes = try bus.read(address, count: 6)
        } catch {
            pending.withLock { $0 = false }
            if error.kind == .nackAddress {
                throw HALError(.timeout, "conversion not finished (read within 8.3 ms of the last)", device: bus.name, address: address)
            }
            throw error
        }
        pending.withLock { $0 = false }
        let reading = try Sensirion.reading(
            bytes, bus: bus, address: address, chip: "SHT4x", command: Command.measureHighPrecision, range: Self.range,
            humidity: Self.humidity)
        // Start the next one. If that fails, this reading still stands: nothing is pending, so the
        // next call starts again and reports the fault (or "not ready") itself.
        do { try start() } catch {}
        return reading
    }

    public func readTemperature() throws(HALError) -> Celsius {
        try readMeasurement().temperature
    }

    /// RH = −6 + 125 · S / 65535 %, clamped to 0…100 as the datasheet advises.
    static func humidity(_ word: UInt16) -> Double { min(max(-6 + 125 * Double(word) / 65535, 0), 100) }
}
