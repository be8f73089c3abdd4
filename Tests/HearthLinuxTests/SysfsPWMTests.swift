import Foundation
import Glibc
import HearthHAL
import HearthLinux
import HearthLinuxTesting
import Testing

@Suite struct SysfsPWMTests {
    let sysfs: FakeSysfs
    let overlay = "dtoverlay=pwm-2chan,pin=18,func=2,pin2=19,func2=2"

    init() throws {
        sysfs = try FakeSysfs()
        try sysfs.pwmChip(0, channels: 2)
    }

    func channel(_ number: Int = 0) throws -> SysfsPWMChannel {
        try SysfsPWMChannel(chip: 0, channel: number, root: "\(sysfs.root)/pwm", overlayHint: overlay, sys: sysfs.sys)
    }

    @Test func exportsThenWritesPeriodDutyAndEnable() throws {
        let fan = try channel(1)
        #expect(sysfs.writes == ["pwm/pwmchip0/export=1"])
        try fan.apply(PWMSetting(frequency: Hertz(25_000), duty: DutyCycle(0.4))!)
        #expect(sysfs.read("pwm/pwmchip0/pwm1/period") == "40000")
        #expect(sysfs.read("pwm/pwmchip0/pwm1/duty_cycle") == "16000")
        #expect(sysfs.read("pwm/pwmchip0/pwm1/enable") == "1")
        #expect(sysfs.writes == [
            "pwm/pwmchip0/export=1", "pwm/pwmchip0/pwm1/period=40000", "pwm/pwmchip0/pwm1/duty_cycle=16000",
            "pwm/pwmchip0/pwm1/enable=1",
        ])
    }

    @Test func anExportedChannelIsNotExportedAgain() throws {
        _ = try channel()
        _ = try channel()
        #expect(sysfs.writes == ["pwm/pwmchip0/export=0"])
    }

    @Test func zeroDutyDisablesTheOutput() throws {
        let fan = try channel()
        try fan.apply(PWMSetting(period: .microseconds(40), duty: DutyCycle(0.5)))
        try fan.apply(PWMSetting(period: .microseconds(40), duty: .off))
        #expect(sysfs.read("pwm/pwmchip0/pwm0/enable") == "0")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "0")
        #expect(sysfs.writes.suffix(2) == ["pwm/pwmchip0/pwm0/enable=0", "pwm/pwmchip0/pwm0/duty_cycle=0"])
    }

    @Test func periodAndDutyAreWrittenInTheOrderTheKernelAccepts() throws {
        let fan = try channel()
        // 25 kHz at 90 %, then 50 kHz at 50 %: the new period (20000) is below the old duty (36000),
        // so the duty must shrink first; the kernel twin refuses the other order with EINVAL.
        try fan.apply(PWMSetting(period: .nanoseconds(40_000), duty: DutyCycle(0.9)))
        try fan.apply(PWMSetting(period: .nanoseconds(20_000), duty: DutyCycle(0.5)))
        #expect(sysfs.read("pwm/pwmchip0/pwm0/period") == "20000")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "10000")
        // And back to a longer period: the period grows before the duty does.
        try fan.apply(PWMSetting(period: .nanoseconds(40_000), duty: DutyCycle(0.75)))
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "30000")
    }

    @Test func unchangedValuesAreNotRewritten() throws {
        let fan = try channel()
        let setting = PWMSetting(period: .nanoseconds(40_000), duty: DutyCycle(0.3))
        try fan.apply(setting)
        let count = sysfs.writes.count
        try fan.apply(setting)
        #expect(sysfs.writes.count == count)
    }

    @Test func aFailedWriteIsRetriedOnTheNextApply() throws {
        let fan = try channel()
        let setting = PWMSetting(period: .nanoseconds(40_000), duty: .full)
        sysfs.failWrite("pwm/pwmchip0/pwm0/duty_cycle", EIO)
        #expect {
            try fan.apply(setting)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .busError && error?.errno == EIO && (error?.device?.hasSuffix("pwmchip0/pwm0") ?? false)
        }
        try fan.apply(setting)
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "40000")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/enable") == "1")
    }

    @Test func aMissingChipNamesTheOverlay() {
        #expect {
            try SysfsPWMChannel(chip: 2, channel: 0, root: "\(sysfs.root)/pwm", overlayHint: overlay, sys: sysfs.sys)
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && (error?.detail.contains(overlay) ?? false)
                && (error?.device?.hasSuffix("pwmchip2") ?? false)
        }
    }

    @Test func aChannelBeyondTheChipIsOutOfRange() {
        #expect { try channel(2) } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }

    @Test func permissionDeniedOnExportIsUnavailable() {
        sysfs.failWrite("pwm/pwmchip0/export", EACCES)
        #expect {
            try channel()
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.errno == EACCES
        }
    }

    @Test func aZeroPeriodIsRefused() throws {
        let fan = try channel()
        #expect {
            try fan.apply(PWMSetting(period: .zero, duty: .full))
        } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }
}

