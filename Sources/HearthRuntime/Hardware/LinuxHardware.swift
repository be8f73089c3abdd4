import Foundation
import HearthConfig
import HearthDrivers
import HearthHAL
import HearthLinux
import HearthMining
import Logging
import Synchronization

/// Where the Linux backends find the kernel's interfaces; tests point these at a fake tree.
public struct LinuxRoots: Sendable {
    public var dev = "/dev"
    public var pwm = "/sys/class/pwm"
    public var thermal = "/sys/class/thermal"
    public var hwmon = "/sys/class/hwmon"
    public var powercap = "/sys/class/powercap"

    /// The real system's paths.
    public init() {}
}

extension Hardware {
    /// Opens a `linux` board's devices: outputs are requested already in their safe state, the fan
    /// is set to its safe duty, and every sensor the kernel measures itself is opened.
    ///
    /// An output, the fan or a sensor that cannot be opened is an error: a heater that cannot reach
    /// its safe state, or cannot see its temperatures, must not run. Chips whose drivers this
    /// build does not have yet are listed in `missing`. Without `load`, neither the hash board nor
    /// the CPU engine is opened: the sensors alone are wanted.
    public static func openLinux(
        _ board: BoardProfile, roots: LinuxRoots = LinuxRoots(), sys: SystemCalls = .live, gpio: GPIOLibrary = .live,
        load: Bool = true
    ) throws(HALError) -> Hardware {
        var hardware = Hardware()
        hardware.plausibility = board.plausibility
        let devices = LinuxDevices(board: board, roots: roots, sys: sys, gpio: gpio)
        for output in board.outputs {
            let line = try devices.chip(output.line.chip).requestOutput(
                output.line.line, consumer: "hearth:\(output.name)", initial: output.safeActive,
                activeLow: output.activeLow)
            hardware.outputs.append(Output(spec: output, device: line))
        }
        if let fan = board.fan {
            let device = try devices.fan(fan, tach: true)
            try device.setDuty(fan.safeDuty)
            hardware.fan = FanDrive(fan: device, safe: fan.safeDuty)
        }
        for sensor in board.sensors {
            switch sensor.source {
            case .thermalZone(let zone):
                let device = try SysfsTemperatureSensor.thermalZone(zone, name: sensor.name, root: roots.thermal, sys: sys)
                hardware.sensors.append(Sensor(spec: sensor, device: device))
            case .hwmon(let hwmonChip, let input):
                let device = try SysfsTemperatureSensor.hwmon(
                    chip: hwmonChip, input: input, name: sensor.name, root: roots.hwmon, sys: sys)
                hardware.sensors.append(Sensor(spec: sensor, device: device))
            case .i2c, .ntc:
                switch try devices.i2c().sensor(sensor) {
                case .success(let device): hardware.sensors.append(Sensor(spec: sensor, device: device))
                case .failure(let missing): hardware.missing.append(missing.reason)
                }
            }
        }
        if let meter = board.powerMeter {
            hardware.powerMeter = try devices.i2c().powerMeter(meter)
            hardware.idlePowerLimit = meter.idleLimit
        }
        guard load else { return hardware }
        // The board's own processor as a heating element: the load itself when no hash board is
        // fitted, the fallback when one is and fails. Its power above idle is the load.
        let cpu = board.cpuPower.map { cpu in hardware.cpuDrive(cpu, counter: RAPLEnergyCounter.package(root: roots.powercap, sys: sys)) }
        if let asic = board.asic {
            let path = asic.port.hasPrefix("/dev/") ? roots.dev + asic.port.dropFirst(4) : asic.port
            hardware.attachASIC(
                asic,
                open: { () throws(HALError) in
                    let port = try LinuxSerialPort(path: path, sys: sys)
                    guard let core = asic.core else { return (port, nil) }
                    guard let bus = core.bus else { return (port, try devices.i2c().bus) }
                    return (port, try LinuxI2CBus(path: "\(roots.dev)/i2c-\(bus)", sys: sys))
                },
                sleep: { Thread.sleep(forTimeInterval: $0.seconds) }, fallback: { cpu?() },
                fallbackRating: board.cpuPower.map { $0.fullLoad - $0.idle } ?? .zero)
        } else if let cpu, let drive = cpu() {
            hardware.load = EngineLoad(drive, ratedPower: board.cpuPower.map { $0.fullLoad - $0.idle } ?? .zero)
        }
        return hardware
    }
}

