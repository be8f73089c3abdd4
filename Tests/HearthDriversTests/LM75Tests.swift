import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct LM75Tests {
    /// LM75B datasheet table: 11-bit values, 0.125 °C a count, left-justified by 5.
    @Test(arguments: [
        (0x7D00, 125), (0x1900, 25), (0x0020, 0.125), (0x0000, 0), (0xFFE0, -0.125), (0xE700, -25),
        (0xC920, -54.875), (0xC900, -55),
    ] as [(UInt16, Double)])
    func elevenBit(register: UInt16, celsius: Double) {
        #expect(LM75B.celsius(fromRegister: register) == celsius)
        #expect(LM75B.register(fromCelsius: celsius) == register)
    }

    /// The original LM75: 9 bits, 0.5 °C; the low 7 bits are ignored.
    @Test(arguments: [(0x7D00, 125), (0x3280, 50.5), (0x0080, 0.5), (0xFF80, -0.5), (0xE700, -25), (0xC900, -55)] as [(UInt16, Double)])
    func nineBit(register: UInt16, celsius: Double) {
        #expect(LM75.celsius(fromRegister: register) == celsius)
        #expect(LM75.celsius(fromRegister: register | 0x7F) == celsius)
        #expect(LM75.register(fromCelsius: celsius) == register)
    }

    @Test func addressFromStraps() {
        #expect(LM75B.address(straps: 5)?.rawValue == 0x4D)
        #expect(LM75B.address(straps: 8) == nil)
    }

    @Test func scriptedWithAnInjectedFault() throws {
        let address = LM75B.address(straps: 0)!
        let bus = MockI2CBus([
            .write(address, [0x01, 0x00]).failing(.arbitrationLost),
            .write(address, [0x01, 0x00]),
            .writeRead(address, [0x00], [0x19, 0x20]),
            .writeRead(address, [0x00], [0x00, 0x00]).failing(.nackData),
        ])
        let sensor = LM75B(bus: bus)
        #expect(throws: HALError.self) { try sensor.setShutdown(false) }
        #expect(sensor.cachedConfiguration == nil)
        try sensor.setShutdown(false)
        #expect(sensor.cachedConfiguration == 0)
        #expect(try sensor.readTemperature() == Celsius(25.125))
        #expect {
            try sensor.readTemperature()
        } throws: { ($0 as? HALError)?.kind == .nackData && ($0 as? HALError)?.register == 0x00 }
        #expect(bus.verify().isEmpty)
    }

    @Test func againstItsTwins() throws {
        let bus = SimI2CBus()
        let eleven = LM75Twin(temperature: Celsius(23.46), bits: 11)
        let nine = LM75Twin(temperature: Celsius(23.46), bits: 9)
        bus.attach(eleven, at: I2CAddress(0x48)!)
        bus.attach(nine, at: I2CAddress(0x49)!)
        let precise = LM75B(bus: bus, address: I2CAddress(0x48)!)
        let coarse = LM75(bus: bus, address: I2CAddress(0x49)!)
        #expect(try precise.readTemperature() == Celsius(23.5))
        eleven.temperature = Celsius(23.4)
        #expect(try precise.readTemperature() == Celsius(23.375))
        #expect(try coarse.readTemperature() == Celsius(23.5))
        nine.temperature = Celsius(-10.3)
        #expect(try coarse.readTemperature() == Celsius(-10.5))
        // Shut down, the chip holds its last conversion.
        try precise.setShutdown(true)
        #expect(eleven.configuration == 1)
        eleven.temperature = Celsius(40)
        #expect(try precise.readTemperature() == Celsius(23.375))
    }
}
