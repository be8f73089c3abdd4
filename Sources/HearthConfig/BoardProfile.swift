import HearthControl
import HearthDrivers
import HearthHAL
import HearthMining

/// What a board is made of and how it is wired: the sensors and their roles, the fan, the power
/// meter, the ASIC port, and every output with the state it must be in whenever the heater is not
/// deliberately driving it. Read from a TOML file in `Board/` by `BoardProfile.load(file:)`.
public struct BoardProfile: Hashable, Sendable {
    /// Which world the devices live in.
    public enum Backend: String, Hashable, Sendable, CaseIterable {
        /// Real hardware through the Linux kernel: i2c-dev, the GPIO character device, sysfs.
        case linux
        /// The simulated heater: the same drivers, against register-level twins on a thermal model.
        case sim
    }

    /// The board's short name, e.g. `raspberry-pi-4b`.
    public var name: String
    /// A line for people.
    public var description: String
    public var backend: Backend
    /// The I²C bus number (`/dev/i2c-N` on Linux); `nil` when no I²C device is fitted.
    public var i2cBus: Int?
    public var sensors: [Sensor]
    public var fan: Fan?
    public var powerMeter: PowerMeter?
    public var asic: ASICPort?
    /// What the board's processor draws, for when it is the heating element (no ASIC fitted).
    public var cpuPower: CPUPower?
    /// Plain GPIO outputs (enables, resets), each with its safe state.
    public var outputs: [Output]
    /// The kernel watchdog the daemon feeds by default on this board (`[board] watchdog`, e.g.
    /// `/dev/watchdog` on a Pi); `nil`: none unless the configuration names one.
    public var watchdog: String?
    /// The model-based plausibility check's figures and bounds (`[plausibility]`); `nil` when the
    /// file has no such table: the heat-sink observer has no basis and stays silent, and the
    /// flat-room rule is off.
    public var plausibility: Plausibility?
}

extension BoardProfile {
    /// A GPIO line on a chip.
    public struct Line: Hashable, Sendable, CustomStringConvertible {
        public var chip: GPIOChipSelector
        public var line: GPIOLineSelector
        public var description: String { "\(chip) line \(line)" }

        /// A line of a chip.
        public init(chip: GPIOChipSelector, line: GPIOLineSelector) {
            self.chip = chip
            self.line = line
        }
    }

    /// I²C temperature chips Hearth has drivers for.
    public enum TemperatureChip: String, Hashable, Sendable, CaseIterable {
        case tmp102, lm75, lm75b, mcp9808, sht3x, sht4x, ads1115Ntc = "ads1115-ntc", emc2101
    }

    /// Where a sensor's readings come from.
    public enum SensorSource: Hashable, Sendable {
        /// A chip on the board's I²C bus.
        case i2c(TemperatureChip, I2CAddress)
        /// An NTC thermistor in a divider, read by an ADS1115 channel.
        case ntc(I2CAddress, NTC)
        /// A kernel thermal zone, by type (`cpu-thermal`) or name (`thermal_zone0`).
        case thermalZone(String)
        /// A kernel hwmon channel: the device's `name` and the N of `tempN_input`.
        case hwmon(chip: String, input: Int)
    }

    /// An NTC thermistor and its divider: the thermistor from the ADC input to ground, a fixed
    /// resistor from the supply to the input.
    public struct NTC: Hashable, Sendable {
        /// The ADS1115 input, 0…3.
        public var channel: Int
        /// The fixed resistor, ohms.
        public var seriesOhms: Double
        /// The thermistor's resistance at `nominalCelsius`, ohms.
        public var nominalOhms: Double
        public var nominalCelsius: Double
        /// The B constant, kelvin (used unless Steinhart–Hart coefficients are given).
        public var beta: Double?
        /// Steinhart–Hart coefficients A, B, C, when the thermistor's datasheet gives them.
        public var steinhartHart: [Double]?
        /// The divider's supply, volts.
        public var supplyVolts: Double
    }

    public struct Sensor: Hashable, Sendable {
        /// Unique on the board; what status and logs call it.
        public var name: String
        public var role: SensorRole
        public var source: SensorSource

        /// A sensor as a board file names it.
        public init(name: String, role: SensorRole, source: SensorSource) {
            self.name = name
            self.role = role
            self.source = source
        }
    }

    /// The fan and what drives it.
    public struct Fan: Hashable, Sendable {
        public enum Drive: Hashable, Sendable {
            /// A PWM channel (`pwmchipN`), optionally with a tachometer on a GPIO line.
            /// `overlay` is the `config.txt` line that creates the PWM chip, named when it is missing.
            case pwm(chip: Int, channel: Int, frequency: Hertz, overlay: String?, tach: Tach?)
            /// An EMC2101 fan controller on the I²C bus (at 0x4C), with its own tach input.
            case emc2101
        }
        public var drive: Drive
        /// The duty the fan is driven at whenever Hearth is not controlling it: start-up, faults, exit.
        public var safeDuty: DutyCycle

