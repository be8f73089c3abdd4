import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct INA260Tests {
    @Test func conversions() {
        let reading = INA260.reading(current: 0x0320, voltage: 0x2580, power: 0x0258)
        #expect(abs(reading.current.value - 1.0) < 1e-12)
        #expect(abs(reading.voltage.value - 12.0) < 1e-12)
        #expect(abs(reading.power.value - 6.0) < 1e-12)
        #expect(INA260.reading(current: 0xFFFF, voltage: 0, power: 0).current == Amperes(-0.001_25))
        #expect(INA260.configuration(averaging: .one) == 0x6127, "the power-on value")
        #expect(INA260.configuration(averaging: .sixteen) == 0x6527)
    }

    @Test func addressesFromTheStraps() {
        #expect(INAStrap.address(a1: .ground, a0: .ground).rawValue == 0x40)
        #expect(INAStrap.address(a1: .ground, a0: .scl).rawValue == 0x43)
        #expect(INAStrap.address(a1: .scl, a0: .scl).rawValue == 0x4F)
    }

    @Test func aWrongChipIsRefusedAndTheConfigurationIsCachedAfterItsWrite() throws {
        let address = I2CAddress(0x40)!
        let bus = MockI2CBus([
            .writeRead(address, [0xFE], [0x54, 0x49]), .writeRead(address, [0xFF], [0x22, 0x60]),
            .write(address, [0x00, 0x65, 0x27]).failing(.nackData),
        ])
        let meter = INA260(bus: bus)
        #expect { try meter.verifyIdentity() } throws: { ($0 as? HALError)?.kind == .badData }
        #expect(throws: HALError.self) { try meter.configure() }
        #expect(meter.cachedConfiguration == nil)
        #expect(bus.verify().isEmpty)
    }

    @Test func againstItsTwin() throws {
        let bus = SimI2CBus()
        let twin = INA260Twin()
        bus.attach(twin, at: I2CAddress(0x40)!)
        let meter = INA260(bus: bus)
        try meter.verifyIdentity()
        try meter.configure()
        #expect(twin.register(0x00) == 0x6527)
        twin.set(voltage: Volts(48), current: Amperes(8.3))
        let reading = try meter.readPower()
        #expect(abs(reading.voltage.value - 48) < 0.001_25)
        #expect(abs(reading.current.value - 8.3) < 0.001_25)
        #expect(abs(reading.power.value - 398.4) < 0.01)
        twin.absent = true
        #expect { try meter.readPower() } throws: { ($0 as? HALError)?.kind == .nackAddress }
    }
}

@Suite struct INA219Tests {
    /// The datasheet's worked example: 2 mΩ, 1 mA a count, 10 A at 12 V.
    @Test func datasheetExample() throws {
        let scaling = try #require(INA219.Scaling(shuntOhms: 0.002, maxCurrent: Amperes(32.768)))
        #expect(scaling.currentLSB == 0.001)
        #expect(scaling.calibration == 0x5000)
        let reading = INA219.reading(bus: 0x5D98, power: 0x1766, current: 0x2710, scaling: scaling)
        #expect(abs(reading.voltage.value - 11.98) < 1e-9)
        #expect(abs(reading.current.value - 10) < 1e-9)
        #expect(abs(reading.power.value - 119.8) < 1e-9)
        #expect(abs(INA219.shuntVolts(0x07D0) - 0.02) < 1e-12)
    }

    @Test func adafruitsCalibration() throws {
        let scaling = try #require(INA219.Scaling(shuntOhms: 0.1, maxCurrent: Amperes(3.2768)))
        #expect(scaling.calibration == 4096)
        #expect(INA219.Scaling(shuntOhms: 0.000_001, maxCurrent: Amperes(0.001)) == nil, "calibration beyond 16 bits")
    }

    @Test func scriptedWritesAndAFailedRead() throws {
        let address = I2CAddress(0x40)!
        let bus = MockI2CBus([
            .write(address, [0x00, 0x39, 0x9F]), .write(address, [0x05, 0x50, 0x00]).failing(.arbitrationLost),
            .write(address, [0x00, 0x39, 0x9F]), .write(address, [0x05, 0x50, 0x00]),
            .writeRead(address, [0x05], [0x50, 0x00]), .writeRead(address, [0x02], [0x5D, 0x98]),
            .writeRead(address, [0x03], [0x17, 0x66]), .writeRead(address, [0x04], [0x27, 0x10]),
            .writeRead(address, [0x05], [0, 0]).failing(.nackAddress),
        ])
        let meter = try INA219(bus: bus, shuntOhms: 0.002, maxCurrent: Amperes(32.768))
        #expect(throws: HALError.self) { try meter.configure() }
        #expect(!meter.isConfigured, "configured only once both writes succeeded")
        try meter.configure()
        let reading = try meter.readPower()
        #expect(abs(reading.power.value - 119.8) < 1e-9)
        #expect {
            try meter.readPower()
        } throws: { ($0 as? HALError)?.kind == .nackAddress && ($0 as? HALError)?.register == 0x05 }
        #expect(bus.verify().isEmpty)
    }

    @Test func againstItsTwin() throws {
        let bus = SimI2CBus()
        let twin = INA219Twin(shuntOhms: 0.002)
        bus.attach(twin, at: I2CAddress(0x41)!)
        let meter = try INA219(bus: bus, address: I2CAddress(0x41)!, shuntOhms: 0.002, maxCurrent: Amperes(32.768))
        try meter.configure()
        #expect(twin.register(0x05) == 0x5000)
        twin.set(voltage: Volts(12), current: Amperes(10))
        let reading = try meter.readPower()
        #expect(abs(reading.voltage.value - 12) < 0.004)
        #expect(abs(reading.current.value - 10) < 0.001)
        #expect(abs(reading.power.value - 120) < 0.1)

        twin.reset()
        #expect {
            try meter.readPower()
        } throws: { ($0 as? HALError)?.kind == .badData && ($0 as? HALError)?.register == 0x05 }
        #expect(twin.register(0x05) == 0x5000, "calibration restored")
        #expect(abs(try meter.readPower().current.value - 10) < 0.001)

        twin.set(voltage: Volts(12), current: Amperes(200))
        #expect { try meter.readPower() } throws: { ($0 as? HALError)?.kind == .outOfRange }
    }
}
