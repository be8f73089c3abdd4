import CI2C
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An operating-system error number with its readable text.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    /// The number, as in `<errno.h>`.
    public var rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The current thread's `errno`.
    public static var current: Errno { Errno(errno) }

    /// The C library's text for the number, e.g. "No such device or address".
    public var description: String { String(cString: strerror(rawValue)) }
}

/// Every system call the Linux backends make passes through one of these closures, so that a test
/// can force any errno at any step (and a fake can stand in for a device the machine lacks).
///
/// Each closure makes exactly one attempt and throws the `Errno` it got. `EINTR` is retried in one
/// place, `retryingOnInterrupt(_:)`, which the backends wrap around every call but `close`.
public struct SystemCalls: Sendable {
    /// `open(2)`: returns the file descriptor.
    public var open: @Sendable (_ path: String, _ flags: Int32, _ mode: UInt32) throws(Errno) -> Int32
    /// `close(2)`.
    public var close: @Sendable (_ fd: Int32) throws(Errno) -> Void
    /// `read(2)`: returns the number of bytes read.
    public var read: @Sendable (_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int
    /// `write(2)`: returns the number of bytes written.
    public var write: @Sendable (_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int
    /// `ioctl(2)` with a pointer argument (or an integer passed as a pointer's bit pattern).
    public var ioctl: @Sendable (_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32
    /// The names in a directory, without `.` and `..` (`opendir(3)`, `readdir(3)`).
    public var listDirectory: @Sendable (_ path: String) throws(Errno) -> [String]
    /// `poll(2)` on one descriptor for input: whether input is ready within `timeout` milliseconds.
    public var pollInput: @Sendable (_ fd: Int32, _ timeoutMilliseconds: Int32) throws(Errno) -> Bool

    public init(
        open: @escaping @Sendable (String, Int32, UInt32) throws(Errno) -> Int32,
        close: @escaping @Sendable (Int32) throws(Errno) -> Void,
        read: @escaping @Sendable (Int32, UnsafeMutableRawBufferPointer) throws(Errno) -> Int,
        write: @escaping @Sendable (Int32, UnsafeRawBufferPointer) throws(Errno) -> Int,
        ioctl: @escaping @Sendable (Int32, UInt, UnsafeMutableRawPointer?) throws(Errno) -> Int32,
        listDirectory: @escaping @Sendable (String) throws(Errno) -> [String],
        pollInput: @escaping @Sendable (Int32, Int32) throws(Errno) -> Bool = { _, _ throws(Errno) in throw Errno(ENOSYS) }
    ) {
        self.pollInput = pollInput
        self.open = open
        self.close = close
        self.read = read
        self.write = write
        self.ioctl = ioctl
        self.listDirectory = listDirectory
    }

    /// The real system calls.
    public static let live = SystemCalls(
        open: { path, flags, mode throws(Errno) in
            let fd = Glibc.open(path, flags, mode_t(mode))
            if fd < 0 { throw Errno.current }
            return fd
        },
        close: { fd throws(Errno) in
            if Glibc.close(fd) < 0 { throw Errno.current }
        },
        read: { fd, buffer throws(Errno) in
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 { throw Errno.current }
            return count
        },
        write: { fd, buffer throws(Errno) in
            let count = Glibc.write(fd, buffer.baseAddress, buffer.count)
            if count < 0 { throw Errno.current }
            return count
        },
        ioctl: { fd, request, argument throws(Errno) in
            let result = hearthIoctl(fd, request, argument)
            if result < 0 { throw Errno.current }
            return result
        },
        listDirectory: { path throws(Errno) in
            guard let directory = opendir(path) else { throw Errno.current }
            defer { closedir(directory) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            return names.sorted()
        },
        pollInput: { fd, timeout throws(Errno) in
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let result = poll(&descriptor, 1, timeout)
            if result < 0 { throw Errno.current }
            return result > 0
        }
    )
}

/// Runs `body` again for as long as it fails with `EINTR`: the one place interrupted calls are retried.
@inline(__always)
public func retryingOnInterrupt<T>(_ body: () throws(Errno) -> T) throws(Errno) -> T {
    while true {
        do {
            return try body()
        } catch where error.rawValue == EINTR {
            continue
        }
    }
}

extension SystemCalls {
    /// Opens, calls `body` with the descriptor, and closes.
    func withFile<T>(_ path: String, flags: Int32, _ body: (Int32) throws(Errno) -> T) throws(Errno) -> T {
        let fd = try retryingOnInterrupt { () throws(Errno) in try open(path, flags | O_CLOEXEC, 0) }
        defer { try? close(fd) }
        return try body(fd)
    }

    /// The whole content of a (small, sysfs-sized) file, as text.
    func readText(_ path: String) throws(Errno) -> String {
        try withFile(path, flags: O_RDONLY) { fd throws(Errno) in
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 256)
            while true {
                let count = try chunk.withUnsafeMutableBytes { buffer in
                    Result { () throws(Errno) in try retryingOnInterrupt { () throws(Errno) in try read(fd, buffer) } }
                }.get()
                if count == 0 { break }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Writes `text` to a file that exists (a sysfs attribute), in one `write`, as sysfs expects.
    func writeText(_ path: String, _ text: String) throws(Errno) {
        try withFile(path, flags: O_WRONLY | O_TRUNC) { fd throws(Errno) in
            let bytes = Array(text.utf8)
            let written = try bytes.withUnsafeBytes { buffer in
                Result { () throws(Errno) in try retryingOnInterrupt { () throws(Errno) in try write(fd, buffer) } }
            }.get()
            if written != bytes.count { throw Errno(EIO) }
        }
    }

    /// `ioctl` with `EINTR` retried.
    func control(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        try retryingOnInterrupt { () throws(Errno) in try ioctl(fd, request, argument) }
    }
}
