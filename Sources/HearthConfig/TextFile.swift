import Foundation

/// A small text file's content; a file that cannot be read is a `ConfigError` in the system's words.
func readText(_ file: String) throws(ConfigError) -> String {
    // Opened once by hand first, so that a missing or forbidden file is said in the system's words.
    let fd = open(file, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw ConfigError(file: file, key: "", reason: "cannot be read: \(String(cString: strerror(errno)))")
    }
    close(fd)
    do {
        return try String(contentsOfFile: file, encoding: .utf8)
    } catch {
        throw ConfigError(file: file, key: "", reason: "cannot be read as UTF-8 text: \(error.localizedDescription)")
    }
}

/// The system calls an atomic write makes after opening its temporary file, behind one seam, so
/// that a test can cut the power after any byte or at any step and see what a restart finds.
struct AtomicWriteCalls: Sendable {
    /// write(2): the bytes written, or -1 with errno set.
    var write: @Sendable (Int32, UnsafeRawBufferPointer) -> Int = { fd, bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) }
    var fsync: @Sendable (Int32) -> Int32 = { Glibc.fsync($0) }
    var rename: @Sendable (String, String) -> Int32 = { Glibc.rename($0, $1) }

    /// The real system calls.
    static let live = AtomicWriteCalls()
}

/// Writes a file atomically: a temporary file beside it (every byte written, through short writes
/// and interrupted ones), fsync, rename over the file, fsync of the folder. A power cut at any
/// moment leaves either the old content or the new, never a part of one (a temporary file may be
/// left beside it, which `StateStore.load()` clears away).
func writeAtomically(_ data: Data, to path: String, calls: AtomicWriteCalls = .live) throws(ConfigError) {
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    let temporary = "\(path).tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw ConfigError(file: path, key: "", reason: "cannot be written: \(String(cString: strerror(errno)))")
    }
    var failure: String?
    data.withUnsafeBytes { bytes in
        var done = 0
        while done < bytes.count {
            let count = calls.write(fd, UnsafeRawBufferPointer(rebasing: bytes[done...]))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                failure = count < 0 ? String(cString: strerror(errno)) : "nothing more could be written"
                return
            }
            done += count
        }
    }
    if failure == nil, calls.fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
    close(fd)
    if failure == nil, calls.rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
        unlink(temporary)
        throw ConfigError(file: path, key: "", reason: "cannot be written: \(failure)")
    }
    let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directory >= 0 {
        _ = calls.fsync(directory)
        close(directory)
    }
}
