import Foundation
import HearthHAL
import HearthLinux
import HearthLinuxTesting
import Testing

import HearthConfig
import HearthTestFixtures
@testable import HearthRuntime

/// The Raspberry Pi 4 board file, opened through the real Linux backends against a fake sysfs tree
/// and a fake GPIO chip: what the daemon does to the hardware before its first tick.
@Suite struct LinuxHardwareTests {
    let sysfs: FakeSysfs
    let roots: LinuxRoots

    init() throws {
        sysfs = try FakeSysfs()
        try sysfs.pwmChip(0, channels: 2)
        try sysfs.file("thermal/thermal_zone0/type", "cpu-thermal\n")
        try sysfs.file("thermal/thermal_zone0/temp", "47250\n")
        try sysfs.file("dev/gpiochip0", "")
        var roots = LinuxRoots()
        roots.dev = "\(sysfs.root)/dev"
        roots.pwm = "\(sysfs.root)/pwm"
        roots.thermal = "\(sysfs.root)/thermal"
        roots.hwmon = "\(sysfs.root)/hwmon"
        roots.powercap = "\(sysfs.root)/powercap"
        self.roots = roots
    }

    func fakeChip() -> FakeGPIOChip {
        FakeGPIOChip(names: (0...27).map { "GPIO\($0)" }, label: "pinctrl-bcm2711", path: "\(roots.dev)/gpiochip0")
    }

    @Test func everyOutputIsGrantedInItsSafeStateAndTheFanRunsFull() throws {
        let gpio = fakeChip()
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        let i2c = FakeI2CAdapter(functionality: FakeI2CAdapter.plainI2C, path: "\(roots.dev)/i2c-1")
        i2c.addWordDevice(0x48, registers: [0x00: 0x1500, 0x01: 0x60A0])  // room: 21 °C
        i2c.addWordDevice(0x49, registers: [0x00: 0x2300, 0x01: 0x60A0])  // exhaust: 35 °C
        i2c.addWordDevice(0x18, registers: [0x05: 0xC1C4, 0x06: 0x0054, 0x07: 0x0400, 0x08: 0x03])  // heat sink: 28.25 °C
        i2c.addWordDevice(0x40, registers: [0x01: 0x0320, 0x02: 0x2580, 0x03: 0x0258, 0xFE: 0x5449, 0xFF: 0x2270])  // 12 V, 1 A
        let hardware = try Hardware.openLinux(board, roots: roots, sys: i2c.sys(over: sysfs.sys), gpio: gpio.library)
        defer { hardware.shutdown() }
        #expect(hardware.ratedPower == Watts(6.4 - 2.7), "no hash board driver: the CPU above idle is the load")

        // Levels at the instant of request: no glitch through an unsafe state.
        #expect(gpio.line(5).levelAtRequest == false, "asic-reset (active low) is asserted: pin low")
        #expect(gpio.line(22).levelAtRequest == false, "asic-power off")
        #expect(gpio.line(27).levelAtRequest == true, "fan-power on")
        #expect(gpio.line(5).consumer == "hearth:asic-reset")
        #expect(gpio.line(6).request?.edges == .falling)
        #expect(gpio.line(6).request?.bias == .pullUp)

        #expect(sysfs.read("pwm/pwmchip0/pwm0/period") == "40000")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "40000")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/enable") == "1")

        #expect(hardware.sensors.map(\.spec.name) == ["room", "exhaust", "heatsink", "soc"])
        #expect(try hardware.sensors.map { try $0.device.readTemperature() } == [21, 35, 28.25, 47.25].map(Celsius.init))
        #expect(i2c.wordRegisters(0x48)[0x01] == 0x60B0, "the TMP102s were put in extended mode")
        #expect(i2c.wordRegisters(0x18)[0x08] == 0x03, "the MCP9808 runs at 1/16 °C")
        #expect(i2c.wordRegisters(0x40)[0x00] == 0x6527, "the INA260 averages 16 samples")
        let power = try #require(try hardware.powerMeter?.readPower())
        #expect(abs(power.power.value - 6) < 1e-9 && abs(power.voltage.value - 12) < 1e-9)
        #expect(hardware.missing.isEmpty)
        #expect(hardware.notes.count == 1, "no energy counter: the CPU power model alone")
        #expect(hardware.notes.first?.hasPrefix("hash board on /dev/ttyAMA0: unavailable: \(roots.dev)/ttyAMA0: open failed") == true)
        #expect(hardware.notes.first?.hasSuffix("the CPU heats instead") == true, "no hash board fitted: the CPU is the load")
        #expect(hardware.engine?.status.hasPrefix("CPU (") == true)
        #expect(hardware.engine?.status.contains("since the hash board failed: unavailable") == true)
    }