        /// The tachometer line of a PWM-driven fan.
        public var tach: Tach? {
            if case .pwm(_, _, _, _, let tach) = drive { tach } else { nil }
        }
    }

    public struct Tach: Hashable, Sendable {
        public var line: Line
        public var pulsesPerRevolution: Int
        /// Whether the line needs the internal pull-up (open-collector tach outputs do).
        public var pullUp: Bool
    }

    /// I²C power meters Hearth has drivers for.
    public enum PowerMeterChip: String, Hashable, Sendable, CaseIterable {
        case ina219, ina260
    }

    public struct PowerMeter: Hashable, Sendable {
        public var chip: PowerMeterChip
        public var address: I2CAddress
        /// The shunt resistor (INA219 only; the INA260's is built in), ohms.
        public var shuntOhms: Double?
        /// The most the supply may draw with compute off (`idle_limit_watts`): more than this for a
        /// few ticks at a zero target latches "the load will not turn off". `nil`: not checked.
        public var idleLimit: Watts?
    }

    /// The hash board: a chain of BM1366/BM1368/BM1370 chips on a serial port, the lines that
    /// power and reset it, and what it draws.
    public struct ASICPort: Hashable, Sendable {
        /// The serial device, e.g. `/dev/ttyAMA0`.
        public var port: String
        /// The speed the chain runs at once it answers (it always wakes at 115 200).
        public var baud: Int
        /// The output that holds the chain in reset; must also be listed in `outputs`.
        public var resetOutput: String?
        /// The output that enables the chips' core regulator; must also be listed in `outputs`.
        public var powerOutput: String?
        public var model: BM13xx.Model
        /// How many chips the board has.
        public var chips: Int
        /// Its draw, idle and at its highest clock, and the clock range.
        public var power: ASICPowerModel
        /// The chips keep nonces below this difficulty to themselves: a power of two.
        public var ticketDifficulty: Double
        /// What sets the core voltage, where the board can set it.
        public var core: CoreVoltage?
    }

    /// The DS4432U current DAC that trims the hash board's core regulator, and the voltage to set.
    public struct CoreVoltage: Hashable, Sendable {
        /// The I²C bus it is on; `nil`: the board's.
        public var bus: Int?
        public var address: I2CAddress
        /// Its output (0 or 1) wired to the regulator's feedback node.
        public var output: Int
        public var volts: Volts
        public var network: DS4432U.Network
    }

    /// What `[plausibility]` says: the heater's heat-sink figures the safety supervisor's observer
    /// runs on, and the bounds it and the flat-room rule judge by.
    public struct Plausibility: Hashable, Sendable {
        /// The heat sink's figures (`heat_sink_rise_full_fan`, `heat_sink_rise_still`,
        /// `heat_sink_settle_seconds`); `nil`: not given, no observer.
        public var heatSink: HeatSinkModel?
        /// The residual bound, K (`residual_kelvin`, default 2).
        public var residual: Double
        /// How long a residual must stay past the bound to latch (`residual_seconds`, default 60 s).
        public var residualFor: Duration
        /// A room reading unchanged this long at full power is stuck (`flat_room_seconds`); `nil`: off.
        public var flatRoomAfter: Duration?

        /// The check's settings; by default no heat-sink figures, the default bounds, no flat-room rule.
        public init(
            heatSink: HeatSinkModel? = nil, residual: Double = SafetyLimits().modelResidual,
            residualFor: Duration = SafetyLimits().modelResidualFor, flatRoomAfter: Duration? = nil
        ) {
            self.heatSink = heatSink
            self.residual = residual
            self.residualFor = residualFor
            self.flatRoomAfter = flatRoomAfter
        }

        /// `limits` with these settings in them.
        public func applied(to limits: SafetyLimits) -> SafetyLimits {
            var limits = limits
            limits.heatSinkModel = heatSink
            limits.modelResidual = residual
            limits.modelResidualFor = residualFor
            limits.flatWhileHeatedAfter = flatRoomAfter
            return limits
        }
    }

    public struct CPUPower: Hashable, Sendable {
        public var idle: Watts
        public var fullLoad: Watts
    }

    /// A GPIO output and the state it is requested with and returned to.
    public struct Output: Hashable, Sendable {
        public var name: String
        public var line: Line
        public var activeLow: Bool
        /// The logical state that is safe: compute off, fans on.
        public var safeActive: Bool

        /// An output as a board file names it.
        public init(name: String, line: Line, activeLow: Bool, safeActive: Bool) {
            self.name = name
            self.line = line
            self.activeLow = activeLow
            self.safeActive = safeActive
        }
    }
}
