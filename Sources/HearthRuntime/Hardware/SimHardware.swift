import HearthConfig
import HearthDrivers
import HearthHAL
import HearthMining
import HearthSim

extension Hardware {
    /// The ticket difficulty of the simulated chain: one nonce in 65 536 hashes, so a CPU finds
    /// them as fast as the chain's frames need.
    static let simulatedTicket = 1.0 / 65536

    /// The devices of a `sim` board: the same drivers as on a Pi, against register-level twins on
    /// the simulated I²C bus, a simulated fan and GPIO lines, all in `world`. The service advances
    /// the world by the time between ticks.
    ///
    /// With `hashing`, the simulated hash board also really hashes: one CPU thread works in
    /// proportion to the simulated power (full power: flat out), so a pool gets real shares from
    /// the simulated heater. The heat stays the simulation's.
    public static func openSim(_ board: BoardProfile, world: SimWorld = SimWorld(), hashing: Bool = false) throws(HALError) -> Hardware {
        var hardware = Hardware()
        hardware.plausibility = board.plausibility
        for output in board.outputs {
            let line = switch output.line.line {
            case .name(let name): world.line(name)
            case .offset(let offset): world.line("line \(offset)")
            }
            try line.set(active: output.safeActive)
            hardware.outputs.append(Output(spec: output, device: line))
        }
        let drivers = I2CDrivers(bus: world.bus)
        if let fan = board.fan {
            let device: any Fan
            switch fan.drive {
            case .pwm(_, _, let frequency, _, let tach):
                device = GPIOFan(
                    name: "fan", pwm: world.fan.pwm, frequency: frequency, tach: tach == nil ? nil : world.fan.tach,
                    pulsesPerRevolution: tach?.pulsesPerRevolution ?? 2, now: { world.fan.now })
            case .emc2101:
                world.addFanController(at: EMC2101.address, diode: .heatSink)
                device = try drivers.emc2101()
            }
            try device.setDuty(fan.safeDuty)
            hardware.fan = FanDrive(fan: device, safe: fan.safeDuty)
        }
        for sensor in board.sensors {
            let probe: SimWorld.Probe = switch sensor.role {
            case .room, .intake: .air
            case .exhaust: .exhaust
            case .chip: .heatSink
            case .board: .board
            case .outdoor: .outdoor
            }
            switch sensor.source {
            case .i2c(.emc2101, _) where board.fan?.drive == .emc2101:
                break  // the fan's controller, already on the bus
            case .i2c(.emc2101, let address):
                world.bus.attach(EMC2101Twin(temperature: world.temperature(at: probe), fan: world.fan), at: address)
            case .i2c(let chip, let address):
                guard let twin = SimWorld.SensorChip(rawValue: chip.rawValue) else {
                    hardware.missing.append("sensor \"\(sensor.name)\": no simulated twin of \(chip.rawValue) yet")
                    continue
                }
                world.addSensor(twin, at: address, measuring: probe)
            case .ntc(let address, let ntc):
                let curve: SimThermistor.Curve = if let sh = ntc.steinhartHart {
                    .steinhartHart(a: sh[0], b: sh[1], c: sh[2])
                } else {
                    .beta(nominalOhms: ntc.nominalOhms, nominalCelsius: ntc.nominalCelsius, beta: ntc.beta ?? 3950)
                }
                let thermistor = SimThermistor(seriesOhms: ntc.seriesOhms, curve: curve, supply: Volts(ntc.supplyVolts))
                world.addThermistor(thermistor, adc: address, channel: ntc.channel, measuring: probe)
            case .thermalZone, .hwmon:
                hardware.missing.append("sensor \"\(sensor.name)\": the simulated board has no kernel sensors")
                continue
            }
            switch try drivers.sensor(sensor) {
            case .success(let device): hardware.sensors.append(Sensor(spec: sensor, device: device))
            case .failure(let missing): hardware.missing.append(missing.reason)
            }
        }
        if let meter = board.powerMeter {
            world.addPowerMeter(meter.chip == .ina260 ? .ina260 : .ina219(shuntOhms: meter.shuntOhms ?? 0.1), at: meter.address)
            hardware.powerMeter = try drivers.powerMeter(meter)
            hardware.idlePowerLimit = meter.idleLimit
        }
        hardware.simulation = world
        // The hash board is simulated as a load that turns its power target into heat in the chip.
        guard hashing else {
            hardware.load = SimulatedLoad(world: world)
            return hardware
        }
        // It also really hashes, so a pool gets real shares from the simulated heater: on a twin
        // of its chain when the board file has one, else on one CPU thread working in proportion
        // to the power (full power: flat out). The CPU is also the chain's fallback.
        let rated = Watts(world.model.parameters.ratedPower)
        let shares = hardware.shares
        let cpu: @Sendable () -> FallbackHashEngine.Drive? = {
            .init(CPUHashEngine.started(model: CPUPowerModel(idle: .zero, fullLoad: rated, cores: 1), sink: shares, work: LocalWork.template))
        }
        if let asic = board.asic {
            func line(_ name: String?) -> SimDigitalLine? {
                name.flatMap { name in hardware.outputs.first { $0.spec.name == name }?.device as? SimDigitalLine }
            }
            let twin = BM13xxTwin(
                name: asic.port, settings: .init(model: asic.model, chips: asic.chips, difficulty: Self.simulatedTicket, noncesPerRead: 1 << 12),
                reset: line(asic.resetOutput), power: line(asic.powerOutput))
            // The core DAC sits on the hash board's own bus, apart from the sensors'.
            let boardBus = SimI2CBus(name: "sim-hash-board-i2c")
            if let core = asic.core { boardBus.attach(DS4432UTwin(network: core.network), at: core.address) }
            hardware.attachASIC(
                asic, open: { (twin, asic.core.map { $0.bus == nil ? world.bus : boardBus }) }, ticketDifficulty: Self.simulatedTicket, sleep: { _ in }, fallback: cpu, fallbackRating: rated)
        } else if let drive = cpu() {
            hardware.load = EngineLoad(drive, ratedPower: rated)
        }
        hardware.load = SimulatedLoad(world: world, hashing: hardware.load)
        return hardware
    }
}
