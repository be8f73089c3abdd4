import HearthHAL

extension BoardProfile {
    /// The board in a few lines, for `hearth board check` and the daemon's start-up log.
    public var summary: [String] {
        var lines = ["\(name) (\(backend.rawValue)): \(description)"]
        if let i2cBus { lines.append("I²C bus \(i2cBus)") }
        for sensor in sensors {
            let source = switch sensor.source {
            case .i2c(let chip, let address): "\(chip.rawValue) at \(address)"
            case .ntc(let address, let ntc): "NTC on ADS1115 \(address) channel \(ntc.channel)"
            case .thermalZone(let zone): "thermal zone \(zone)"
            case .hwmon(let chip, let input): "hwmon \(chip) temp\(input)"
            }
            lines.append("sensor \(sensor.name) (\(sensor.role.rawValue)): \(source)")
        }
        switch fan?.drive {
        case .pwm(let chip, let channel, let frequency, _, let tach)?:
            var line = "fan: pwmchip\(chip) channel \(channel) at \(frequency), safe duty \(fan!.safeDuty)"
            if let tach { line += "; tach \(tach.line), \(tach.pulsesPerRevolution) pulses/rev" }
            lines.append(line)
        case .emc2101?:
            lines.append("fan: EMC2101 at 0x4C, safe duty \(fan!.safeDuty)")
        case nil:
            break
        }
        if let powerMeter { lines.append("power meter: \(powerMeter.chip.rawValue) at \(powerMeter.address)") }
        for output in outputs {
            lines.append("output \(output.name): \(output.line)\(output.activeLow ? " (active low)" : ""), safe \(output.safeActive ? "active" : "inactive")")
        }
        if let asic {
            lines.append(
                "hash board: \(asic.chips) × \(asic.model) on \(asic.port) at \(asic.baud) baud, \(asic.power.minFrequency)–\(asic.power.maxFrequency) MHz, \(asic.power.idle) idle to \(asic.power.fullLoad), ticket difficulty \(Int(asic.ticketDifficulty))"
                    + (asic.core.map { ", core \($0.volts) by a DS4432U at \($0.address)\($0.bus.map { " on bus \($0)" } ?? "")" } ?? ""))
        }
        if let cpuPower { lines.append("CPU: \(cpuPower.idle) idle, \(cpuPower.fullLoad) full load") }
        return lines
    }
}
