import Foundation
import Glibc
import HearthLinux
import Synchronization

/// A sysfs tree in a temporary directory, read and written through the live system calls, with
/// the few kernel behaviours the backends rely on: writing `export` creates the PWM channel's
/// directory, a duty longer than the period is refused with EINVAL, and any attribute write can be
/// made to fail with a chosen errno. Every write is recorded in order.
public final class FakeSysfs: Sendable {
    public let root: String
    private struct State {
        var paths: [Int32: String] = [:]
        var writes: [(path: String, text: String)] = []
        var failWrites: [String: Errno] = [:]
    }
    private let state = Mutex(State())

    public init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-sysfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Creates a file (and its folders) relative to the root.
    public func file(_ relative: String, _ content: String) throws {
        let path = "\(root)/\(relative)"
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: path, atomically: false, encoding: .utf8)
    }

    public func read(_ relative: String) -> String {
        ((try? String(contentsOfFile: "\(root)/\(relative)", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A PWM chip as the kernel shows it before any channel is exported.
    public func pwmChip(_ number: Int, channels: Int) throws {
        try file("pwm/pwmchip\(number)/npwm", "\(channels)\n")
        try file("pwm/pwmchip\(number)/export", "")
    }

    public func failWrite(_ relative: String, _ errno: Int32) {
        state.withLock { $0.failWrites["\(root)/\(relative)"] = Errno(errno) }
    }

    /// The writes made, as paths relative to the root with their text.
    public var writes: [String] {
        state.withLock { $0.writes.map { "\($0.path.dropFirst(root.count + 1))=\($0.text)" } }
    }

    public var sys: SystemCalls {
        var sys = SystemCalls.live
        let live = SystemCalls.live
        sys.open = { [self] path, flags, mode throws(Errno) in
            let fd = try live.open(path, flags, mode)
            state.withLock { $0.paths[fd] = path }
            return fd
        }
        sys.write = { [self] fd, buffer throws(Errno) in
            let path = state.withLock { $0.paths[fd] } ?? "?"
            let text = String(decoding: buffer, as: UTF8.self)
            if let error = state.withLock({ $0.failWrites.removeValue(forKey: path) }) { throw error }
            try kernelChecks(path: path, text: text)
            let written = try live.write(fd, buffer)
            state.withLock { $0.writes.append((path, text)) }
            if path.hasSuffix("/export") { try? exportChannel(chipPath: String(path.dropLast("/export".count)), text) }
            return written
        }
        return sys
    }

    private func kernelChecks(path: String, text: String) throws(Errno) {
        let directory = (path as NSString).deletingLastPathComponent
        let value = Int64(text) ?? -1
        if path.hasSuffix("/duty_cycle") {
            let period = Int64(readAbsolute("\(directory)/period")) ?? 0
            if value > period { throw Errno(EINVAL) }
        }
        if path.hasSuffix("/period") {
            let duty = Int64(readAbsolute("\(directory)/duty_cycle")) ?? 0
            if value < duty { throw Errno(EINVAL) }
        }
    }

    private func readAbsolute(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func exportChannel(chipPath: String, _ text: String) throws {
        let channel = "\(chipPath)/pwm\(text.trimmingCharacters(in: .whitespacesAndNewlines))"
        try FileManager.default.createDirectory(atPath: channel, withIntermediateDirectories: true)
        for (name, value) in [("period", "0"), ("duty_cycle", "0"), ("enable", "0")] {
            try "\(value)\n".write(toFile: "\(channel)/\(name)", atomically: false, encoding: .utf8)
        }
    }
}