@Suite struct SysfsTemperatureTests {
    let sysfs: FakeSysfs

    init() throws {
        sysfs = try FakeSysfs()
        try sysfs.file("thermal/thermal_zone0/type", "cpu-thermal\n")
        try sysfs.file("thermal/thermal_zone0/temp", "48312\n")
        try sysfs.file("thermal/thermal_zone1/type", "gpu-thermal\n")
        try sysfs.file("thermal/thermal_zone1/temp", "-4500\n")
        try sysfs.file("hwmon/hwmon0/name", "rpi_volt\n")
        try sysfs.file("hwmon/hwmon1/name", "cpu_thermal\n")
        try sysfs.file("hwmon/hwmon1/temp1_input", "51000\n")
    }

    @Test func thermalZoneByTypeOrByName() throws {
        let soc = try SysfsTemperatureSensor.thermalZone("cpu-thermal", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        #expect(try soc.readTemperature() == Celsius(48.312))
        let second = try SysfsTemperatureSensor.thermalZone("thermal_zone1", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        #expect(try second.readTemperature() == Celsius(-4.5))
    }

    @Test func hwmonByChipName() throws {
        let sensor = try SysfsTemperatureSensor.hwmon(chip: "cpu_thermal", root: "\(sysfs.root)/hwmon", sys: sysfs.sys)
        #expect(try sensor.readTemperature() == Celsius(51))
        #expect(sensor.name == "cpu_thermal/temp1")
    }

    @Test func discoveryListsEveryChannel() {
        let found = SysfsTemperatureSensor.discover(
            thermalRoot: "\(sysfs.root)/thermal", hwmonRoot: "\(sysfs.root)/hwmon", sys: sysfs.sys)
        #expect(found.map(\.name) == ["thermal:cpu-thermal", "thermal:gpu-thermal", "hwmon:cpu_thermal/temp1"])
    }

    @Test func garbageIsBadDataNotAReading() throws {
        try sysfs.file("thermal/thermal_zone0/temp", "N/A\n")
        let soc = try SysfsTemperatureSensor.thermalZone("cpu-thermal", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        #expect { try soc.readTemperature() } throws: { ($0 as? HALError)?.kind == .badData }
        try sysfs.file("thermal/thermal_zone0/temp", "")
        #expect { try soc.readTemperature() } throws: { ($0 as? HALError)?.kind == .badData }
    }

    @Test func implausibleValuesAreOutOfRange() throws {
        try sysfs.file("thermal/thermal_zone0/temp", "255000\n")
        let soc = try SysfsTemperatureSensor.thermalZone("cpu-thermal", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        #expect { try soc.readTemperature() } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }

    @Test func aVanishedSensorIsUnavailable() throws {
        let soc = try SysfsTemperatureSensor.thermalZone("cpu-thermal", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        try FileManager.default.removeItem(atPath: "\(sysfs.root)/thermal/thermal_zone0/temp")
        #expect {
            try soc.readTemperature()
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .unavailable && error?.errno == ENOENT
        }
    }

    @Test func unknownZonesAndChipsAreNamed() {
        #expect {
            try SysfsTemperatureSensor.thermalZone("nope", root: "\(sysfs.root)/thermal", sys: sysfs.sys)
        } throws: { ($0 as? HALError)?.detail.contains("cpu-thermal") ?? false }
        #expect {
            try SysfsTemperatureSensor.hwmon(chip: "nope", root: "\(sysfs.root)/hwmon", sys: sysfs.sys)
        } throws: { ($0 as? HALError)?.kind == .unavailable }
    }

    @Test func forcedReadErrorsKeepTheirErrno() throws {
        var sys = sysfs.sys
        sys.read = { _, _ throws(Errno) in throw Errno(EIO) }
        let soc = SysfsTemperatureSensor(name: "soc", path: "\(sysfs.root)/thermal/thermal_zone0/temp", sys: sys)
        #expect {
            try soc.readTemperature()
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .busError && error?.errno == EIO
        }
    }
}
