import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct ADS1115Tests {
    @Test func configurationWords() {
        #expect(ADS1115.configuration(channel: 0, range: .volts4_096, rate: .sps128) == 0xC383)
        #expect(ADS1115.configuration(channel: 3, range: .volts4_096, rate: .sps128) == 0xF383)
        #expect(ADS1115.configuration(channel: 0, range: .volts2_048, rate: .sps128) == 0xC583)
        #expect(ADS1115.configuration(channel: 0, range: .volts6_144, rate: .sps860) == 0xC1E3)
    }

    @Test func resultScaling() {
        #expect(ADS1115.volts(0x4000, range: .volts2_048) == 1.024)
        #expect(ADS1115.volts(0x7FFF, range: .volts4_096) == 4.095875)
        #expect(ADS1115.volts(0xFFFF, range: .volts4_096) == -0.000125)
        #expect(ADS1115.address(.scl).rawValue == 0x4B)
    }

    @Test func scriptedSingleShotWithPolling() throws {
        let address = ADS1115.address(.ground)
        let bus = MockI2CBus([
            .write(address, [0x01, 0xD3, 0xE3]),
            .writeRead(address, [0x01], [0x53, 0xE3]),
            .writeRead(address, [0x01], [0xD3, 0xE3]),
            .writeRead(address, [0x00], [0x40, 0x00]),
        ])
        let adc = ADS1115(bus: bus, address: address)
        #expect(try adc.readVolts(channel: 1) == Volts(2.048))
        #expect(bus.verify().isEmpty)
        #expect { try adc.readVolts(channel: 4) } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }

    @Test func aConversionThatNeverFinishesIsATimeout() {
        let bus = SimI2CBus()
        let twin = ADS1115Twin(pollsPerConversion: 1000)
        bus.attach(twin, at: ADS1115.address(.ground))
        #expect {
            try ADS1115(bus: bus, maxPolls: 10).readVolts(channel: 0)
        } throws: { ($0 as? HALError)?.kind == .timeout && ($0 as? HALError)?.register == 0x01 }
    }
}

@Suite struct NTCThermistorTests {
    let beta = NTCThermistor.Model.beta(nominalOhms: 10_000, nominalCelsius: 25, beta: 3950)

    @Test func betaModel() {
        #expect(abs(beta.celsius(ohms: 10_000) - 25) < 1e-9)
        #expect(abs(beta.celsius(ohms: 3588.18) - 50) < 0.001)
        #expect(abs(beta.celsius(ohms: 33_620.6) - 0) < 0.001)
    }

    @Test func steinhartHartModel() {
        // The usual coefficients for a 10 kΩ thermistor.
        let model = NTCThermistor.Model.steinhartHart(a: 1.009249522e-3, b: 2.378405444e-4, c: 2.019202697e-7)
        #expect(abs(model.celsius(ohms: 10_000) - 24.6813) < 0.001)
    }

    @Test func divider() {
        #expect(NTCThermistor.resistance(volts: 1.65, supply: 3.3, seriesOhms: 10_000) == 10_000)
        #expect(NTCThermistor.resistance(volts: 3.3, supply: 3.3, seriesOhms: 10_000) == nil, "open thermistor")
        #expect(NTCThermistor.resistance(volts: 0, supply: 3.3, seriesOhms: 10_000) == nil, "shorted thermistor")
    }

    @Test func againstTheTwinOnTheSimulatedWorld() throws {
        let world = SimWorld(model: ThermalModel(start: Celsius(21.3)))
        let thermistor = SimThermistor(seriesOhms: 10_000, curve: .beta(nominalOhms: 10_000, nominalCelsius: 25, beta: 3950))
        let twin = world.addThermistor(thermistor, adc: I2CAddress(0x49)!, channel: 2, measuring: .air)
        let adc = ADS1115(bus: world.bus, address: I2CAddress(0x49)!)
        let sensor = NTCThermistor(
            name: "intake", adc: adc, channel: 2, seriesOhms: 10_000, supply: Volts(3.3), model: beta)
        #expect(abs(try sensor.readTemperature().value - 21.3) < 0.01)

        twin.setInput(2, Volts(3.3))
        #expect {
            try sensor.readTemperature()
        } throws: { ($0 as? HALError)?.kind == .outOfRange && ($0 as? HALError)?.detail.contains("open or shorted") == true }
        twin.absent = true
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .nackAddress }
    }
}
