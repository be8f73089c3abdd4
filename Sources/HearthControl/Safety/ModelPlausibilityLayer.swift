#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HearthHAL

/// Safety layer: model-based plausibility. The heater's own node of the room's thermal model —
/// its heat sink, heated by the measured power and cooled into the room air through a
/// conductance the fan sets (`HeatSinkModel`) — runs as an observer on the room reading, the
/// measured power and the fan drive, and predicts the heat sink. The heat sink reading must
/// follow it: one that sits more than `modelResidual` off it for `modelResidualFor` latches
/// `sensorDisagreesWithModel`, naming the room sensor, the heat sink it was judged against and the
/// residual (how far the room reads from the room the heat sink and power imply).
///
/// Why this relation and not a prediction of the room itself: the room's parameters (its walls,
/// its windows, the weather, the sun, the people in it) are what a heater never knows, and a
/// window that opens is not a fault. The heat sink's relation to the air around it is the
/// heater's own, the same in any room: with power P flowing and the fan at a given speed, the
/// heat sink settles P/G(fan) above the room, whatever the room does. A room sensor that drifts
/// downwards moves the observer down with it while the heat sink stays where the real room and
/// the power hold it; one that drifts upwards, once the thermostat has stopped heating, ends up
/// above a heat sink that nothing cools below the room air.
///
/// Conservative by construction:
/// - **No basis, no verdict.** Without the board's `HeatSinkModel`, a room reading, a heat sink
///   reading, a measured power (no meter, or a failed read) or a rated power, the observer does
///   not guess: it judges nothing that tick and starts afresh from the heat sink reading when the
///   basis returns (what it learned of the heater stays).
/// - **The scale is learned, the shape is the board's.** The board's figures need only be right
///   in shape: the observer learns one scale of the heat sink's conductance and capacity together
///   (so its time constants stay the board's) from steady heating, quickly at first and then
///   slowly (at most `learnSlowest`); once it judges, only from a residual that holds still well
///   inside the bound (a drifting sensor moves it, and is not learned away).
///   Until it has learned for `modelLearnFor`, the heat's part of its prediction is not trusted:
///   only a residual bigger than the whole heat rise counts (with no power, the prediction needs
///   no scale and is judged from the first tick).
/// - **What is not known widens the bound.** Where the measured and the allowed power disagree,
///   the heat is only known to lie between them; the bound widens by what that gap could have put
///   on the heat sink, carried through the heat sink's own lag; past half the bound it judges
///   nothing (a meter at the top of its range is no basis).
/// - **Transients widen the bound.** A model that times a transient a little wrongly is off by a
///   share of how far it is from its own steady state; the bound grows by `modelTransientShare`
///   of that distance, so a cold start or a setpoint step is never a fault.
///
/// Pure value logic: time comes in with each check.
public struct ModelPlausibilityLayer: Sendable {
    /// The limits; this layer uses `heatSinkModel`, `modelResidual`, `modelResidualFor`,
    /// `modelTransientShare` and `modelLearnFor`.
    public var limits: SafetyLimits
    /// The observer's heat sink temperature at the last check, °C; `nil` while it has no basis.
    public private(set) var predicted: Double?
    /// The learned scale of the heater's conductance and capacity over the board's figures.
    public private(set) var scale = 1.0
    /// How long the observer has learned the scale over (steady heating only).
    public private(set) var learned = Duration.zero
    /// The last residual, the heat sink reading less the observer's, K (`nil`: not judged), and
    /// the bound it was judged against.
    public private(set) var lastJudged: (residual: Double, bound: Double)?

    /// The scale is kept within this factor of the board's figures: a heater further off than
    /// that is not the one the board describes, and the observer trusts nothing it learned.
    public static let scaleRange = 0.25...4.0
    /// The slowest the scale follows a steady residual, once learned: slow enough that a sensor
    /// drifting by degrees an hour is not learned away before it is caught.
    public static let learnSlowest = Duration.seconds(1800)
    /// The least steady heat rise (K) the scale is learned from: below it, the reading's noise
    /// is too large a share.
    public static let learnRise = 5.0

