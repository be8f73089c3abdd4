import HearthHAL

/// The numbers of a lumped RC model of a heated room: four thermal capacities joined by
/// conductances, with the outdoor air as the ambient.
///
/// ```
///  compute power ─► chip ──G_cb── heater body ──G_ba(fan)── room air ──G_ae── envelope ──G_eo── outdoor
///                                                              └───────G_ao (+ window)──────────┘
/// ```
/// The defaults are a 20 m² room (50 m³ of air, with furniture) with an ordinary insulated
/// outside wall and window, and a 400 W heater; `heater1200W` is the larger heater.
public struct ThermalParameters: Hashable, Sendable, Codable {
    /// The hash chip die and package, J/K.
    public var chipCapacity = 20.0
    /// Heat sink and heater body, J/K (about 2 kg of aluminium).
    public var bodyCapacity = 1_800.0
    /// Room air and the furniture that follows it, J/K.
    public var airCapacity = 150_000.0
    /// Walls, floor and ceiling, J/K.
    public var envelopeCapacity = 3_000_000.0

    /// Chip to heat sink, W/K (the chips share one heat sink: 10 K between them at 400 W).
    public var chipToBody = 40.0
    /// Heat sink to room air with the fan stopped (natural convection), W/K.
    public var bodyToAirStill = 3.0
    /// Heat sink to room air added at full fan speed, W/K; in between it grows with the speed.
    public var bodyToAirFan = 25.0
    /// Room air to the inner surfaces, W/K.
    public var airToEnvelope = 250.0
    /// Envelope to outdoors (wall and window U·A), W/K.
    public var envelopeToOutdoor = 20.0
    /// Room air to outdoors by infiltration, W/K.
    public var airToOutdoor = 8.0
    /// Added to `airToOutdoor` while the window is open, W/K.
    public var openWindow = 60.0

    /// The fan's airflow at full speed, m³/s (for the exhaust temperature).
    public var fanAirflow = 0.03
    /// Airflow through the heater by natural draft with the fan stopped, m³/s.
    public var draftAirflow = 0.002
    /// Share of sunshine that warms the air directly; the rest warms the envelope.
    public var sunToAir = 0.3

    /// The heater's rated power, W: what the hash board draws at full power.
    public var ratedPower = 400.0

    public init() {}

    /// The 1200 W heater: a larger hash board and heat sink, in the same room.
    public static var heater1200W: ThermalParameters {
        var parameters = ThermalParameters()
        parameters.ratedPower = 1_200
        parameters.chipCapacity = 50
        parameters.bodyCapacity = 5_000
        parameters.chipToBody = 120
        parameters.bodyToAirStill = 6
        parameters.bodyToAirFan = 70
        parameters.fanAirflow = 0.08
        return parameters
    }
}

/// What acts on the room from outside the heater.
public struct Disturbances: Hashable, Sendable, Codable {
    /// The outdoor air temperature.
    public var outdoor = Celsius(5)
    /// Whether a window is open.
    public var windowOpen = false
    /// Sunshine through the window, W.
    public var sun = Watts(0)
    /// Another heat source in the room (people, a cooker, another heater), W.
    public var otherHeat = Watts(0)

    public init() {}
}

/// The lumped RC model, integrated with explicit Euler at a fixed step.
///
/// It keeps its own energy account (heat put in, heat lost outdoors, heat stored), so a test can
/// check the balance, and every temperature it reports is that of a node at the current time.
public struct ThermalModel: Sendable {
    public var parameters: ThermalParameters
    public var disturbances: Disturbances

    /// Node temperatures.
    public private(set) var chip: Celsius
    public private(set) var body: Celsius
    public private(set) var air: Celsius
    public private(set) var envelope: Celsius

    /// Heat put into the room by compute, sun and other sources since the start, J.
    public private(set) var heatIn = Joules(0)
    /// Heat lost outdoors since the start, J.
    public private(set) var heatLost = Joules(0)
    /// Simulated time since the start.
    public private(set) var elapsed = Duration.zero

    /// Heat carried from the heat sink into the room air at the last step, W.
    public private(set) var bodyToAirFlow = Watts(0)
    /// The fan's speed at the last step, 0…1.
    public private(set) var fanSpeed = 0.0

    private let initial: (chip: Double, body: Double, air: Double, envelope: Double)

    /// A room at `start` everywhere, its envelope at `envelope` (default: the same).
    public init(
        parameters: ThermalParameters = ThermalParameters(), disturbances: Disturbances = Disturbances(),
        start: Celsius = Celsius(18), envelope: Celsius? = nil
    ) {
        self.parameters = parameters
        self.disturbances = disturbances
        chip = start
        body = start
        air = start
        self.envelope = envelope ?? start
        initial = (start.value, start.value, start.value, (envelope ?? start).value)
    }

    /// Heat stored in the four capacities relative to the start, J.
    public var heatStored: Joules {
        let p = parameters
        return Joules(
            p.chipCapacity * (chip.value - initial.chip) + p.bodyCapacity * (body.value - initial.body)
                + p.airCapacity * (air.value - initial.air) + p.envelopeCapacity * (envelope.value - initial.envelope))
    }

    /// The air leaving the heater: room air warmed by what the heat sink gives it.
    public var exhaust: Celsius {
        let airflow = parameters.draftAirflow + parameters.fanAirflow * fanSpeed
        // Air: 1.2 kg/m³ × 1005 J/(kg·K).
        return air + Celsius(bodyToAirFlow.value / (1206 * airflow))
    }

    /// Advances the model by `duration` in steps of at most `step`, with the heater drawing
    /// `power` and the fan turning at `fanSpeed` (0…1 of full speed).
    public mutating func advance(by duration: Duration, power: Watts, fanSpeed: Double, step: Duration = .milliseconds(100)) {
        let total = duration.seconds
        let maximum = step.seconds
        guard total > 0, maximum > 0 else { return }
        let steps = max(Int((total / maximum).rounded(.up)), 1)
        let dt = total / Double(steps)
        let power = max(power.value, 0)
        let fanSpeed = min(max(fanSpeed, 0), 1)
        for _ in 0..<steps {
            self.step(dt: dt, power: power, fanSpeed: fanSpeed)
        }
        elapsed += duration
    }

    private mutating func step(dt: Double, power: Double, fanSpeed: Double) {
        let p = parameters
        let d = disturbances
        let outdoor = d.outdoor.value
        let chipToBody = p.chipToBody * (chip.value - body.value)
        let bodyToAir = (p.bodyToAirStill + p.bodyToAirFan * fanSpeed) * (body.value - air.value)
        let airToEnvelope = p.airToEnvelope * (air.value - envelope.value)
        let envelopeToOutdoor = p.envelopeToOutdoor * (envelope.value - outdoor)
        let airToOutdoor = (p.airToOutdoor + (d.windowOpen ? p.openWindow : 0)) * (air.value - outdoor)
        let sun = max(d.sun.value, 0)
        let other = max(d.otherHeat.value, 0)

        chip.value += (power - chipToBody) / p.chipCapacity * dt
        body.value += (chipToBody - bodyToAir) / p.bodyCapacity * dt
        air.value += (bodyToAir + other + sun * p.sunToAir - airToEnvelope - airToOutdoor) / p.airCapacity * dt
        envelope.value += (airToEnvelope + sun * (1 - p.sunToAir) - envelopeToOutdoor) / p.envelopeCapacity * dt

        heatIn.value += (power + sun + other) * dt
        heatLost.value += (envelopeToOutdoor + airToOutdoor) * dt
        bodyToAirFlow = Watts(bodyToAir)
        self.fanSpeed = fanSpeed
    }
}
