import HearthHAL

/// Why the supervisor stopped the heater.
public enum SafetyFault: Hashable, Sendable, CustomStringConvertible {
    /// A sensor (by name) failed to read for `lostAfterTicks` ticks in a row; the last error's kind.
    case sensorLost(String, HALError.Kind)
    /// A sensor read a value outside its role's plausible range, or not a number.
    case implausible(String, Celsius)
    /// A sensor's value changed faster than its role's believable rate.
    case jump(String, from: Celsius, to: Celsius)
    /// A sensor's raw value did not move where the heat would have moved it, or froze.
    case stuck(String, Celsius)
    /// The heat sink (by name, at the value) does not sit above the room as its power demands.
    case runaway(String, Celsius)
    /// The room sensor (by name) disagrees with the heater's thermal model: the heat sink named
    /// `against`, with the measured power and the fan, puts the room `residual` away from where
    /// the room sensor reads it (negative: the sensor reads low), beyond the board's bound for
    /// longer than its time. Either sensor may be the one that lies; both stop compute.
    case sensorDisagreesWithModel(String, residual: Celsius, against: String)
    /// A sensor (by name, at the value) reached its role's dangerous limit.
    case overTemperature(String, Celsius)
    /// The fan was driven and spun up, yet its tach showed it not turning.
    case fanStalled
    /// The fan's speed could not be read while it was driven; the error's kind.
    case fanUnreadable(HALError.Kind)
    /// The fan's duty could not be written for `lostAfterTicks` ticks in a row; the last error's
    /// kind. Its speed is whatever it last took.
    case fanUndriveable(HALError.Kind)
    /// The supply drew this much with compute allowed no power, above the board's idle limit for
    /// `loadOffAfterTicks` ticks in a row: the load does not turn off when told.
    case loadWillNotTurnOff(Watts)
    /// A control tick ran this long, past its deadline: a bus or driver hung inside it. The runtime
    /// sees this from another thread and latches it through `SafetySupervisor.latch(_:at:)`.
    case tickOverrun(Duration)
    /// A fault that was latched when the heater last stopped, as it was said then: a restart
    /// does not clear a fault.
    case restored(String)

    /// What makes two faults the same fault, whatever the values they carry: one latch each.
    public var key: String {
        switch self {
        case .sensorLost(let name, _): "lost:\(name)"
        case .implausible(let name, _): "implausible:\(name)"
        case .jump(let name, _, _): "jump:\(name)"
        case .stuck(let name, _): "stuck:\(name)"
        case .runaway(let name, _): "runaway:\(name)"
        case .sensorDisagreesWithModel(let name, _, _): "model:\(name)"
        case .overTemperature(let name, _): "over:\(name)"
        case .fanStalled: "fan-stalled"
        case .fanUnreadable: "fan-unreadable"
        case .fanUndriveable: "fan-undriveable"
        case .loadWillNotTurnOff: "load-on"
        case .tickOverrun: "tick-overrun"
        case .restored(let text): "restored:\(text)"
        }
    }

    /// The fault in words, for the log and the status API.
    public var description: String {
        switch self {
        case .sensorLost(let name, let kind): "sensor \(name) lost (\(kind))"
        case .implausible(let name, let value): "sensor \(name) reads an implausible \(value)"
        case .jump(let name, let from, let to): "sensor \(name) jumped from \(from) to \(to)"
        case .stuck(let name, let value): "sensor \(name) stuck at \(value): no change where the heat would have moved it"
        case .runaway(let name, let value): "thermal runaway: \(name) at \(value) does not warm with the power (off its mount?)"
        case .overTemperature(let name, let value): "\(name) at \(value): over its dangerous limit"
        case .sensorDisagreesWithModel(let name, let residual, let against):
            "sensor disagrees with the model: \(name) reads \(abs(residual.value).rounded(toPlaces: 1)) °C "
                + (residual.value < 0 ? "below" : "above")
                + " the room that \(against) and the measured power imply (or \(against) reads "
                + (residual.value < 0 ? "high" : "low") + ")"
        case .fanStalled: "fan stalled: driven but not turning"
        case .fanUnreadable(let kind): "fan speed unreadable (\(kind))"
        case .fanUndriveable(let kind): "fan cannot be driven (\(kind)): it runs at whatever duty it last took"
        case .loadWillNotTurnOff(let power): "the load draws \(power) with compute off: its supply does not turn off"
        case .tickOverrun(let ran):
            "a control tick ran \((ran.seconds * 1000).rounded() / 1000) s, over its deadline: a bus or driver hung"
        case .restored(let text): text
        }
    }
}

/// What the supervisor reports happening, for the log.
public enum SafetyEvent: Hashable, Sendable, CustomStringConvertible {
    /// A fault latched at that time on the loop's timeline: compute off until a person clears it.
    case latched(SafetyFault, at: Duration)
    /// Doubts began (why, in words): compute off, fans full while they last, nothing latched.
    case doubt(String)
    /// The heat sink got hot (why, in words): reduced power and full fans.
    case throttled(String)
    /// The heat sink cooled: reduced power for a while.
    case resumedReduced
    /// The reduced spell ended: full power again.
    case resumedFull
    /// A person cleared these faults.
    case cleared([SafetyFault])

    /// The event in words, for the log.
    public var description: String {
        switch self {
        case .latched(let fault, let at): "FAULT latched at \(at): \(fault); compute off, fans full until cleared"
        case .doubt(let why): "doubt: \(why); compute off, fans full this tick"
        case .throttled(let why): "throttled: \(why)"
        case .resumedReduced: "cooled: resuming at reduced power"
        case .resumedFull: "resuming full power"
        case .cleared(let faults): "faults cleared by a person: \(faults.map(\.description).joined(separator: "; "))"
        }
    }
}
