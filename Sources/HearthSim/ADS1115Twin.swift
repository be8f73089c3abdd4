import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A register-level ADS1115: writing the configuration with OS set starts a single-shot
/// conversion of the selected input, which reads as busy (OS 0) for `pollsPerConversion`
/// configuration reads and then holds its result in the conversion register.
public final class ADS1115Twin: SimI2CDevice, @unchecked Sendable {
    private struct State {
        var inputs: [Volts] = Array(repeating: Volts(0), count: 4)
        var pointer: UInt8 = 0
        var configuration: UInt16 = 0x8583
        var conversion: UInt16 = 0
        var busyPolls = 0
        var outgoing: [UInt8] = []
        var absent = false
    }
    private let state = Mutex(State())
    /// How many configuration reads a conversion stays busy for.
    public let pollsPerConversion: Int

    public init(pollsPerConversion: Int = 1) {
        self.pollsPerConversion = pollsPerConversion
    }

    /// The voltage on an input, set by the world.
    public func setInput(_ channel: Int, _ volts: Volts) {
        state.withLock { $0.inputs[channel] = volts }
    }

    public var absent: Bool {
        get { state.withLock { $0.absent } }
        set { state.withLock { $0.absent = newValue } }
    }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        let polls = pollsPerConversion
        try state.withLock { (state: inout State) throws(HALError) in
            if state.absent { throw HALError(.nackAddress, "ADS1115 no longer answers (injected)") }
            guard let pointer = bytes.first else { return }
            guard pointer <= 3 else { throw HALError(.nackData, "ADS1115 has no register \(pointer)") }
            state.pointer = pointer
            state.outgoing = []
            guard pointer == 1, bytes.count >= 3 else { return }
            let value = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            state.configuration = value & 0x7FFF
            guard value & 0x8000 != 0 else { return }
            // Start a single-shot conversion.
            let mux = Int(value >> 12 & 0b111)
            let fullScale = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256][Int(value >> 9 & 0b111)]
            let volts = mux >= 4 ? state.inputs[mux - 4].value : 0
            let code = min(max((volts / fullScale * 32768).rounded(), -32768), 32767)
            state.conversion = UInt16(bitPattern: Int16(code))
            state.busyPolls = polls
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(HALError) -> [UInt8] in
            if state.absent { throw HALError(.nackAddress, "ADS1115 no longer answers (injected)") }
            var bytes: [UInt8] = []
            while bytes.count < count {
                if state.outgoing.isEmpty {
                    let value: UInt16
                    switch state.pointer {
                    case 0: value = state.conversion
                    case 1:
                        let idle: UInt16 = state.busyPolls > 0 ? 0 : 0x8000
                        if state.busyPolls > 0 { state.busyPolls -= 1 }
                        value = state.configuration | idle
                    case 2: value = 0x8000
                    default: value = 0x7FFF
                    }
                    state.outgoing = [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
                bytes.append(state.outgoing.removeFirst())
            }
            return bytes
        }
    }
}

/// A thermistor for the world to put on an ADS1115 twin's input: its curve and the divider.
public struct SimThermistor: Hashable, Sendable {
    /// The thermistor's resistance–temperature curve.
    public enum Curve: Hashable, Sendable {
        /// R(T) = R₀·exp(B·(1/T − 1/T₀)).
        case beta(nominalOhms: Double, nominalCelsius: Double, beta: Double)
        /// 1/T = A + B·ln R + C·(ln R)³, solved for R.
        case steinhartHart(a: Double, b: Double, c: Double)
    }

    public var seriesOhms: Double
    public var curve: Curve
    public var supply: Volts

    public init(seriesOhms: Double, curve: Curve, supply: Volts = Volts(3.3)) {
        self.seriesOhms = seriesOhms
        self.curve = curve
        self.supply = supply
    }

    /// The thermistor's resistance at a temperature.
    public func ohms(at temperature: Celsius) -> Double {
        let kelvin = temperature.value + 273.15
        switch curve {
        case .beta(let nominalOhms, let nominalCelsius, let beta):
            return nominalOhms * exp(beta * (1 / kelvin - 1 / (nominalCelsius + 273.15)))
        case .steinhartHart(let a, let b, let c):
            // Newton's method on y = ln R: f(y) = c·y³ + b·y + a − 1/T, from a 10 kΩ start.
            var y = log(10_000.0)
            for _ in 0..<50 {
                let f = c * y * y * y + b * y + a - 1 / kelvin
                let slope = 3 * c * y * y + b
                let step = f / slope
                y -= step
                if abs(step) < 1e-12 { break }
            }
            return exp(y)
        }
    }

    /// The divider's output at a temperature.
    public func volts(at temperature: Celsius) -> Volts {
        let ohms = ohms(at: temperature)
        return Volts(supply.value * ohms / (ohms + seriesOhms))
    }
}
