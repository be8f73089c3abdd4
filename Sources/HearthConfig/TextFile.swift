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

/// Writes a file atomically: a temporary file beside it, fsync, rename, fsync of the folder. A
/// power cut leaves either the old content or the new, never half of one.
func writeAtomically(_ data: Data, to path: String) throws(ConfigError) {
    let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
    let temporary = "\(path).tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw ConfigError(file: path, key: "", reason: "cannot be written: \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    let synced = fsync(fd) == 0
    close(fd)
    guard written == data.count, synced, rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw ConfigError(file: path, key: "", reason: "cannot be written: \(reason)")
    }
    let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directory >= 0 {
        fsync(directory)
        close(directory)
    }
}
