// hearth-hil: the Linux backends against the kernel's own GPIO and I²C subsystems, inside the VM
// that Scripts/hil-vm.sh boots (gpio-sim and i2c-stub chips). One line per check on stdout,
// `HIL-CHECK pass NAME` or `HIL-CHECK fail NAME: REASON`; exits 1 if any check failed.
//
// The VM's /init says where the simulated chips are:
//   HIL_GPIO_CHIP_LABEL  the gpio-sim chip's label (lines fan-enable, fan-tach, asic-reset)
//   HIL_GPIO_SIM_DIR     its sysfs folder, holding sim_gpioN/value and sim_gpioN/pull
//   HIL_I2C_DEV          the i2c-stub adapter's /dev/i2c-N
//   HIL_I2C_STUB_ADDRESS the stub chip's address (0x48, where a TMP102 answers)
import FoundationEssentials
import Glibc
import HearthDrivers
import HearthHAL
import HearthLinux

var failures = 0

/// Runs one check and prints its line; a returned string or a thrown error is the failure's reason.
func check(_ name: String, _ body: () throws -> String?) -> Int {
    do {
        if let problem = try body() {
            print("HIL-CHECK fail \(name): \(problem)")
            return 1
        }
        print("HIL-CHECK pass \(name)")
        return 0
    } catch {
        print("HIL-CHECK fail \(name): \(error)")
        return 1
    }
}

func environment(_ name: String) throws -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        throw HALError(.unavailable, "\(name) is not set: run inside Scripts/hil-vm.sh")
    }
    return value
}

func simValue(_ line: Int) throws -> String {
    let path = try environment("HIL_GPIO_SIM_DIR") + "/sim_gpio\(line)/value"
    return try String(contentsOfFile: path, encoding: .utf8).filter { !$0.isWhitespace }
}

func setPull(_ line: Int, up: Bool) throws {
    let path = try environment("HIL_GPIO_SIM_DIR") + "/sim_gpio\(line)/pull"
    try (up ? "pull-up" : "pull-down").write(toFile: path, atomically: false, encoding: .utf8)
}

/// Runs a busybox applet (the independent side of a check) and returns its exit status.
func run(_ arguments: [String]) throws -> Int32 {
    let argv = (["busybox"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/busybox", nil, nil, argv, environ)
    guard spawned == 0 else { throw HALError(.unavailable, "cannot run busybox \(arguments[0]): errno \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

/// The fan's PWM is not part of this test (the kernel has no simulated PWM chip): the fan
/// driver is used for its tachometer only.
struct NoPWM: PWMOutput {
    func apply(_ setting: PWMSetting) throws(HALError) {
        throw HALError(.notSupported, "no PWM in the HIL VM")
    }
    func disable() throws(HALError) {}
}

let library = GPIOLibrary.live.version()
print("hearth-hil: libgpiod \(library.library) (API \(library.api))")

// I²C: a TMP102 register set with i2cset (word, as the kernel's SMBus stores it) reads back
// through i2c-dev, LinuxI2CBus (SMBus path: the stub has no plain I²C) and the TMP102 driver.
failures += check("i2c-tmp102-reads-the-stub") {
    let device = try environment("HIL_I2C_DEV")
    let number = String(device.split(separator: "-").last ?? "0")
    // 25.0625 °C: register 0x1910 (12-bit 0x191; bit 0, the extended-mode flag, clear), sent MSB
    // first on the wire, i.e. SMBus word 0x1019 (SMBus words go low byte first).
    let status = try run(["i2cset", "-y", number, "0x48", "0x00", "0x1019", "w"])
    guard status == 0 else { return "i2cset exited \(status)" }
    let sensor = TMP102(bus: try LinuxI2CBus(path: device))
    let reading = try sensor.readTemperature()
    return reading.value == 25.0625 ? nil : "read \(reading), expected 25.0625 °C"
}

failures += check("i2c-absent-address-is-nack") {
    let bus = try LinuxI2CBus(path: try environment("HIL_I2C_DEV"))
    do {
        _ = try bus.transaction(I2CAddress(0x49)!, [.write([0x00]), .read(count: 2)])
        return "a read at 0x49, where nothing answers, succeeded"
    } catch {
        let kind = (error as? HALError)?.kind
        return kind == .nackAddress ? nil : "error kind \(kind.map { "\($0)" } ?? "?"), expected \(HALError.Kind.nackAddress): \(error)"
    }
}

// GPIO: the chip found by label, lines by name.
failures += check("gpio-output-safe-from-request") {
    let chip = try GPIOChip.open(.label(try environment("HIL_GPIO_CHIP_LABEL")))
    let fan = try chip.requestOutput(.name("fan-enable"), consumer: "hearth-hil", initial: true)
    guard try simValue(0) == "1" else { return "fan-enable requested active reads \(try simValue(0)) at the simulator" }
    let reset = try chip.requestOutput(.name("asic-reset"), consumer: "hearth-hil", initial: false)
    guard try simValue(2) == "0" else { return "asic-reset requested inactive reads \(try simValue(2))" }
    try fan.set(active: false)
    guard try simValue(0) == "0" else { return "fan-enable set inactive reads \(try simValue(0))" }
    try fan.set(active: true)
    guard try simValue(0) == "1" else { return "fan-enable set active reads \(try simValue(0))" }
    _ = reset
    return nil
}

failures += check("gpio-line-by-missing-name-is-named") {
    let chip = try GPIOChip.open(.label(try environment("HIL_GPIO_CHIP_LABEL")))
    do {
        _ = try chip.requestOutput(.name("no-such-line"), consumer: "hearth-hil", initial: false)
        return "a line that does not exist was granted"
    } catch {
        return "\(error)".contains("no-such-line") ? nil : "the error does not name the line: \(error)"
    }
}

failures += check("gpio-tach-rpm-matches-toggle-rate") {
    let chip = try GPIOChip.open(.label(try environment("HIL_GPIO_CHIP_LABEL")))
    try setPull(1, up: true)
    let tach = try chip.requestInput(.name("fan-tach"), consumer: "hearth-hil", edges: .both)
    let fan = GPIOFan(name: "fan", pwm: NoPWM(), tach: tach, pulsesPerRevolution: 2, window: .seconds(5), now: monotonicNow)
    _ = try fan.speed()
    // The edges are read after every pulse, as the daemon's ticks would, so the kernel's event
    // queue (16 events) never overflows and both sides count the same pulses.
    var falls: [Duration] = []
    var measured = 0.0
    for _ in 0..<60 {
        usleep(4000)
        try setPull(1, up: false)
        falls.append(monotonicNow())
        usleep(4000)
        try setPull(1, up: true)
        measured = try fan.speed()?.value ?? 0
    }
    let span = (falls.last! - falls.first!) / .seconds(1)
    let expected = Double(falls.count - 1) / span * 60 / 2
    let error = abs(measured - expected) / expected
    print("hearth-hil: tach \(measured) RPM from the kernel's edges, \(expected) RPM from the toggles")
    return error < 0.1 ? nil : "\(measured) RPM, expected \(expected) (off by \(Int(error * 100)) %)"
}

exit(failures == 0 ? 0 : 1)
