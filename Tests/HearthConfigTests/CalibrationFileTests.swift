import Foundation
import HearthDrivers
import HearthHAL
import HearthSim
import Testing

import HearthTestFixtures
@testable import HearthConfig

@Suite struct CalibrationFileTests {
    let sensors = ["room", "exhaust", "heatsink"]

    @Test func readsLinesAndTables() throws {
        let calibrations = try CalibrationFile.parse(
            """
            [room]
            gain = 1.01
            offset = -0.4

            [exhaust]
            points = [[20, 20.5], [40.0, 40.2]]
            """, file: "cal.toml", sensors: sensors)
        #expect(calibrations["room"] == .linear(gain: 1.01, offset: Celsius(-0.4)))
        #expect(calibrations["exhaust"] == .table([
            .init(raw: Celsius(20), reference: Celsius(20.5)), .init(raw: Celsius(40), reference: Celsius(40.2)),
        ]))
        #expect(calibrations["heatsink"] == nil)
    }

    @Test(arguments: [
        ("[hall]\noffset = 1\n", "cal.toml: hall: the board has no sensor named \"hall\" (it has: room, exhaust, heatsink)"),
        ("[room]\noffset = 1\npoints = [[1, 1], [2, 2]]\n", "cal.toml: room.points: give either gain and offset, or points, not both"),
        ("[room]\n", "cal.toml: room.gain: missing (gain and offset, or points)"),
        ("[room]\npoints = [[1, 1]]\n", "cal.toml: room.points: needs at least two points with rising raw values"),
        ("[room]\npoints = [[2, 2], [1, 1]]\n", "cal.toml: room.points: needs at least two points with rising raw values"),
        ("[room]\npoints = [[1, 1], [2]]\n", "cal.toml: room.points[1]: expected a pair of numbers"),
        ("[room]\ngain = 7\n", "cal.toml: room.gain: 7.0 is outside the allowed 0.5…2.0"),
        ("[room]\noffset = 1\nofset = 2\n", "cal.toml: room.ofset: unknown key"),
    ])
    func badFilesAreRefusedWithFileKeyAndReason(text: String, expected: String) {
        do {
            _ = try CalibrationFile.parse(text, file: "cal.toml", sensors: sensors)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error)")
        }
    }

    @Test func whatItWritesItReadsBack() throws {
        let calibrations: [String: Calibration] = [
            "room": .linear(gain: 1.00423, offset: Celsius(-0.35)),
            "exhaust": .table([.init(raw: Celsius(20), reference: Celsius(20.5)), .init(raw: Celsius(40), reference: Celsius(40.25))]),
        ]
        let text = CalibrationFile.render(calibrations, header: ["written by a test"])
        #expect(text.hasPrefix("# written by a test\n"))
        #expect(try CalibrationFile.parse(text, file: "cal.toml", sensors: sensors) == calibrations)
    }

    /// Saving one sensor keeps the others; a file that is there but broken is left alone.
    @Test func savingOneSensorKeepsTheOthers() throws {
        let folder = try temporaryFolder()
        let file = "\(folder)/calibration.toml"
        try CalibrationFile.save(.linear(gain: 1.01, offset: Celsius(0.2)), for: "room", file: file, sensors: sensors)
        try CalibrationFile.save(.linear(gain: 0.99, offset: Celsius(-1)), for: "exhaust", file: file, sensors: sensors)
        try CalibrationFile.save(.linear(gain: 1.02, offset: Celsius(0.1)), for: "room", file: file, sensors: sensors)
        let saved = try CalibrationFile.load(file: file, sensors: sensors)
        #expect(saved == ["room": .linear(gain: 1.02, offset: Celsius(0.1)), "exhaust": .linear(gain: 0.99, offset: Celsius(-1))])

        let broken = "[room]\ngain = \"steep\"\n"
        try broken.write(toFile: file, atomically: false, encoding: .utf8)
        #expect { try CalibrationFile.save(.identity, for: "room", file: file, sensors: sensors) } throws: { error in
            "\(error)".contains("room.gain")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == broken, "nothing lost")
    }
}

