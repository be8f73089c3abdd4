import Foundation
import Glibc
import HearthHAL
import HearthLinux
import HearthLinuxTesting
import Synchronization
import Testing

@Suite struct GPIOChipTests {
    let fake = FakeGPIOChip(names: ["GPIO4", "FAN_EN", "FAN_TACH", "ASIC_RST"])

    @Test func outputsTakeTheirSafeValueAtTheMomentOfRequest() throws {
        let chip = try GPIOChip(number: 0, library: fake.library)
        #expect(chip.label == "fake-gpio")
        #expect(chip.lineCount == 4)
        // ASIC reset is active-low: asserted (compute held off) means a low level on the pin.
        let reset = try chip.requestOutput(.name("ASIC_RST"), consumer: "hearth", initial: true, activeLow: true)
        #expect(fake.line(3).levelAtRequest == false)
        #expect(try reset.isActive())
        try reset.set(active: false)
        #expect(fake.line(3).level == true)

        let fan = try chip.requestOutput(.offset(1), consumer: "hearth", initial: true)
        #expect(fake.line(1).levelAtRequest == true)
        #expect(fake.line(1).request?.activeLow == false)
        try fan.set(active: false)
        #expect(fake.line(1).level == false)
        #expect(fake.line(1).consumer == "hearth")
    }

    @Test func linesAreReleasedWithTheirLastReference() throws {
        let chip = try GPIOChip(number: 0, library: fake.library)
        do {
            let line = try chip.requestOutput(.name("FAN_EN"), consumer: "hearth", initial: false)
            try line.set(active: true)
            #expect(fake.openHandles == 2)
        }
        #expect(fake.line(1).consumer == nil)
        #expect(fake.openHandles == 1)
        _ = try chip.requestOutput(.name("FAN_EN"), consumer: "hearth", initial: false)
    }

    @Test func aLineInUseIsNamedWithItsFault() throws {
        let chip = try GPIOChip(number: 0, library: fake.library)
        let held = try chip.requestOutput(.name("FAN_EN"), consumer: "other", initial: false)
        #expect {
            try chip.requestOutput(.name("FAN_EN"), consumer: "hearth", initial: true)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.errno == EBUSY && error?.line == "\"FAN_EN\""
                && error?.device == "/dev/gpiochip0" && (error?.detail.contains("gpioinfo") ?? false)
        }
        _ = held
    }

    @Test func unknownNamesAndOffsetsAreRefused() throws {
        let chip = try GPIOChip(number: 0, library: fake.library)
        #expect { try chip.offset(of: .name("NOPE")) } throws: { ($0 as? HALError)?.kind == .unavailable }
        #expect { try chip.offset(of: .offset(4)) } throws: { ($0 as? HALError)?.kind == .outOfRange }
        #expect(try chip.offset(of: .name("FAN_TACH")) == 2)
    }

    @Test func tachEdgesArriveWithKernelTimestamps() throws {
        let chip = try GPIOChip(number: 0, library: fake.library)
        let tach = try chip.requestInput(.name("FAN_TACH"), consumer: "hearth", bias: .pullUp, edges: .falling)
        #expect(fake.line(2).request?.bias == .pullUp)
        for pulse in 0..<3 {
            let base = UInt64(pulse) * 10_000_000
            fake.drive(2, level: true, at: base)
            fake.drive(2, level: false, at: base + 5_000_000)
        }
        let events = try tach.pendingEvents()
        #expect(events == [
            EdgeEvent(.falling, at: .milliseconds(5)), EdgeEvent(.falling, at: .milliseconds(15)),
            EdgeEvent(.falling, at: .milliseconds(25)),
        ])
        #expect(try tach.pendingEvents().isEmpty)
        #expect(try tach.isActive() == false)
    }

    /// Each libgpiod call, made to fail with an errno, gives the kind that errno means.
    @Test(arguments: [
        ("open", EACCES, HALError.Kind.unavailable), ("open", ENODEV, .unavailable), ("info", EIO, .busError),
        ("request", EINVAL, .outOfRange), ("request", EBUSY, .unavailable), ("set", EIO, .busError),
        ("get", EIO, .busError), ("events", ENOTTY, .notSupported),
    ])
    func forcedErrnoGivesItsKind(call: String, errno: Int32, kind: HALError.Kind) throws {
        fake.force(call, errno)
        let attempt = { () throws(HALError) in
            let chip = try GPIOChip(number: 0, library: fake.library)
            let output = try chip.requestOutput(.name("FAN_EN"), consumer: "hearth", initial: true)
            try output.set(active: true)
            _ = try output.isActive()
            let tach = try chip.requestInput(.name("FAN_TACH"), consumer: "hearth", edges: .both)
            _ = try tach.pendingEvents()
        }
        #expect {
            try attempt()
        } throws: { error in
            let error = error as? HALError
            return error?.kind == kind && error?.errno == errno && error?.device == "/dev/gpiochip0"
        }
        #expect(fake.openHandles == 0, "nothing is left open after a failure")
    }
}

/// The shim against the libgpiod this build linked: 1.6 or 2.x. The test command runs this suite
/// once against each and sets HEARTH_EXPECT_LIBGPIOD_API to say which this run must have.
@Suite struct LibgpiodShimTests {
    @Test func compiledAgainstTheExpectedAPI() throws {
        let (api, library) = GPIOLibrary.live.version()
        #expect(api == 1 || api == 2)
        #expect(library.hasPrefix("\(api)."), "the shim's API (\(api)) and the linked library (\(library)) must agree")
        if let expected = ProcessInfo.processInfo.environment["HEARTH_EXPECT_LIBGPIOD_API"] {
            #expect(String(api) == expected, "built against libgpiod \(library), expected API \(expected)")
        }
    }

    @Test func aMissingChipIsUnavailable() {
        #expect {
            try GPIOChip(path: "/nonexistent/gpiochip7")
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.errno == ENOENT && error?.device == "/nonexistent/gpiochip7"
        }
    }

    @Test func aFileThatIsNotAGPIOChipIsRefused() {
        // /dev/null is a character device, but not a GPIO chip: libgpiod must say so, not crash.
        #expect {
            try GPIOChip(path: "/dev/null")
        } throws: { error in
            let error = error as? HALError
            return error?.device == "/dev/null" && error?.errno != nil
        }
    }

    @Test func theRealGPIOChipsAreReadable() throws {
        // On a Pi (or the HIL VM), the chips the kernel offers open and describe themselves.
        let chips = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        for name in chips where name.hasPrefix("gpiochip") {
            let chip = try GPIOChip(path: "/dev/\(name)")
            #expect(chip.lineCount > 0)
        }
    }
}
