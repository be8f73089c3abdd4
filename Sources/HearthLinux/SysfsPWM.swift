import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A hardware PWM channel through `/sys/class/pwm/pwmchipN/pwmM`.
///
/// The channel is exported on first use. Period and duty are written in nanoseconds, in the order
/// the kernel accepts (it refuses a duty longer than the period at every step); a duty of 0 writes
/// `enable` 0, so the pin is really off rather than producing a zero-width pulse. What was written
/// is cached only after the write succeeded, so a failed write is retried on the next `apply`.
public final class SysfsPWMChannel: PWMOutput {
    /// The channel's directory, e.g. `/sys/class/pwm/pwmchip0/pwm0`.
    public let path: String
    private let sys: SystemCalls

    private struct Written {
        var period: Int64
        var duty: Int64
        var enabled: Bool
    }
    private let written: Mutex<Written>

    /// Opens (exporting if needed) channel `channel` of `pwmchip<chip>` under `root`.
    ///
    /// - Parameter overlayHint: the `config.txt` line that creates this chip on the board, named in
    ///   the error when the chip is absent (on a Raspberry Pi, a `dtoverlay=pwm-2chan,...` line).
    public init(
        chip: Int, channel: Int, root: String = "/sys/class/pwm", overlayHint: String? = nil,
        sys: SystemCalls = .live
    ) throws(HALError) {
        let chipPath = "\(root)/pwmchip\(chip)"
        self.path = "\(chipPath)/pwm\(channel)"
        self.sys = sys

        let channels: Int
        do {
            channels = try Self.readInteger("\(chipPath)/npwm", sys: sys)
        } catch let error where error.errno == ENOENT {
            var detail = "no PWM chip pwmchip\(chip)"
            if let overlayHint { detail += "; enable it with `\(overlayHint)` in config.txt and reboot" }
            throw HALError(.unavailable, detail, device: chipPath, errno: ENOENT)
        }
        guard channel >= 0, channel < channels else {
            throw HALError(.outOfRange, "channel \(channel) asked for, the chip has \(channels)", device: chipPath)
        }
        if (try? sys.listDirectory(path)) == nil {
            do {
                try sys.writeText("\(chipPath)/export", "\(channel)")
            } catch {
                throw HALError(error, doing: "export channel \(channel)", device: chipPath)
            }
        }
        let period = try Self.readInteger("\(path)/period", sys: sys)
        let duty = try Self.readInteger("\(path)/duty_cycle", sys: sys)
        let enabled = try Self.readInteger("\(path)/enable", sys: sys) != 0
        written = Mutex(Written(period: Int64(period), duty: Int64(duty), enabled: enabled))
    }

    public func apply(_ setting: PWMSetting) throws(HALError) {
        let period = setting.period.nanoseconds
        guard period > 0 else {
            throw HALError(.outOfRange, "a PWM period must be positive, got \(period) ns", device: path)
        }
        let duty = setting.activeNanoseconds
        try written.withLock { (current: inout Written) throws(HALError) in
            if duty == 0 {
                // Off: disable first, so the pin does not pulse while period and duty change.
                if current.enabled { try write("enable", 0) { current.enabled = false } }
                if current.duty != 0 { try write("duty_cycle", 0) { current.duty = 0 } }
                if current.period != period { try write("period", period) { current.period = period } }
                return
            }
            // The kernel keeps duty <= period at every step: shrink duty before period, grow period before duty.
            if period < current.duty {
                try write("duty_cycle", duty) { current.duty = duty }
            }
            if current.period != period { try write("period", period) { current.period = period } }
            if current.duty != duty { try write("duty_cycle", duty) { current.duty = duty } }
            if !current.enabled { try write("enable", 1) { current.enabled = true } }
        }
    }

    /// Writes one attribute; `commit` records it only after the write succeeded.
    private func write(_ attribute: String, _ value: Int64, commit: () -> Void) throws(HALError) {
        do {
            try sys.writeText("\(path)/\(attribute)", "\(value)")
        } catch {
            throw HALError(error, doing: "write \(value) to \(attribute)", device: path)
        }
        commit()
    }

    private static func readInteger(_ path: String, sys: SystemCalls) throws(HALError) -> Int {
        let text: String
        do {
            text = try sys.readText(path)
        } catch {
            throw HALError(error, doing: "read", device: path)
        }
        guard let value = Int(text.trimmingWhitespace) else {
            throw HALError(.badData, "expected an integer, read \"\(text.trimmingWhitespace)\"", device: path)
        }
        return value
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
