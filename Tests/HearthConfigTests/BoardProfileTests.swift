import Foundation
import HearthTestFixtures
@testable import HearthConfig
import HearthControl
import HearthHAL
import HearthMining
import Testing


@Suite struct ShippedBoardTests {
    @Test(arguments: ["sim", "raspberry-pi-4b", "raspberry-pi-5", "raspberry-pi-zero-2w"])
    func everyShippedBoardLoads(name: String) throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/\(name).toml")
        #expect(board.name == name)
        #expect(board.backend == (name == "sim" ? .sim : .linux))
        #expect(board.sensors.contains { $0.role == .room })
        #expect(board.sensors.contains { $0.role == .chip })
        #expect(board.fan?.safeDuty == .full, "a fan's safe state is full speed")
        let outputs = Dictionary(uniqueKeysWithValues: board.outputs.map { ($0.name, $0) })
        #expect(outputs["asic-reset"]?.safeActive == true, "the hash board is held in reset")
        #expect(outputs["asic-reset"]?.activeLow == true)
        #expect(outputs["asic-power"]?.safeActive == false, "the hash board's regulator is off")
        #expect(outputs["fan-power"]?.safeActive == true, "the fans are powered")
        #expect(board.asic?.resetOutput == "asic-reset")
        #expect(board.powerMeter == BoardProfile.PowerMeter(chip: .ina260, address: I2CAddress(0x40)!, shuntOhms: nil, idleLimit: Watts(10)))
        // Only the simulated heater's heat sink is known: a Pi board's heater is the builder's.
        #expect((board.plausibility?.heatSink != nil) == (name == "sim"))
        let cpu = try #require(board.cpuPower)
        #expect(cpu.fullLoad > cpu.idle)
    }

    @Test func theRaspberryPi4IsWiredAsTheReadmeSays() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/raspberry-pi-4b.toml")
        #expect(board.i2cBus == 1)
        #expect(board.sensors.map(\.source) == [
            .i2c(.tmp102, I2CAddress(0x48)!), .i2c(.tmp102, I2CAddress(0x49)!), .i2c(.mcp9808, I2CAddress(0x18)!),
            .thermalZone("cpu-thermal"),
        ])
        let fan = try #require(board.fan)
        let tach = BoardProfile.Tach(
            line: .init(chip: .label("pinctrl-bcm2711"), line: .name("GPIO6")), pulsesPerRevolution: 2, pullUp: true)
        #expect(fan.drive == .pwm(
            chip: 0, channel: 0, frequency: Hertz(25_000), overlay: "dtoverlay=pwm-2chan,pin=18,func=2,pin2=19,func2=2",
            tach: tach))
        #expect(board.asic == BoardProfile.ASICPort(
            port: "/dev/ttyAMA0", baud: 1_000_000, resetOutput: "asic-reset", powerOutput: "asic-power", model: .bm1366, chips: 1,
            power: ASICPowerModel(idle: Watts(3), fullLoad: Watts(15), minFrequency: 100, maxFrequency: 485), ticketDifficulty: 256))
    }
}

@Suite struct BoardValidationTests {
    /// A small valid board; each test breaks one thing in it.
    static let valid = """
        [board]
        name = "test"
        backend = "linux"

        [i2c]
        bus = 1

        [[sensor]]
        name = "room"
        role = "room"
        chip = "tmp102"
        address = 0x48

        [[sensor]]
        name = "sink"
        role = "chip"
        chip = "lm75"
        address = 0x4C

        [fan]
        pwm_chip = 0
        pwm_channel = 1
        frequency_hz = 25000
        safe_duty = 1

        [fan.tach]
        chip = 0
        line = 6

        [[output]]
        name = "reset"
        chip = 0
        line = 5
        active_low = true
        safe = "active"
        """

