import HearthConfig
import HearthHAL
import HearthRuntime
import HearthSim

/// A board's sensors opened alone, for calibration: outputs and fan in their safe state, no hash
/// board and no engine. `close()` leaves everything safe; its owner calls it however it ends.
public final class SensorSampler {
    private let hardware: Hardware
    private let pause: @Sendable (Duration) -> Void

    /// Opens `board`'s sensors (a simulated board in `scenario`'s room); `pause` waits between
    /// two readings of one mean.
    public init(board: BoardProfile, scenario: Scenario, pause: @escaping @Sendable (Duration) -> Void) throws(HALError) {
        hardware = try Hardware.open(board, scenario: scenario, use: .sensorsOnly)
        self.pause = pause
    }

    /// The mean of `samples` readings of the sensor named `name`, `interval` apart. A sensor the
    /// board names but this build does not drive is `unavailable`; a failed reading is thrown as it is.
    public func mean(of name: String, samples: Int, interval: Duration = .milliseconds(200)) throws(HALError) -> Celsius {
        guard let device = hardware.sensors.first(where: { $0.spec.name == name })?.device else {
            let why = hardware.missing.first { $0.contains("\"\(name)\"") } ?? "the board has no sensor \"\(name)\""
            throw HALError(.unavailable, "sensor \(name) cannot be read: \(why)")
        }
        let count = max(samples, 1)
        var sum = 0.0
        for index in 0..<count {
            if index > 0 { pause(interval) }
            sum += try device.readTemperature().value
        }
        return Celsius(sum / Double(count))
    }

    /// Puts every output and the fan back in the safe state; returns what could not be.
    @discardableResult
    public func close() -> [HALError] {
        hardware.enterSafeState()
    }
}