    /// The most a block's measured energy may differ from the allowed energy, as a share of it,
    /// for the block to teach the scale: beyond it the heat input is not known well enough.
    public static let learnGap = 0.03
    /// The most a block's mean residual may move from the last block's, K, for it to teach the
    /// scale once the observer judges (a sensor drifting by 20 °C/h moves it by about 0.3 K).
    public static let learnResidualStep = 0.1
    /// The length of one block of the heat sink's energy balance the scale is learned from.
    public static let learnBlock = Duration.seconds(60)

    private var lastTime: Duration?
    private var overSince: Duration?
    /// The most the gap between the measured and the allowed power can have moved the prediction, K.
    private var doubt = 0.0
    /// The supply's draw the last time compute was allowed nothing, W: the heater's own.
    public private(set) var idleDraw = 0.0
    /// The heat sink's energy balance over the block under way: the energy measured in, J; what
    /// the board's conductance carried to the room, J; the observer's rise integrated, K·s; the
    /// largest residual, K.
    private struct Block {
        var start: Duration
        var sinkAtStart: Double
        var energyIn = 0.0
        var conducted = 0.0
        var riseTime = 0.0
        var worst = 0.0
        var gap = 0.0
        var residualTime = 0.0
    }
    private var block: Block?
    /// The mean residual of the last block that was measured, K.
    private var lastBlockResidual: Double?

    /// A layer that has seen nothing yet, judging by `limits`.
    public init(limits: SafetyLimits = SafetyLimits()) {
        self.limits = limits
    }

    /// Judges one tick: the room (the sensor `ResolvedTemperatures` picks, as believed), the
    /// hottest heat sink, the supply power the meter measured this tick (`nil`: no meter or a
    /// failed read), the power compute was allowed since the last tick, how fast the fan turned
    /// since the last tick, 0…1 of full speed (`HeatSinkModel.fanSpeed`; `nil`: no fan, taken as
    /// stopped) and the heater's rated power. Values that are
    /// not numbers count as no basis. The heat input is the measured power less the heater's own
    /// draw (what the supply drew the last time compute was allowed nothing); where it and the
    /// allowed power disagree (a supply's own draw, a meter at the top of its range, a load that
    /// does not follow its target) the heat is only known to lie between them, and the bound
    /// widens by what that gap could put on the heat sink (`doubt`).
    public mutating func check(
        room: (name: String, value: Celsius)?, heatSink: (name: String, value: Celsius)?, measuredPower: Watts?,
        allowedPower: Watts, fan: Double?, ratedPower: Watts, at time: Duration
    ) -> SafetyVerdict {
        guard let model = limits.heatSinkModel, let room, let heatSink, let measured = measuredPower,
            room.value.value.isFinite, heatSink.value.value.isFinite, measured.value.isFinite,
            allowedPower.value.isFinite, ratedPower.value.isFinite, ratedPower > .zero
        else {
            forget()
            return .allClear
        }
        // The supply's draw with compute allowed nothing is the heater's own (its board, its
        // fan): it does not reach the heat sink, so it is taken off the measured power.
        if allowedPower <= .zero { idleDraw = max(measured.value, 0) }
        let power = max(measured.value - idleDraw, 0)
        let roomValue = room.value.value, sink = heatSink.value.value
        let conductance = scale * model.conductance(fan: fan ?? 0, ratedPower: ratedPower)
        let capacity = scale * model.capacity(ratedPower: ratedPower)
        let rise = power / conductance
        let steady = roomValue + rise
        let gap = abs(power - max(allowedPower.value, 0))

        guard let previous = predicted, let last = lastTime, time > last, conductance > 0, capacity > 0 else {
            // The observer starts from the heat sink as it reads: nothing to judge yet.
            predicted = sink
            doubt = 0
            lastTime = time
            overSince = nil
            lastJudged = nil
            return .allClear
        }
        let dt = (time - last).seconds
        lastTime = time
        // The heat sink's node over the step, exactly (first order, inputs held over the step).
        let decay = exp(-dt / (capacity / conductance))
        let next = steady + (previous - steady) * decay
        predicted = next
        // The most the gap between measured and allowed power can have put on the prediction:
        // it passes through the same node, so it rises and fades as the heat sink does.
        doubt = gap / conductance + (doubt - gap / conductance) * decay
        let residual = sink - next
        let transient = abs(steady - next)

        let trusted = learned >= limits.modelLearnFor
        learn(
            power: power, gap: gap, conducted: model.conductance(fan: fan ?? 0, ratedPower: ratedPower) * (sink - roomValue),
            sink: sink, rise: rise, residual: residual, trusted: trusted, dt: dt, at: time,
            capacity: model.capacity(ratedPower: ratedPower))

        // A heat input known no better than half the bound is no basis to judge by (the gap's
        // error and the doubt grow together, so their ratio would creep up to the bound).
        // Meanwhile the observer follows the heat sink as it reads, so that it starts from the
        // truth, not from hours of a wrong heat input, once the input is known again (seen: a
        // 1200 W heater's meter at the top of its range all day, then the evening's setback).
        guard doubt <= limits.modelResidual / 2 else {
            predicted = sink
            overSince = nil
            lastJudged = nil
            return .allClear
        }
        var bound = limits.modelResidual + limits.modelTransientShare * transient + doubt
        if !trusted { bound += rise }
        lastJudged = (residual, bound)
        guard abs(residual) > bound else {
            overSince = nil
            return .allClear
        }
        let since = overSince ?? time
        overSince = since
        guard time - since >= limits.modelResidualFor else { return .allClear }
        // The heat sink puts the room `residual` higher than the room sensor reads.
        return SafetyVerdict(faults: [.sensorDisagreesWithModel(room.name, residual: Celsius(-residual), against: heatSink.name)])
    }

