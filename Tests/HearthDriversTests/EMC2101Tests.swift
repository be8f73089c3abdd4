import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct EMC2101Tests {
    let address = EMC2101.address

    @Test func conversions() {
        #expect(EMC2101.celsius(high: 0x19, low: 0x60) == 25.375)
        #expect(EMC2101.celsius(high: 0xF6, low: 0x80) == -9.5)
        #expect(EMC2101.rpm(count: 2700) == 2000)
        #expect(EMC2101.rpm(count: 5400) == 1000)
        #expect(EMC2101.rpm(count: 0xFFFF) == 0, "no tach edge: stopped")
        // Duty = setting / (2·PWM_F): the datasheet's PWM_F = 0x1F table has 0x20 → 51.6 %.
        #expect(EMC2101.setting(for: DutyCycle(0.516), pwmF: 0x1F) == 0x20)
        #expect(EMC2101.setting(for: .full, pwmF: 8) == 16)
        #expect(EMC2101.setting(for: DutyCycle(0.5), pwmF: 8) == 8)
        #expect(EMC2101.setting(for: .full, pwmF: 31) == 62)
        #expect(EMC2101(bus: MockI2CBus(), pwmF: 8).frequency == Hertz(22_500))
    }

    @Test func scripted() throws {
        let bus = MockI2CBus([
            .writeRead(address, [0xFD], [0x16]), .writeRead(address, [0xFE], [0x5C]),
            .write(address, [0x03, 0x04]), .write(address, [0x4A, 0x20]), .write(address, [0x4D, 0x08]).failing(.nackData),
            .write(address, [0x03, 0x04]), .write(address, [0x4A, 0x20]), .write(address, [0x4D, 0x08]),
            .write(address, [0x4C, 0x0C]),
            .writeRead(address, [0x01], [0x7F]), .writeRead(address, [0x10], [0x00]),
            .writeRead(address, [0x46], [0x8C]), .writeRead(address, [0x47], [0x0A]),
        ])
        let fan = EMC2101(bus: bus)
        #expect { try fan.verifyIdentity() } throws: { ($0 as? HALError)?.kind == .badData }
        #expect { try fan.setDuty(.full) } throws: { ($0 as? HALError)?.kind == .notSupported }
        #expect(throws: HALError.self) { try fan.configure() }
        #expect(!fan.isConfigured)
        try fan.configure()
        try fan.setDuty(DutyCycle(0.75))
        #expect {
            try fan.readTemperature()
        } throws: { ($0 as? HALError)?.kind == .badData && ($0 as? HALError)?.detail == "remote diode open" }
        #expect(try fan.speed() == RPM(2000))
        #expect(bus.verify().isEmpty)
    }

    @Test func drivesAndMeasuresASimulatedFan() throws {
        let bus = SimI2CBus()
        let simFan = SimFan()
        let twin = EMC2101Twin(temperature: Celsius(41.3), fan: simFan)
        bus.attach(twin, at: address)
        let controller = EMC2101(bus: bus)
        try controller.verifyIdentity()
        try controller.configure()
        try controller.setDuty(DutyCycle(0.5))
        #expect(simFan.setting?.duty == DutyCycle(0.5))
        #expect(simFan.setting?.period == Hertz(22_500).period)
        for _ in 0..<100 { simFan.advance(by: .milliseconds(100)) }
        let speed = try #require(try controller.speed())
        #expect(abs(speed.value - 1500) < 5, "measured \(speed)")
        #expect(try controller.readTemperature() == Celsius(41.25))
        twin.internalTemperature = Celsius(33.7)
        #expect(try controller.readInternalTemperature() == Celsius(33))
        twin.diode = .shorted
        #expect { try controller.readTemperature() } throws: { ($0 as? HALError)?.detail == "remote diode shorted" }
        simFan.fault = SimFan.Fault(stalled: true)
        for _ in 0..<100 { simFan.advance(by: .milliseconds(100)) }
        #expect(try controller.speed() == RPM(0))
    }
}
