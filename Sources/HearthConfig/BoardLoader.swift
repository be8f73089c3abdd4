import Foundation
import HearthControl
import HearthDrivers
import HearthHAL
import HearthMining

extension BoardProfile {
    /// Reads and checks a board file. Any problem — bad TOML, an unknown key, a missing or
    /// out-of-range value, an I²C address or GPIO line used twice — is a `ConfigError` that names
    /// the file, the key and the reason; nothing is guessed.
    public static func load(file: String) throws(ConfigError) -> BoardProfile {
        try parse(try readText(file), file: file)
    }

    /// Checks a board file's text; `file` is only used in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> BoardProfile {
        var document = try TOMLReader(file: file, text: text)
        guard var board = try document.table("board") else {
            throw ConfigError(file: file, key: "board", reason: "missing: every board file starts with a [board] table")
        }
        let name = try board.requiredString("name")
        let description = try board.string("description") ?? ""
        let backend = try board.choice("backend", required: Backend.self)
        let watchdog = try board.path("watchdog")
        try board.finish()

        var i2cBus: Int?
        if var i2c = try document.table("i2c") {
            i2cBus = try i2c.int("bus", required: 0...255)
            try i2c.finish()
        }

        var sensors: [Sensor] = []
        for var reader in try document.tables("sensor") {
            sensors.append(try sensor(&reader, i2cBus: i2cBus))
            try reader.finish()
        }
        let fan = try document.table("fan").map { reader throws(ConfigError) in
            var reader = reader
            return try Self.fan(&reader, i2cBus: i2cBus)
        }
        var powerMeter: PowerMeter?
        if var reader = try document.table("power_meter") {
            powerMeter = try Self.powerMeter(&reader, i2cBus: i2cBus)
            try reader.finish()
        }
        var outputs: [Output] = []
        for var reader in try document.tables("output") {
            outputs.append(try output(&reader))
            try reader.finish()
        }
        var asic: ASICPort?
        if var reader = try document.table("asic") {
            asic = try Self.asic(&reader, backend: backend, outputs: outputs, i2cBus: i2cBus)
            try reader.finish()
        }
        var cpuPower: CPUPower?
        if var reader = try document.table("cpu") {
            let idle = try reader.double("idle_watts", required: 0...500)
            let full = try reader.double("full_load_watts", required: 0...500)
            guard full > idle else {
                throw reader.error("full_load_watts", "\(full) W must be above idle_watts (\(idle) W)")
            }
            cpuPower = CPUPower(idle: Watts(idle), fullLoad: Watts(full))
            try reader.finish()
        }
        var plausibility: Plausibility?
        if var reader = try document.table("plausibility") {
            plausibility = try Self.plausibility(&reader)
            try reader.finish()
        }
        try document.finish()