    /// Where the kernel has a RAPL package counter, the CPU engine's power is corrected by it.
    @Test func aPackageEnergyCounterClosesTheCPUPowerLoop() throws {
        try sysfs.file("powercap/intel-rapl:0/name", "package-0\n")
        try sysfs.file("powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n")
        try sysfs.file("powercap/intel-rapl:0/energy_uj", "5000000\n")
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        let i2c = FakeI2CAdapter(functionality: FakeI2CAdapter.plainI2C, path: "\(roots.dev)/i2c-1")
        i2c.addWordDevice(0x48, registers: [0x00: 0x1500, 0x01: 0x60A0])
        i2c.addWordDevice(0x49, registers: [0x00: 0x2300, 0x01: 0x60A0])
        i2c.addWordDevice(0x18, registers: [0x05: 0xC1C4, 0x06: 0x0054, 0x07: 0x0400, 0x08: 0x03])
        i2c.addWordDevice(0x40, registers: [0x01: 0x0320, 0x02: 0x2580, 0x03: 0x0258, 0xFE: 0x5449, 0xFF: 0x2270])
        let hardware = try Hardware.openLinux(board, roots: roots, sys: i2c.sys(over: sysfs.sys), gpio: fakeChip().library)
        defer { hardware.shutdown() }
        #expect(hardware.notes.count == 2)
        #expect(hardware.notes.first?.contains("corrected every 5 s by the energy counter package-0") == true)
        hardware.load?.apply(Watts(1))
        hardware.load?.apply(.zero)
    }

    /// `hearth safe`, with no daemon: every output at its safe level from the instant it is
    /// requested, and the fan full, though the PWM was left off.
    @Test func hearthSafeDrivesEveryOutputAndTheFan() throws {
        let gpio = fakeChip()
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        let failures = Hardware.driveSafe(board, roots: roots, sys: sysfs.sys, gpio: gpio.library)
        #expect(failures.isEmpty, "\(failures)")
        #expect(gpio.line(5).levelAtRequest == false && gpio.line(5).level == false, "asic-reset (active low) asserted")
        #expect(gpio.line(22).levelAtRequest == false && gpio.line(22).level == false, "asic-power off")
        #expect(gpio.line(27).levelAtRequest == true && gpio.line(27).level == true, "fan-power on")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/period") == "40000")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "40000", "fans full")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/enable") == "1")
        #expect(gpio.openHandles == 0, "nothing held once it returns")
    }

    /// A line that cannot be had (busy) is named; the other lines and the fan are driven all the same.
    @Test func hearthSafeDrivesWhatItCanAndNamesTheRest() throws {
        let gpio = fakeChip()
        gpio.force("request", EBUSY)  // the first line requested: fan-power
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        let failures = Hardware.driveSafe(board, roots: roots, sys: sysfs.sys, gpio: gpio.library)
        #expect(failures.count == 1 && failures[0].hasPrefix("output fan-power on "), "\(failures)")
        #expect(gpio.line(22).level == false && gpio.line(5).level == false, "the hash board off and in reset all the same")
        #expect(sysfs.read("pwm/pwmchip0/pwm0/duty_cycle") == "40000", "the fan runs full all the same")
    }

    @Test func aBoardWithoutItsPWMOverlayIsRefusedWithTheLineToAdd() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        try FileManager.default.removeItem(atPath: "\(sysfs.root)/pwm")
        // Outputs and the fan come before the sensors: a board that cannot reach its safe state stops there.
        #expect {
            try Hardware.openLinux(board, roots: roots, sys: sysfs.sys, gpio: fakeChip().library)
        } throws: { error in
            (error as? HALError)?.detail.contains("dtoverlay=pwm-2chan,pin=18,func=2,pin2=19,func2=2") ?? false
        }
    }

    @Test func aChipWithTheWrongLabelIsNamedWithWhatWasFound() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-5.toml")
        #expect {
            try Hardware.openLinux(board, roots: roots, sys: sysfs.sys, gpio: fakeChip().library)
        } throws: { error in
            (error as? HALError)?.detail == "no GPIO chip labelled \"pinctrl-rp1\"; found: gpiochip0 (pinctrl-bcm2711)"
        }
    }
}
