import HearthDrivers
import HearthHAL
import HearthSim

extension Hardware {
    /// The devices of a `sim` board: the same drivers as on a Pi, against register-level twins on
    /// the simulated I²C bus, a simulated fan and GPIO lines, all in `world`. The service advances
    /// the world by the time between ticks.
    public static func openSim(_ board: BoardProfile, world: SimWorld = SimWorld()) throws(HALError) -> Hardware {
        var hardware = Hardware()
        for output in board.outputs {
            let line = switch output.line.line {
            case .name(let name): world.line(name)
            case .offset(let offset): world.line("line \(offset)")
            }
            try line.set(active: output.safeActive)
            hardware.outputs.append(Output(spec: output, device: line))
        }
        if let fan = board.fan {
            guard let safe = PWMSetting(frequency: fan.frequency, duty: fan.safeDuty) else {
                throw HALError(.outOfRange, "fan frequency \(fan.frequency) has no period", device: "sim-pwm")
            }
            try world.fan.pwm.apply(safe)
            hardware.fan = FanDrive(pwm: world.fan.pwm, safe: safe)
            if fan.tach != nil { hardware.tach = world.fan.tach }
        }
        for sensor in board.sensors {
            let probe: SimWorld.Probe = switch sensor.role {
            case .room, .intake: .air
            case .exhaust: .exhaust
            case .chip: .heatSink
            case .board: .board
            }
            guard case .i2c(let chip, let address) = sensor.source, let twin = SimWorld.SensorChip(rawValue: chip.rawValue) else {
                hardware.missing.append("sensor \"\(sensor.name)\": no simulated twin of its chip yet")
                continue
            }
            world.addSensor(twin, at: address, measuring: probe)
            switch try i2cSensor(sensor, on: world.bus) {
            case .success(let device): hardware.sensors.append(Sensor(spec: sensor, device: device))
            case .failure(let missing): hardware.missing.append(missing.reason)
            }
        }
        if let meter = board.powerMeter {
            world.addPowerMeter(meter.chip == .ina260 ? .ina260 : .ina219(shuntOhms: meter.shuntOhms ?? 0.1), at: meter.address)
            hardware.powerMeter = try powerMeter(meter, on: world.bus)
        }
        if board.asic != nil {
            hardware.missing.append("hash board: no ASIC driver in this build yet; compute stays off")
        }
        hardware.simulation = { elapsed in world.advance(by: elapsed) }
        return hardware
    }
}
