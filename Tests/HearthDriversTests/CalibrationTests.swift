import HearthHAL
import HearthHALTesting
import Testing

@testable import HearthDrivers

@Suite struct CalibrationTests {
    @Test func linear() {
        let calibration = Calibration.linear(gain: 1.02, offset: Celsius(-0.5))
        #expect(calibration.apply(Celsius(20)) == Celsius(19.9))
        #expect(Calibration.identity.apply(Celsius(21.3)) == Celsius(21.3))
    }

    @Test func tableInterpolatesAndExtrapolatesFromItsEnds() throws {
        let points = [(10.0, 10.4), (30.0, 30.0), (60.0, 59.1)].map {
            Calibration.Point(raw: Celsius($0.0), reference: Celsius($0.1))
        }
        let table = try #require(Calibration.table(checking: points))
        #expect(table.apply(Celsius(10)) == Celsius(10.4))
        #expect(abs(table.apply(Celsius(20)).value - 20.2) < 1e-9)
        #expect(abs(table.apply(Celsius(45)).value - 44.55) < 1e-9)
        #expect(abs(table.apply(Celsius(0)).value - 0.6) < 1e-9, "below the table: the first segment's line")
        #expect(abs(table.apply(Celsius(70)).value - 68.8) < 1e-9, "above the table: the last segment's line")
    }

    @Test func aTableMustRiseAndHaveTwoPoints() {
        let p = { (raw: Double, reference: Double) in Calibration.Point(raw: Celsius(raw), reference: Celsius(reference)) }
        #expect(Calibration.table(checking: [p(10, 10)]) == nil)
        #expect(Calibration.table(checking: [p(10, 10), p(10, 11)]) == nil)
        #expect(Calibration.table(checking: [p(20, 20), p(10, 10)]) == nil)
    }

    @Test func theRawReadingStaysReadable() throws {
        let address = I2CAddress(0x48)!
        let bus = MockI2CBus([.writeRead(address, [0x00], [0x19, 0x00]), .writeRead(address, [0x00], [0x19, 0x00])])
        let sensor = CalibratedSensor(TMP102(bus: bus, name: "room"), calibration: .linear(gain: 1, offset: Celsius(-0.75)))
        #expect(sensor.name == "room")
        #expect(try sensor.readTemperature() == Celsius(24.25))
        #expect(try sensor.readUncalibrated() == Celsius(25))
    }

    @Test func errorsPassThroughUncorrected() {
        let address = I2CAddress(0x48)!
        let bus = MockI2CBus([.writeRead(address, [0x00], [0, 0]).failing(.nackAddress)])
        let sensor = CalibratedSensor(TMP102(bus: bus), calibration: .linear(gain: 1, offset: Celsius(1)))
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .nackAddress }
    }
}