    func error(_ text: String) -> String? {
        do {
            _ = try BoardProfile.parse(text, file: "test.toml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func thePlausibilityTableSetsTheModelBasedCheck() throws {
        let board = try BoardProfile.parse(
            Self.valid + "\n[plausibility]\nheat_sink_rise_full_fan = 15\nheat_sink_rise_still = 160\nheat_sink_settle_seconds = 65\nresidual_kelvin = 1.5\nflat_room_seconds = 300\n",
            file: "test.toml")
        let settings = try #require(board.plausibility)
        #expect(settings.heatSink == HeatSinkModel(riseFullFan: 15, riseStill: 160, settleFullFan: .seconds(65)))
        #expect(settings.residual == 1.5 && settings.residualFor == .seconds(60), "the time keeps its default")
        let limits = settings.applied(to: SafetyLimits())
        #expect(limits.heatSinkModel == settings.heatSink && limits.modelResidual == 1.5)
        #expect(limits.flatWhileHeatedAfter == .seconds(300))
        // Without the table: no basis for the observer, no flat-room rule.
        #expect(try BoardProfile.parse(Self.valid, file: "test.toml").plausibility == nil)
        // Bounds alone: still no observer.
        let bounds = try BoardProfile.parse(Self.valid + "\n[plausibility]\nresidual_seconds = 90\n", file: "test.toml")
        #expect(bounds.plausibility?.heatSink == nil && bounds.plausibility?.residualFor == .seconds(90))
    }

    @Test func theBaseBoardIsValid() throws {
        let board = try BoardProfile.parse(Self.valid, file: "test.toml")
        #expect(board.sensors.count == 2)
        #expect(board.fan?.tach?.pulsesPerRevolution == 2, "two pulses a revolution unless said otherwise")
        #expect(board.outputs == [.init(name: "reset", line: .init(chip: .number(0), line: .offset(5)), activeLow: true, safeActive: true)])
    }

    @Test(arguments: [
        // Unknown keys, at every level.
        Breakage("[extra]\nx = 1\n", "test.toml: extra: unknown key"),
        Breakage("", "test.toml: board.colour: unknown key (allowed here: backend, description, name, watchdog)", "[board]\nname = \"test\"", "[board]\ncolour = \"red\"\nname = \"test\""),
        Breakage("", "test.toml: sensor[1].colour: unknown key", "address = 0x4C", "address = 0x4C\ncolour = \"red\""),
        Breakage("", "test.toml: sensor[1].address: missing (an integer in 0…127 is required); is \"adress\" a misspelling of it?", "address = 0x4C", "adress = 0x4C"),
        Breakage("", "test.toml: fan.tach.pulses: unknown key", "line = 6", "line = 6\npulses = 2"),
        // Addresses and lines used twice.
        Breakage("", "test.toml: sensor[1].address: 0x48 is already used by sensor[0] (\"room\")", "address = 0x4C", "address = 0x48"),
        Breakage("[power_meter]\nchip = \"ina260\"\naddress = 0x4C\n", "test.toml: power_meter.address: 0x4C is already used by sensor[1] (\"sink\")"),
        Breakage("[[output]]\nname = \"power\"\nchip = 0\nline = 6\nsafe = \"inactive\"\n", "test.toml: output[1] (\"power\").line: gpiochip0 line 6 is already used by fan.tach"),
        Breakage("[[output]]\nname = \"reset\"\nchip = 0\nline = 7\nsafe = \"inactive\"\n", "test.toml: output[1].name: \"reset\" is already the name of another output"),
        Breakage("", "test.toml: sensor[1].name: \"room\" is already the name of sensor[0]", "name = \"sink\"", "name = \"room\""),
        // Values out of range or of the wrong type.
        Breakage("", "test.toml: sensor[0].address: 0x3 is reserved; a 7-bit device address is 0x08…0x77", "address = 0x48", "address = 0x03"),
        Breakage("", "test.toml: sensor[0].address: 128 is outside the allowed 0…127", "address = 0x48", "address = 0x80"),
        Breakage("", "test.toml: sensor[0].address: expected an integer, found string", "address = 0x48", "address = \"0x48\""),
        Breakage("", "test.toml: sensor[0].role: \"hall\" is not one of \"room\", \"intake\", \"exhaust\", \"board\", \"chip\"", "role = \"room\"", "role = \"hall\""),
        Breakage("", "test.toml: sensor[0].chip: \"tmp999\" is not a known sensor", "chip = \"tmp102\"", "chip = \"tmp999\""),
        Breakage("", "test.toml: fan.safe_duty: 0.2 is below 0.5", "safe_duty = 1", "safe_duty = 0.2"),
        Breakage("", "test.toml: fan.safe_duty: missing", "safe_duty = 1", ""),
        Breakage("", "test.toml: fan.frequency_hz: 0.0 is outside the allowed 1.0…1000000.0", "frequency_hz = 25000", "frequency_hz = 0"),
        Breakage("", "test.toml: output[0].safe: missing (one of \"active\", \"inactive\")", "safe = \"active\"", ""),
        Breakage("", "test.toml: board.backend: \"pi\" is not one of \"linux\", \"sim\"", "backend = \"linux\"", "backend = \"pi\""),
        // Cross-references and chip-specific keys.
        Breakage("[asic]\nport = \"/dev/ttyAMA0\"\nreset_output = \"rst\"\n", "test.toml: asic.reset_output: \"rst\" is not the name of any [[output]]"),
        Breakage("[asic]\nport = \"ttyAMA0\"\n", "test.toml: asic.port: \"ttyAMA0\" is not a device node"),
        Breakage("[asic]\nport = \"/dev/ttyS0\"\nbaud = 460800\n", "test.toml: asic.baud: the chips' UART runs at 115200 or 1000000, not 460800"),
        Breakage("[asic]\nport = \"/dev/ttyS0\"\nchip = \"bm1397\"\n", "test.toml: asic.chip: \"bm1397\" is not a chip this build drives (bm1366, bm1368, bm1370)"),
        Breakage("[asic]\nport = \"/dev/ttyS0\"\nidle_watts = 3\n", "test.toml: asic.full_load_watts"),
        Breakage(
            "[asic]\nport = \"/dev/ttyS0\"\nidle_watts = 3\nfull_load_watts = 15\nmax_mhz = 485\n[asic.core]\nchip = \"ds4432u\"\nvolts = 2.2\nfeedback_volts = 0.6\nupper_ohms = 4750\nlower_ohms = 3320\nfull_scale_ohms = 80000\n",
            "test.toml: asic.core.volts: 2.2 V is outside what the DAC can set with this network (0.989–1.928 V)"),
        Breakage(
            "[asic]\nport = \"/dev/ttyS0\"\nidle_watts = 3\nfull_load_watts = 15\nmax_mhz = 485\n[asic.core]\nchip = \"ds4432u\"\naddress = 0x48\nvolts = 1.2\nfeedback_volts = 0.6\nupper_ohms = 4750\nlower_ohms = 3320\nfull_scale_ohms = 80000\n",
            "test.toml: asic.core.address: 0x48 is already used by sensor[0] (\"room\")"),
        Breakage("[asic]\nport = \"/dev/ttyS0\"\nidle_watts = 3\nfull_load_watts = 15\nmax_mhz = 485\nticket_difficulty = 300\n", "test.toml: asic.ticket_difficulty: 300.0 is not a power of two"),
        Breakage("[asic]\nport = \"/dev/ttyS0\"\nidle_watts = 3\nfull_load_watts = 15\nmax_mhz = 485\nmin_mhz = 500\n", "test.toml: asic.min_mhz: 500.0 MHz is above max_mhz (485.0 MHz)"),
        Breakage("[power_meter]\nchip = \"ina219\"\naddress = 0x41\n", "test.toml: power_meter.shunt_ohms: missing"),
        Breakage("[power_meter]\nchip = \"ina260\"\naddress = 0x41\nshunt_ohms = 0.002\n", "test.toml: power_meter.shunt_ohms: the INA260's shunt is built in"),
        Breakage("[cpu]\nidle_watts = 5\nfull_load_watts = 4\n", "test.toml: cpu.full_load_watts: 4.0 W must be above idle_watts (5.0 W)"),
        Breakage("", "test.toml: sensor[0].chip: tmp102 is an I²C chip, but the board has no [i2c] bus", "[i2c]\nbus = 1", ""),
        Breakage("", "test.toml: board: missing: every board file starts with a [board] table", "[board]\nname = \"test\"\nbackend = \"linux\"", ""),
        // The model-based plausibility check.
        Breakage("[plausibility]\nheat_sink_rise_full_fan = 15\nheat_sink_rise_still = 160\n", "test.toml: plausibility.heat_sink_settle_seconds: missing (give all three of heat_sink_rise_full_fan, heat_sink_rise_still and heat_sink_settle_seconds, or none)"),
        Breakage("[plausibility]\nheat_sink_rise_full_fan = 15\nheat_sink_rise_still = 12\nheat_sink_settle_seconds = 65\n", "test.toml: plausibility.heat_sink_rise_still: 12.0 K must be above heat_sink_rise_full_fan (15.0 K): a fan carries heat away"),
        Breakage("[plausibility]\nresidual_kelvin = 0.1\n", "test.toml: plausibility.residual_kelvin: 0.1 is outside the allowed 0.5…20.0"),
        Breakage("[plausibility]\nflat_room_seconds = 10\n", "test.toml: plausibility.flat_room_seconds: 10.0 is outside the allowed 60.0…3600.0"),
        Breakage("[plausibility]\nresidual = 2\n", "test.toml: plausibility.residual: unknown key"),
    ])
    func aBrokenBoardIsRefusedWithFileKeyAndReason(_ breakage: Breakage) {
        var text = Self.valid
        if !breakage.replace.isEmpty {
            // Replace the last occurrence, so that a replacement aimed at sensor[1] misses sensor[0].
            let range = text.range(of: breakage.replace, options: .backwards)!
            text.replaceSubrange(range, with: breakage.with)
        }
        text += "\n" + breakage.appended
        let message = error(text)
        #expect(message?.hasPrefix(breakage.expected) == true, "got: \(message ?? "no error")")
    }

    /// One way to break the valid board: text to append, or a replacement, and the error expected.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var appended: String
        var expected: String
        var replace = ""
        var with = ""
        init(_ appended: String, _ expected: String, _ replace: String = "", _ with: String = "") {
            (self.appended, self.expected, self.replace, self.with) = (appended, expected, replace, with)
        }
        var testDescription: String { expected }
    }

    @Test func adsChannelsShareTheirChipsAddressButNotAChannel() {
        let ntc = { (name: String, channel: Int) in
            "[[sensor]]\nname = \"\(name)\"\nrole = \"chip\"\nchip = \"ads1115-ntc\"\naddress = 0x4A\nchannel = \(channel)\nseries_ohms = 10000\nnominal_ohms = 10000\nbeta = 3950\n"
        }
        #expect(error(Self.valid + "\n" + ntc("a", 0) + ntc("b", 1)) == nil)
        #expect(error(Self.valid + "\n" + ntc("a", 0) + ntc("b", 0))?.hasPrefix(
            "test.toml: sensor[3].channel: channel 0 of the ADS1115 at 0x4A is already used by sensor[2] (\"a\")") == true)
    }

    @Test func anEMC2101FanIsAlsoATemperatureSensorButOwnsItsAddress() throws {
        let emcFan = TestBoards.emc2101
        let board = try BoardProfile.parse(emcFan, file: "emc.toml")
        #expect(board.fan?.drive == .emc2101)
        #expect(error(emcFan.replacingOccurrences(of: "chip = \"emc2101\"\naddress = 0x4C", with: "chip = \"lm75\"\naddress = 0x4C"))?
            .hasPrefix("test.toml: sensor[0].address: 0x4C is already used by fan (\"emc2101\")") == true)
        #expect(error(emcFan + "\npwm_chip = 0")?.hasPrefix("test.toml: sensor[0].pwm_chip: unknown key") == true)
        #expect(error(emcFan.replacingOccurrences(of: "safe_duty = 1", with: "safe_duty = 1\npwm_chip = 0"))?
            .hasPrefix("test.toml: fan.pwm_chip: unknown key (allowed here: controller, safe_duty)") == true)
    }

    @Test func brokenTOMLSaysWhere() {
        let message = error("[board]\nname = \"x\nbackend = \"sim\"\n")
        #expect(message?.hasPrefix("test.toml: not valid TOML at line 2") == true, "got: \(message ?? "no error")")
    }

    @Test func aMissingFileIsNamed() {
        #expect {
            try BoardProfile.load(file: "/nonexistent/board.toml")
        } throws: { error in
            (error as? ConfigError)?.description == "/nonexistent/board.toml: cannot be read: No such file or directory"
        }
    }
}
