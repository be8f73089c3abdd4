import HearthMining
import Logging
import Synchronization
import HearthStratumTesting
import HearthTestFixtures
@testable import HearthStratum

/// The first nonce from 0 whose header meets `target`, for a template and extranonce2.
func findShare(_ template: WorkTemplate, extranonce2: [UInt8], target: Target) -> Share {
    let header = template.header(extranonce2: extranonce2)
    let scanner = NonceScanner(header: header, target: target)
    var first: UInt32 = 0
    while true {
        if let nonce = scanner.scan(first...(first + 0xFFFF)).first {
            var found = header
            found.nonce = nonce
            return Share(jobID: template.jobID, extranonce2: extranonce2, header: found)
        }
        first += 0x10000
    }
}

/// Waits until `condition` holds, polling, up to a generous bound; the test then checks the
/// condition itself, so nothing here asserts on time.
func eventually(_ condition: @Sendable () -> Bool) async {
    for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
}

/// A log handler that keeps every message, for tests that check what the client said.
struct RecordingLogHandler: LogHandler {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
        func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { lines.append("\(event.level): \(event.message)") }
}
