import HearthHAL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An NTC thermistor in a divider read by an ADS1115 input: the supply through a fixed resistor
/// to the input, the thermistor from the input to ground.
///
/// An input at or beyond the rails is an open or shorted thermistor, which is `outOfRange`, never
/// a temperature; so is a temperature outside −40…125 °C.
public struct NTCThermistor: TemperatureSensor {
    /// How resistance maps to temperature.
    public enum Model: Hashable, Sendable {
        /// `1/T = 1/T₀ + ln(R/R₀)/B`, T in kelvin.
        case beta(nominalOhms: Double, nominalCelsius: Double, beta: Double)
        /// `1/T = A + B·ln R + C·(ln R)³`, T in kelvin.
        case steinhartHart(a: Double, b: Double, c: Double)

        /// The temperature for a resistance.
        public func celsius(ohms: Double) -> Double {
            let kelvin: Double
            switch self {
            case .beta(let nominalOhms, let nominalCelsius, let beta):
                kelvin = 1 / (1 / (nominalCelsius + 273.15) + log(ohms / nominalOhms) / beta)
            case .steinhartHart(let a, let b, let c):
                let l = log(ohms)
                kelvin = 1 / (a + b * l + c * l * l * l)
            }
            return kelvin - 273.15
        }
    }

    public static let range: ClosedRange<Double> = -40...125

    public let name: String
    public let adc: ADS1115
    public let channel: Int
    public let seriesOhms: Double
    public let supply: Volts
    public let model: Model

    public init(name: String, adc: ADS1115, channel: Int, seriesOhms: Double, supply: Volts, model: Model) {
        self.name = name
        self.adc = adc
        self.channel = channel
        self.seriesOhms = seriesOhms
        self.supply = supply
        self.model = model
    }

    /// The thermistor's resistance for the divider's output; `nil` at or beyond the rails.
    static func resistance(volts: Double, supply: Double, seriesOhms: Double) -> Double? {
        guard volts > 0, volts < supply else { return nil }
        return seriesOhms * volts / (supply - volts)
    }

    public func readTemperature() throws(HALError) -> Celsius {
        let volts = try adc.readVolts(channel: channel, range: supply.value > 4.096 ? .volts6_144 : .volts4_096)
        guard let ohms = Self.resistance(volts: volts.value, supply: supply.value, seriesOhms: seriesOhms) else {
            throw HALError(
                .outOfRange, "input \(channel) at \(volts) of \(supply): thermistor open or shorted", device: adc.bus.name,
                address: adc.address)
        }
        let celsius = model.celsius(ohms: ohms)
        guard celsius.isFinite, Self.range.contains(celsius) else {
            throw HALError(
                .outOfRange, "\(Int(ohms)) Ω is \(celsius) °C, outside \(Self.range.lowerBound)…\(Self.range.upperBound) °C",
                device: adc.bus.name, address: adc.address)
        }
        return Celsius(celsius)
    }
}
