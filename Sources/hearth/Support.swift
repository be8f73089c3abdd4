import Foundation

/// A line from standard input, read a byte at a time so that nothing after it is taken: a script
/// that pipes answers to several `hearth` runs in turn gives each its own lines.
func readLineUnbuffered() -> String? {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while read(0, &byte, 1) == 1 {
        if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
}

extension Result where Success == String {
    /// The value, or what went wrong after `failure`.
    func description(failure: String) -> String {
        switch self {
        case .success(let text): text
        case .failure(let error): "\(failure): \(error)"
        }
    }
}
