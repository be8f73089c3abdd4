import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct MCP9808ConversionTests {
    /// The datasheet's format: flags in bits 15–13, sign in bit 12, 1/16 °C below.
    @Test(arguments: [
        (0x0190, 25), (0xC190, 25), (0x07D0, 125), (0x0001, 0.0625), (0x0000, 0), (0x1FF0, -1), (0x1E70, -25),
        (0x1D80, -40),
    ] as [(UInt16, Double)])
    func conversion(register: UInt16, celsius: Double) {
        #expect(MCP9808.celsius(fromRegister: register) == celsius)
        #expect(MCP9808.register(fromCelsius: celsius) == register & 0x1FFF)
    }

    @Test func addressesFromTheStraps() {
        #expect(MCP9808.address(straps: 0)?.rawValue == 0x18)
        #expect(MCP9808.address(straps: 7)?.rawValue == 0x1F)
        #expect(MCP9808.address(straps: 8) == nil)
    }
}

@Suite struct MCP9808Tests {
    let address = MCP9808.address(straps: 0)!

    @Test func aWrongChipAtTheAddressIsFoundAtStart() {
        let bus = MockI2CBus([.writeRead(address, [0x06], [0x00, 0x55]), .writeRead(address, [0x07], [0x04, 0x00])])
        #expect {
            try MCP9808(bus: bus).verifyIdentity()
        } throws: { error in
            (error as? HALError)?.kind == .badData && (error as? HALError)?.detail.contains("not an MCP9808") == true
        }
    }

    @Test func resolutionIsCachedOnlyAfterTheWriteSucceeded() throws {
        let bus = MockI2CBus([.write(address, [0x08, 0x00]).failing(.timeout), .write(address, [0x08, 0x00])])
        let sensor = MCP9808(bus: bus)
        #expect(throws: HALError.self) { try sensor.setResolution(.half) }
        #expect(sensor.cachedResolution == nil)
        try sensor.setResolution(.half)
        #expect(sensor.cachedResolution == .half)
    }

    @Test func againstItsTwin() throws {
        let bus = SimI2CBus()
        let twin = MCP9808Twin(temperature: Celsius(21.3))
        bus.attach(twin, at: address)
        let sensor = MCP9808(bus: bus, address: address)
        try sensor.verifyIdentity()
        #expect(try sensor.readTemperature() == Celsius(21.3125))
        try sensor.setResolution(.half)
        #expect(twin.resolution == 0)
        #expect(try sensor.readTemperature() == Celsius(21.5))
        twin.temperature = Celsius(-7.3)
        #expect(try sensor.readTemperature() == Celsius(-7.5))
        twin.temperature = Celsius(21.2)
        #expect(try sensor.readTemperature() == Celsius(21))
        twin.temperature = Celsius(130)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }
}