    /// Learns the scale from the heat sink's energy balance over a block of `learnBlock`: the
    /// energy the meter measured went into warming the heat sink and through its conductance into
    /// the room, so their ratio to what the board's figures say they took is the scale. It holds
    /// through transients (a cold start teaches as well as a steady hold) and needs no derivative
    /// of a noisy reading. A block counts only with enough heat to be well measured (a mean rise
    /// of `learnRise`) and, once the observer judges, only with a residual inside half the bound that
    /// has not moved since the last block (`learnResidualStep`).
    private mutating func learn(
        power: Double, gap: Double, conducted: Double, sink: Double, rise: Double, residual: Double, trusted: Bool, dt: Double,
        at time: Duration, capacity: Double
    ) {
        var block = self.block ?? Block(start: time - .seconds(dt), sinkAtStart: sink)
        block.energyIn += power * dt
        block.gap += gap * dt
        block.conducted += conducted * dt
        block.riseTime += rise * dt
        block.worst = max(block.worst, abs(residual))
        block.residualTime += residual * dt
        let length = (time - block.start).seconds
        guard length >= Self.learnBlock.seconds else {
            self.block = block
            return
        }
        self.block = Block(start: time, sinkAtStart: sink)
        let meanResidual = block.residualTime / length
        defer { lastBlockResidual = meanResidual }
        let taken = capacity * (sink - block.sinkAtStart) + block.conducted
        // Once judging, a residual that moves from one block to the next is a sensor on the move,
        // not a scale to learn: only a steady residual well inside the bound teaches.
        let steadyResidual = lastBlockResidual.map { abs(meanResidual - $0) <= Self.learnResidualStep } ?? false
        guard block.riseTime / length >= Self.learnRise, taken > 0, block.gap <= Self.learnGap * block.energyIn,
            !trusted || (block.worst <= limits.modelResidual / 2 && steadyResidual)
        else { return }
        let observed = block.energyIn / taken
        let pace = min(max(learned.seconds, Self.learnBlock.seconds), Self.learnSlowest.seconds)
        let weight = min(length / pace, 1)
        let logScale = log(scale) + weight * (log(observed) - log(scale))
        scale = min(max(exp(logScale), Self.scaleRange.lowerBound), Self.scaleRange.upperBound)
        learned += .seconds(length)
    }

    /// No basis this tick: the observer starts afresh when it returns (what it learned stays).
    private mutating func forget() {
        block = nil
        lastBlockResidual = nil
        predicted = nil
        lastTime = nil
        overSince = nil
        lastJudged = nil
    }

    /// A person cleared the faults: the observer starts afresh from the next reading; the scale
    /// it learned of the heater stays (the heater did not change).
    public mutating func reset() { forget() }
}
