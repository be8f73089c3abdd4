import HearthHAL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A temperature the kernel already measures: a thermal zone (`/sys/class/thermal/thermal_zoneN`)
/// or a hwmon channel (`/sys/class/hwmon/hwmonN/tempM_input`). The SoC sensor of a Raspberry Pi
/// without any add-on is one of these.
///
/// Both report millidegrees Celsius as text. A file that cannot be read is the kernel's errno as a
/// `HALError`; text that is not an integer is `badData`; a value outside `plausible` (default
/// −55…150 °C, the range of the parts these boards carry) is `outOfRange`, never a reading.
public struct SysfsTemperatureSensor: TemperatureSensor {
    public let name: String
    /// The attribute file read on every reading.
    public let path: String
    /// Readings outside this range are refused.
    public let plausible: ClosedRange<Double>
    private let sys: SystemCalls

    /// The sensor whose attribute file is `path`.
    public init(name: String, path: String, plausible: ClosedRange<Double> = -55...150, sys: SystemCalls = .live) {
        self.name = name
        self.path = path
        self.plausible = plausible
        self.sys = sys
    }

    /// The thermal zone whose `type` is `zone` (e.g. `cpu-thermal`), or the zone named `zone`
    /// itself (e.g. `thermal_zone0`).
    public static func thermalZone(
        _ zone: String, name: String? = nil, root: String = "/sys/class/thermal", sys: SystemCalls = .live
    ) throws(HALError) -> SysfsTemperatureSensor {
        let zones = try entries(of: root, prefix: "thermal_zone", sys: sys)
        let types = zones.map { (try? sys.readText("\(root)/\($0)/type").trimmingWhitespace) ?? "?" }
        guard let index = zones.firstIndex(of: zone) ?? types.firstIndex(of: zone) else {
            let found = zip(zones, types).map { "\($0) (\($1))" }.joined(separator: ", ")
            throw HALError(.unavailable, "no thermal zone named or typed \"\(zone)\" (found: \(found))", device: root)
        }
        let match = zones[index]
        return SysfsTemperatureSensor(name: name ?? zone, path: "\(root)/\(match)/temp", sys: sys)
    }

    /// Channel `input` (the N of `tempN_input`) of the hwmon device whose `name` is `chip`
    /// (e.g. `cpu_thermal`).
    public static func hwmon(
        chip: String, input: Int = 1, name: String? = nil, root: String = "/sys/class/hwmon", sys: SystemCalls = .live
    ) throws(HALError) -> SysfsTemperatureSensor {
        let devices = try entries(of: root, prefix: "hwmon", sys: sys)
        guard let match = devices.first(where: { (try? sys.readText("\(root)/\($0)/name").trimmingWhitespace) == chip }) else {
            throw HALError(.unavailable, "no hwmon device named \"\(chip)\"", device: root)
        }
        return SysfsTemperatureSensor(name: name ?? "\(chip)/temp\(input)", path: "\(root)/\(match)/temp\(input)_input", sys: sys)
    }

    /// Every thermal zone and hwmon temperature channel under the two roots, for listing.
    public static func discover(
        thermalRoot: String = "/sys/class/thermal", hwmonRoot: String = "/sys/class/hwmon", sys: SystemCalls = .live
    ) -> [SysfsTemperatureSensor] {
        var found: [SysfsTemperatureSensor] = []
        for zone in (try? entries(of: thermalRoot, prefix: "thermal_zone", sys: sys)) ?? [] {
            let type = (try? sys.readText("\(thermalRoot)/\(zone)/type").trimmingWhitespace) ?? zone
            found.append(SysfsTemperatureSensor(name: "thermal:\(type)", path: "\(thermalRoot)/\(zone)/temp", sys: sys))
        }
        for device in (try? entries(of: hwmonRoot, prefix: "hwmon", sys: sys)) ?? [] {
            let chip = (try? sys.readText("\(hwmonRoot)/\(device)/name").trimmingWhitespace) ?? device
            let inputs = ((try? sys.listDirectory("\(hwmonRoot)/\(device)")) ?? [])
                .filter { $0.hasPrefix("temp") && $0.hasSuffix("_input") }
            for input in inputs {
                found.append(SysfsTemperatureSensor(name: "hwmon:\(chip)/\(input.dropLast(6))", path: "\(hwmonRoot)/\(device)/\(input)", sys: sys))
            }
        }
        return found
    }

    public func readTemperature() throws(HALError) -> Celsius {
        let text: String
        do {
            text = try sys.readText(path)
        } catch {
            throw HALError(error, doing: "read temperature", device: path)
        }
        guard let millidegrees = Int(text.trimmingWhitespace) else {
            throw HALError(.badData, "expected millidegrees, read \"\(text.trimmingWhitespace)\"", device: path)
        }
        let value = Double(millidegrees) / 1000
        guard plausible.contains(value) else {
            throw HALError(.outOfRange, "\(value) °C is outside the plausible \(plausible.lowerBound)…\(plausible.upperBound) °C", device: path)
        }
        return Celsius(value)
    }

    private static func entries(of root: String, prefix: String, sys: SystemCalls) throws(HALError) -> [String] {
        do {
            // Numeric order, so thermal_zone10 comes after thermal_zone9.
            return try sys.listDirectory(root).filter { $0.hasPrefix(prefix) }
                .sorted { (Int($0.dropFirst(prefix.count)) ?? 0) < (Int($1.dropFirst(prefix.count)) ?? 0) }
        } catch {
            throw HALError(error, doing: "list", device: root)
        }
    }
}
