import Foundation

/// The repository's `Board/` folder, found from this file's place in the checkout.
public let boardFolder = String(#filePath.prefix(upTo: #filePath.range(of: "/Sources/")?.lowerBound ?? #filePath.endIndex)) + "/Board"

/// Small board files the tests of the configuration and the runtime share.
public enum TestBoards {
    /// The [board] and [i2c] tables of a simulated board; sections are appended to it.
    public static let simHeader = """
        [board]
        name = "test"
        backend = "sim"
        [i2c]
        bus = 0

        """

    /// A simulated board whose fan is an EMC2101 that also reads the heat sink through its diode.
    public static let emc2101 = simHeader + """
        [fan]
        controller = "emc2101"
        safe_duty = 1
        [[sensor]]
        name = "sink"
        role = "chip"
        chip = "emc2101"
        address = 0x4C
        """

    /// A thermistor on input `channel` of the ADS1115 at 0x48, with the curve lines given.
    public static func thermistor(_ name: String, role: String, channel: Int, seriesOhms: Int = 10_000, curve: String) -> String {
        """
        [[sensor]]
        name = "\(name)"
        role = "\(role)"
        chip = "ads1115-ntc"
        address = 0x48
        channel = \(channel)
        series_ohms = \(seriesOhms)
        nominal_ohms = 10000
        \(curve)

        """
    }
}

/// A fresh folder under the system's temporary folder, for a test's files.
public func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
