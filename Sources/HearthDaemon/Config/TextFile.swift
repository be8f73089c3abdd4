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
