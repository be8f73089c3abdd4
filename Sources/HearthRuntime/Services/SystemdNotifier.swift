import Foundation

/// systemd's readiness protocol, spoken by hand: datagrams such as `READY=1`, `WATCHDOG=1` and
/// `STATUS=…` to the unix socket named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
/// namespace). Without the variable, as when run by hand, every call does nothing. Written by hand
/// because it is twenty lines; libsystemd would be a dependency for one function.
public struct SystemdNotifier: Sendable {
    /// The socket address, or `nil` when not run under systemd's notify supervision.
    public let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The service is up.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    /// Still alive (for `WatchdogSec=`).
    public func watchdog() { send("WATCHDOG=1") }
    /// A line for `systemctl status`.
    public func status(_ text: String) { send("STATUS=\(text)") }
    /// Going down.
    public func stopping() { send("STOPPING=1") }

    /// Sends one datagram; a failure is returned to nobody: systemd not listening must never stop the heater.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), sockaddrPointer, length)
            }
        }
        return sent == bytes.count
    }
}
