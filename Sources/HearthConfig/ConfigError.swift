/// A configuration or board file that cannot be used: which file, which key, and why.
///
/// Printed as `FILE: KEY: REASON`, e.g.
/// `Board/pi.toml: sensor[2].address: 0x48 is already used by sensor[0] ("room")`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file, as the user named it.
    public var file: String
    /// The dotted key path, e.g. `fan.safe_duty` or `sensor[1].role`; empty for the whole file.
    public var key: String
    /// What is wrong and, where there is one, the allowed range or set of values.
    public var reason: String

    public init(file: String, key: String, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)"
    }
}
