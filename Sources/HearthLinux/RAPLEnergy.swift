import HearthHAL

/// The processor package's energy counter of the kernel's powercap interface (RAPL on Intel and
/// on AMD since Zen: `/sys/class/powercap/intel-rapl:N/energy_uj`), from which the CPU hash
/// engine's real power is known and its power model corrected. Boards without one (a Raspberry
/// Pi) run on the model alone.
public struct RAPLEnergyCounter: Sendable {
    /// The zone's folder, e.g. `/sys/class/powercap/intel-rapl:0`.
    public let zone: String
    /// The zone's name as the kernel gives it, e.g. `package-0`.
    public let name: String
    /// Where the counter wraps to zero, µJ.
    public let range: UInt64
    private let sys: SystemCalls

    /// The first package zone under `root` (its `name` starts with `package`), or `nil` where the
    /// kernel offers none.
    public static func package(root: String = "/sys/class/powercap", sys: SystemCalls = .live) -> RAPLEnergyCounter? {
        guard let zones = try? sys.listDirectory(root) else { return nil }
        for zone in zones.sorted() where zone.hasPrefix("intel-rapl:") && !zone.dropFirst("intel-rapl:".count).contains(":") {
            let folder = "\(root)/\(zone)"
            guard let name = try? sys.readText("\(folder)/name").trimmingWhitespace, name.hasPrefix("package"),
                let rangeText = try? sys.readText("\(folder)/max_energy_range_uj").trimmingWhitespace,
                let range = UInt64(rangeText), range > 0
            else { continue }
            return RAPLEnergyCounter(zone: folder, name: name, range: range, sys: sys)
        }
        return nil
    }

    /// The counter now, µJ. Unreadable (`energy_uj` is root-only on kernels since 5.10 unless the
    /// unit grants it) or not a number: a `HALError` naming the file.
    public func energy() throws(HALError) -> UInt64 {
        let path = "\(zone)/energy_uj"
        let text: String
        do {
            text = try sys.readText(path).trimmingWhitespace
        } catch {
            throw HALError(error, doing: "read the package energy counter", device: path)
        }
        guard let value = UInt64(text) else { throw HALError(.badData, "\"\(text)\" is not a count of µJ", device: path) }
        return value
    }
}