extension Hardware {
    /// How to start the CPU engine on the board's power model, hashing local work until a pool's
    /// arrives: the thermostat's power goes on top of the idle draw, corrected by the package
    /// energy counter where the kernel has one that can be read (noted here, at open).
    mutating func cpuDrive(_ cpu: BoardProfile.CPUPower, counter: RAPLEnergyCounter?) -> @Sendable () -> FallbackHashEngine.Drive? {
        let model = CPUPowerModel(idle: cpu.idle, fullLoad: cpu.fullLoad, cores: ProcessInfo.processInfo.activeProcessorCount)
        var loop: MeasuredPower?
        if let counter {
            do {
                _ = try counter.energy()
                loop = MeasuredPower(MeasuredPowerLoop(range: counter.range, limit: cpu.fullLoad - cpu.idle))
                notes.append("CPU power: the model, corrected every 5 s by the energy counter \(counter.name) (\(counter.zone))")
            } catch {
                notes.append("CPU power: the model alone; \(counter.zone) cannot be read: \(error)")
            }
        }
        let shares = shares
        return { [loop] in
            let engine = CPUHashEngine.started(model: model, sink: shares, work: LocalWork.template)
            guard let loop, let counter else { return .init(engine, power: { cpu.idle + $0 }) }
            return .init(engine, power: { loop.command(for: cpu.idle + $0, energy: try? counter.energy()) })
        }
    }
}

/// The measured power loop behind a lock, with the wall clock, for the load closure.
final class MeasuredPower: Sendable {
    private let loop: Mutex<MeasuredPowerLoop>
    private let origin = ContinuousClock.now

    init(_ loop: MeasuredPowerLoop) {
        self.loop = Mutex(loop)
    }

    func command(for target: Watts, energy: UInt64?) -> Watts {
        let now = origin.duration(to: .now)
        return loop.withLock { $0.command(for: target, energy: energy, at: now) }
    }
}

extension Hardware {
    /// Drives every output of a `linux` board to the safe state its board file names and its fan
    /// to its safe duty, each on its own, so that one that fails does not keep the others from it:
    /// what `hearth safe` does after any end of `hearthd` (systemd's `ExecStopPost=`), with no
    /// daemon alive. Sensors are not opened: a broken sensor must not stop the fans. Returns what
    /// could not be driven, each in words; empty when everything is safe.
    public static func driveSafe(
        _ board: BoardProfile, roots: LinuxRoots = LinuxRoots(), sys: SystemCalls = .live, gpio: GPIOLibrary = .live
    ) -> [String] {
        var failures: [String] = []
        let devices = LinuxDevices(board: board, roots: roots, sys: sys, gpio: gpio)
        for output in board.outputs {
            do throws(HALError) {
                // Requested at its safe level, so it passes through no other on the way.
                let line = try devices.chip(output.line.chip).requestOutput(
                    output.line.line, consumer: "hearth-safe:\(output.name)", initial: output.safeActive, activeLow: output.activeLow)
                try line.set(active: output.safeActive)
            } catch {
                failures.append("output \(output.name) on \(output.line): \(error)")
            }
        }
        if let fan = board.fan {
            do throws(HALError) {
                try devices.fan(fan, tach: false).setDuty(fan.safeDuty)
            } catch {
                failures.append("fan: \(error)")
            }
        }
        return failures
    }
}

/// A `linux` board's kernel devices, each opened on first use and then shared: its GPIO chips
/// by selector, its I²C bus with the drivers on it.
final class LinuxDevices {
    let board: BoardProfile
    let roots: LinuxRoots
    let sys: SystemCalls
    let gpio: GPIOLibrary
    private var chips: [GPIOChipSelector: GPIOChip] = [:]
    private var drivers: I2CDrivers?

    init(board: BoardProfile, roots: LinuxRoots, sys: SystemCalls, gpio: GPIOLibrary) {
        self.board = board
        self.roots = roots
        self.sys = sys
        self.gpio = gpio
    }

    func chip(_ selector: GPIOChipSelector) throws(HALError) -> GPIOChip {
        if let chip = chips[selector] { return chip }
        let chip = try GPIOChip.open(selector, devices: roots.dev, sys: sys, library: gpio)
        chips[selector] = chip
        return chip
    }

    func i2c() throws(HALError) -> I2CDrivers {
        if let drivers { return drivers }
        // The board loader refuses I²C chips on a board without a bus.
        let opened = I2CDrivers(bus: try LinuxI2CBus(path: "\(roots.dev)/i2c-\(board.i2cBus ?? 1)", sys: sys))
        drivers = opened
        return opened
    }

    /// The board's fan: its sysfs PWM channel (with its tach line when `tach` and the board has
    /// one), or its EMC2101, checked and set for manual control. Its duty is the caller's to set.
    func fan(_ fan: BoardProfile.Fan, tach withTach: Bool) throws(HALError) -> any Fan {
        switch fan.drive {
        case .pwm(let pwmChip, let channel, let frequency, let overlay, let tach):
            let pwm = try SysfsPWMChannel(chip: pwmChip, channel: channel, root: roots.pwm, overlayHint: overlay, sys: sys)
            let tachLine = try (withTach ? tach : nil).map { tach throws(HALError) in
                try chip(tach.line.chip).requestInput(
                    tach.line.line, consumer: "hearth:fan-tach", bias: tach.pullUp ? .pullUp : .asIs, edges: .falling)
            }
            return GPIOFan(
                name: "fan", pwm: pwm, frequency: frequency, tach: tachLine, pulsesPerRevolution: tach?.pulsesPerRevolution ?? 2,
                now: monotonicNow)
        case .emc2101:
            return try i2c().emc2101()
        }
    }
}
