import Foundation
import HearthHAL
import HearthLinux
import Testing

/// The watchdog against a real file standing in for the device node.
@Suite struct HardwareWatchdogTests {
    @Test func petsAndDisarmsWithTheMagicClose() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watchdog-\(getpid())").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let watchdog = try HardwareWatchdog(path: path)
        try watchdog.pet()
        try watchdog.pet()
        watchdog.stop()
        watchdog.stop()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([0, 0, UInt8(ascii: "V")]), "two pets, then one magic close")
        #expect { try watchdog.pet() } throws: { "\($0)".contains("closed") }
    }

    @Test func aMissingDeviceSaysWhatToDo() {
        #expect { try HardwareWatchdog(path: "/nonexistent/watchdog") } throws: { error in
            let said = "\(error)"
            return said.contains("/nonexistent/watchdog") && said.contains("dtparam=watchdog=on")
        }
    }
}