        let profile = BoardProfile(
            name: name, description: description, backend: backend, i2cBus: i2cBus, sensors: sensors, fan: fan,
            powerMeter: powerMeter, asic: asic, cpuPower: cpuPower, outputs: outputs, watchdog: watchdog,
            plausibility: plausibility)
        try profile.checkNothingIsUsedTwice(file: file)
        return profile
    }

    // MARK: Sections

    private static func sensor(_ reader: inout TOMLReader, i2cBus: Int?) throws(ConfigError) -> Sensor {
        let name = try reader.requiredString("name")
        let role = try reader.choice("role", required: SensorRole.self)
        let chip = try reader.requiredString("chip")
        let source: SensorSource
        switch chip {
        case "thermal-zone":
            source = .thermalZone(try reader.requiredString("zone"))
        case "hwmon":
            source = .hwmon(chip: try reader.requiredString("hwmon"), input: try reader.int("input", in: 1...64) ?? 1)
        default:
            guard let model = TemperatureChip(rawValue: chip) else {
                let known = TemperatureChip.allCases.map(\.rawValue) + ["thermal-zone", "hwmon"]
                throw reader.error("chip", "\"\(chip)\" is not a known sensor; known: \(known.joined(separator: ", "))")
            }
            guard i2cBus != nil else {
                throw reader.error("chip", "\(chip) is an I²C chip, but the board has no [i2c] bus")
            }
            let address = try self.address(&reader)
            if model == .ads1115Ntc {
                let a = try reader.double("steinhart_a", in: -1...1)
                let b = try reader.double("steinhart_b", in: -1...1)
                let c = try reader.double("steinhart_c", in: -1...1)
                let steinhartHart: [Double]?
                switch (a, b, c) {
                case let (a?, b?, c?): steinhartHart = [a, b, c]
                case (nil, nil, nil): steinhartHart = nil
                default: throw reader.error("steinhart_a", "give all three of steinhart_a, steinhart_b and steinhart_c, or none")
                }
                let beta = try reader.double("beta", in: 1000...10_000)
                if beta == nil, steinhartHart == nil {
                    throw reader.missing("beta", "the thermistor's B constant, 1000…10000, or steinhart_a/b/c")
                }
                let ntc = NTC(
                    channel: try reader.int("channel", required: 0...3),
                    seriesOhms: try reader.double("series_ohms", required: 1...10_000_000),
                    nominalOhms: try reader.double("nominal_ohms", required: 1...10_000_000),
                    nominalCelsius: try reader.double("nominal_celsius", in: -40...150) ?? 25,
                    beta: beta, steinhartHart: steinhartHart,
                    supplyVolts: try reader.double("supply_volts", in: 1...6.144) ?? 3.3)
                source = .ntc(address, ntc)
            } else {
                source = .i2c(model, address)
            }
        }
        return Sensor(name: name, role: role, source: source)
    }

    private static func address(_ reader: inout TOMLReader) throws(ConfigError) -> I2CAddress {
        let raw = try reader.int("address", required: 0...0x7F)
        guard let address = I2CAddress(raw) else {
            throw reader.error(
                "address", "0x\(String(raw, radix: 16)) is reserved; a 7-bit device address is 0x08…0x77")
        }
        return address
    }

    private static func line(_ reader: inout TOMLReader) throws(ConfigError) -> Line {
        let chip: GPIOChipSelector
        switch try reader.intOrString("chip", in: 0...63) {
        case .int(let number): chip = .number(number)
        case .string(let label): chip = .label(label)
        case nil: throw reader.missing("chip", "a gpiochip number, or a chip label such as \"pinctrl-bcm2711\"")
        }
        let line: GPIOLineSelector
        switch try reader.intOrString("line", in: 0...511) {
        case .int(let offset): line = .offset(UInt32(offset))
        case .string(let name): line = .name(name)
        case nil: throw reader.missing("line", "a line offset, or a line name such as \"GPIO6\"")
        }
        return Line(chip: chip, line: line)
    }

    private static func fan(_ reader: inout TOMLReader, i2cBus: Int?) throws(ConfigError) -> Fan {
        enum Controller: String, CaseIterable { case pwm, emc2101 }
        let controller = try reader.choice("controller", Controller.self) ?? .pwm
        guard let safeDuty = try reader.double("safe_duty", in: 0...1) else {
            throw reader.missing("safe_duty", "the duty the fan runs at when Hearth is not controlling it, 0.5…1")
        }
        guard safeDuty >= 0.5 else {
            throw reader.error(
                "safe_duty", "\(safeDuty) is below 0.5: in its safe state the heater must still carry heat away from a hot heat sink")
        }
        let drive: Fan.Drive
        switch controller {
        case .emc2101:
            guard i2cBus != nil else {
                throw reader.error("controller", "an EMC2101 is an I²C chip, but the board has no [i2c] bus")
            }
            drive = .emc2101
        case .pwm:
            let pwmChip = try reader.int("pwm_chip", required: 0...63)
            let pwmChannel = try reader.int("pwm_channel", required: 0...15)
            let frequency = try reader.double("frequency_hz", required: 1...1_000_000)
            let overlay = try reader.string("overlay")
            var tach: Tach?
            if var tachReader = try reader.table("tach") {
                tach = Tach(
                    line: try line(&tachReader),
                    pulsesPerRevolution: try tachReader.int("pulses_per_revolution", in: 1...8) ?? 2,
                    pullUp: try tachReader.bool("pull_up") ?? true)
                try tachReader.finish()
            }
            drive = .pwm(chip: pwmChip, channel: pwmChannel, frequency: Hertz(frequency), overlay: overlay, tach: tach)
        }
        try reader.finish()
        return Fan(drive: drive, safeDuty: DutyCycle(safeDuty))
    }

    private static func powerMeter(_ reader: inout TOMLReader, i2cBus: Int?) throws(ConfigError) -> PowerMeter {
        let chip = try reader.choice("chip", required: PowerMeterChip.self)
        guard i2cBus != nil else {
            throw reader.error("chip", "\(chip.rawValue) is an I²C chip, but the board has no [i2c] bus")
        }
        let address = try address(&reader)
        var shunt: Double?
        switch chip {
        case .ina219:
            shunt = try reader.double("shunt_ohms", required: 0.000_1...10)
        case .ina260:
            if reader.has("shunt_ohms") {
                throw reader.error("shunt_ohms", "the INA260's shunt is built in (2 mΩ); remove this key")
            }
        }
        let idleLimit = try reader.double("idle_limit_watts", in: 0...5000).map(Watts.init)
        return PowerMeter(chip: chip, address: address, shuntOhms: shunt, idleLimit: idleLimit)
    }

    private static func plausibility(_ reader: inout TOMLReader) throws(ConfigError) -> Plausibility {
        var settings = Plausibility()
        let full = try reader.double("heat_sink_rise_full_fan", in: 0.5...200)
        let still = try reader.double("heat_sink_rise_still", in: 0.5...2000)
        let settle = try reader.double("heat_sink_settle_seconds", in: 1...3600)
        switch (full, still, settle) {
        case let (full?, still?, settle?):
            guard still > full else {
                throw reader.error(
                    "heat_sink_rise_still", "\(still) K must be above heat_sink_rise_full_fan (\(full) K): a fan carries heat away")
            }
            settings.heatSink = HeatSinkModel(
                riseFullFan: full, riseStill: still, settleFullFan: .seconds(settle),
                fanFullRPM: try reader.double("fan_full_rpm", in: 100...100_000))
        case (nil, nil, nil):
            break
        default:
            throw reader.missing(
                full == nil ? "heat_sink_rise_full_fan" : still == nil ? "heat_sink_rise_still" : "heat_sink_settle_seconds",
                "give all three of heat_sink_rise_full_fan, heat_sink_rise_still and heat_sink_settle_seconds, or none")
        }
        if let residual = try reader.double("residual_kelvin", in: 0.5...20) { settings.residual = residual }
        if let seconds = try reader.double("residual_seconds", in: 1...3600) { settings.residualFor = .seconds(seconds) }
        if let seconds = try reader.double("flat_room_seconds", in: 60...3600) { settings.flatRoomAfter = .seconds(seconds) }
        return settings
    }

    private static func output(_ reader: inout TOMLReader) throws(ConfigError) -> Output {
        enum SafeState: String, CaseIterable { case active, inactive }
        let name = try reader.requiredString("name")
        let line = try line(&reader)
        let activeLow = try reader.bool("active_low") ?? false
        let safe = try reader.choice("safe", required: SafeState.self)
        return Output(name: name, line: line, activeLow: activeLow, safeActive: safe == .active)
    }

    private static func asic(_ reader: inout TOMLReader, backend: Backend, outputs: [Output], i2cBus: Int?) throws(ConfigError) -> ASICPort {
        let port = try reader.requiredString("port")
        if backend == .linux, !port.hasPrefix("/dev/") {
            throw reader.error("port", "\"\(port)\" is not a device node; expected a path such as /dev/ttyAMA0")
        }
        let baud = try reader.int("baud", in: 9600...6_000_000) ?? BM13xx.fastBaud
        guard baud == BM13xx.resetBaud || baud == BM13xx.fastBaud else {
            throw reader.error("baud", "the chips' UART runs at \(BM13xx.resetBaud) or \(BM13xx.fastBaud), not \(baud)")
        }
        func output(_ key: String) throws(ConfigError) -> String? {
            let name = try reader.string(key)
            if let name, !outputs.contains(where: { $0.name == name }) {
                throw reader.error(key, "\"\(name)\" is not the name of any [[output]]")
            }
            return name
        }
        let reset = try output("reset_output")
        let power = try output("power_output")
        let chipName = try reader.string("chip") ?? "bm1366"
        guard let model = BM13xx.Model(name: chipName) else {
            throw reader.error("chip", "\"\(chipName)\" is not a chip this build drives (\(BM13xx.Model.allCases.map { "\($0)".lowercased() }.joined(separator: ", ")))")
        }
        let chips = try reader.int("chips", in: 1...128) ?? 1
        let idle = try reader.double("idle_watts", required: 0...5000)
        let full = try reader.double("full_load_watts", required: 0...5000)
        guard full > idle else { throw reader.error("full_load_watts", "\(full) W must be above idle_watts (\(idle) W)") }
        let maxMHz = try reader.double("max_mhz", required: 50...1000)
        let minMHz = try reader.double("min_mhz", in: 50...1000) ?? min(100, maxMHz)
        guard minMHz <= maxMHz else { throw reader.error("min_mhz", "\(minMHz) MHz is above max_mhz (\(maxMHz) MHz)") }
        let ticket = try reader.double("ticket_difficulty", in: 1...4_294_967_296) ?? 256
        guard ticket == (ticket.rounded(.down)), UInt64(ticket).nonzeroBitCount == 1 else {
            throw reader.error("ticket_difficulty", "\(ticket) is not a power of two (the chips' ticket mask is a run of bits: 256, 512, …)")
        }
        var core: CoreVoltage?
        if var table = try reader.table("core") {
            core = try Self.core(&table, i2cBus: i2cBus)
            try table.finish()
        }
        return ASICPort(
            port: port, baud: baud, resetOutput: reset, powerOutput: power, model: model, chips: chips,
            power: ASICPowerModel(idle: Watts(idle), fullLoad: Watts(full), minFrequency: minMHz, maxFrequency: maxMHz),
            ticketDifficulty: ticket, core: core)
    }

    private enum CoreChip: String, CaseIterable { case ds4432u }

    private static func core(_ reader: inout TOMLReader, i2cBus: Int?) throws(ConfigError) -> CoreVoltage {
        _ = try reader.choice("chip", required: CoreChip.self)
        let bus = try reader.int("bus", in: 0...255)
        guard bus != nil || i2cBus != nil else {
            throw reader.error("bus", "missing: the board has no [i2c] bus, so the DAC's must be given")
        }
        let address = reader.has("address") ? try Self.address(&reader) : DS4432U.defaultAddress
        let output = try reader.int("output", in: 0...1) ?? 0
        let network = DS4432U.Network(
            feedbackVolts: try reader.double("feedback_volts", required: 0.1...5),
            upperOhms: try reader.double("upper_ohms", required: 1...10_000_000),
            lowerOhms: try reader.double("lower_ohms", required: 1...10_000_000),
            fullScaleOhms: try reader.double("full_scale_ohms", required: 1_000...1_000_000),
            referenceVolts: try reader.double("reference_volts", in: 0.5...1.5) ?? 0.997)
        let volts = try reader.double("volts", required: 0.1...5)
        guard network.range.contains(volts) else {
            throw reader.error(
                "volts", "\(volts) V is outside what the DAC can set with this network (\(network.range.lowerBound.rounded(toPlaces: 3))–\(network.range.upperBound.rounded(toPlaces: 3)) V)")
        }
        return CoreVoltage(bus: bus == i2cBus ? nil : bus, address: address, output: output, volts: Volts(volts), network: network)
    }

    // MARK: Cross-checks

    private func checkNothingIsUsedTwice(file: String) throws(ConfigError) {
        var names: [String: String] = [:]
        for (index, sensor) in sensors.enumerated() {
            if let first = names[sensor.name] {
                throw ConfigError(file: file, key: "sensor[\(index)].name", reason: "\"\(sensor.name)\" is already the name of \(first)")
            }
            names[sensor.name] = "sensor[\(index)]"
        }

        // Each I²C address belongs to one chip; only the channels of one ADS1115 share theirs.
        var addresses: [I2CAddress: (owner: String, ntcChannels: Set<Int>?)] = [:]
        func claim(_ address: I2CAddress, by key: String, _ owner: String, ntcChannel: Int? = nil) throws(ConfigError) {
            if let first = addresses[address] {
                guard let channel = ntcChannel, var channels = first.ntcChannels else {
                    throw ConfigError(file: file, key: "\(key).address", reason: "\(address) is already used by \(first.owner)")
                }
                guard channels.insert(channel).inserted else {
                    throw ConfigError(
                        file: file, key: "\(key).channel", reason: "channel \(channel) of the ADS1115 at \(address) is already used by \(first.owner)")
                }
                addresses[address]?.ntcChannels = channels
                return
            }
            addresses[address] = ("\(key) (\"\(owner)\")", ntcChannel.map { [$0] })
        }
        if fan?.drive == .emc2101 {
            try claim(EMC2101.address, by: "fan", "emc2101")
        }
        for (index, sensor) in sensors.enumerated() {
            switch sensor.source {
            case .i2c(.emc2101, let address) where fan?.drive == .emc2101 && address == EMC2101.address:
                // The fan's EMC2101 measures its remote diode too: one chip, both roles.
                continue
            case .i2c(_, let address):
                try claim(address, by: "sensor[\(index)]", sensor.name)
            case .ntc(let address, let ntc):
                try claim(address, by: "sensor[\(index)]", sensor.name, ntcChannel: ntc.channel)
            case .thermalZone, .hwmon:
                break
            }
        }
        if let powerMeter {
            try claim(powerMeter.address, by: "power_meter", powerMeter.chip.rawValue)
        }
        if let core = asic?.core, core.bus == nil {
            try claim(core.address, by: "asic.core", "ds4432u")
        }

        var outputNames: Set<String> = []
        var lines: [Line: String] = [:]
        func claim(_ line: Line, by key: String) throws(ConfigError) {
            if let first = lines[line] {
                throw ConfigError(file: file, key: "\(key).line", reason: "\(line) is already used by \(first)")
            }
            lines[line] = key
        }
        if let tach = fan?.tach { try claim(tach.line, by: "fan.tach") }
        for (index, output) in outputs.enumerated() {
            guard outputNames.insert(output.name).inserted else {
                throw ConfigError(file: file, key: "output[\(index)].name", reason: "\"\(output.name)\" is already the name of another output")
            }
            try claim(output.line, by: "output[\(index)] (\"\(output.name)\")")
        }
    }
}

