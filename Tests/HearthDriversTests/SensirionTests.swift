import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct SensirionFormatTests {
    /// The datasheet's CRC example (0xBEEF → 0x92) and others computed from its definition.
    @Test(arguments: [(0xBEEF, 0x92), (0x0000, 0x81), (0x6666, 0x93), (0x8000, 0xA2), (0xFFFF, 0xAC)] as [(UInt16, UInt8)])
    func crc(word: UInt16, crc: UInt8) {
        #expect(Sensirion.crc8([UInt8(word >> 8), UInt8(word & 0xFF)]) == crc)
    }

    @Test func conversions() {
        #expect(abs(Sensirion.celsius(0x6666) - 25) < 0.001)
        #expect(abs(Sensirion.celsius(0x8000) - 42.501) < 0.001)
        #expect(Sensirion.celsius(0x0000) == -45)
        #expect(Sensirion.celsius(0xFFFF) == 130)
        #expect(abs(SHT3x.humidity(0x6666) - 40) < 0.001)
        #expect(abs(SHT4x.humidity(0x6666) - 44) < 0.001)
        #expect(SHT4x.humidity(0x0000) == 0, "clamped from −6 %")
        #expect(SHT4x.humidity(0xFFFF) == 100, "clamped from 119 %")
    }
}

@Suite struct SHT3xTests {
    let address = SHT3x.address(addrPinHigh: false)

    @Test func scripted() throws {
        let bus = MockI2CBus([
            .write(address, [0x23, 0x34]),
            .write(address, [0xE0, 0x00]), .read(address, [0x66, 0x66, 0x93, 0x66, 0x66, 0x93]),
            .write(address, [0xE0, 0x00]), .read(address, [0, 0, 0, 0, 0, 0]).failing(.nackAddress),
            .write(address, [0xE0, 0x00]), .read(address, [0x66, 0x66, 0x94, 0x66, 0x66, 0x93]),
        ])
        let sensor = SHT3x(bus: bus)
        #expect(throws: HALError.self) { try sensor.readTemperature() }
        try sensor.start()
        let reading = try sensor.readMeasurement()
        #expect(abs(reading.temperature.value - 25) < 0.001 && abs(reading.humidity.value - 40) < 0.001)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        #expect {
            try sensor.readTemperature()
        } throws: { error in
            (error as? HALError)?.kind == .badData && (error as? HALError)?.detail.contains("CRC mismatch on word 0") == true
        }
        #expect(bus.verify().isEmpty)
    }

    @Test func againstItsTwin() throws {
        let bus = SimI2CBus()
        let twin = SHT3xTwin(temperature: Celsius(21.5))
        twin.humidity = RelativeHumidity(55)
        bus.attach(twin, at: address)
        let sensor = SHT3x(bus: bus)
        try sensor.start()
        #expect(twin.isPeriodic)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        twin.elapse(.milliseconds(250))
        let reading = try sensor.readMeasurement()
        #expect(abs(reading.temperature.value - 21.5) < 0.01)
        #expect(abs(reading.humidity.value - 55) < 0.01)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        twin.corruptCRC = true
        twin.elapse(.milliseconds(250))
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .badData }
    }
}

@Suite struct SHT4xTests {
    @Test func scriptedSerialAndMeasurement() throws {
        let address = I2CAddress(0x44)!
        let bus = MockI2CBus([
            .writeRead(address, [0x89], [0x12, 0x34, 0x37, 0x56, 0x78, 0x7D]),
            .write(address, [0xFD]),
            .read(address, [0x66, 0x66, 0x93, 0x66, 0x66, 0x93]),
            .write(address, [0xFD]),
        ])
        let sensor = SHT4x(bus: bus)
        #expect(try sensor.serialNumber() == 0x1234_5678)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        #expect(abs(try sensor.readTemperature().value - 25) < 0.001)
        #expect(bus.verify().isEmpty)
    }

    @Test func againstItsTwin() throws {
        let bus = SimI2CBus()
        let twin = SHT4xTwin(temperature: Celsius(-8.25))
        bus.attach(twin, at: I2CAddress(0x45)!)
        let sensor = SHT4x(bus: bus, variant: .b)
        #expect(try sensor.serialNumber() == twin.serial)
        try sensor.start()
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        twin.elapse(.milliseconds(5))
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        twin.elapse(.milliseconds(10))
        #expect(abs(try sensor.readTemperature().value + 8.25) < 0.01)
        twin.elapse(.milliseconds(10))
        twin.temperature = Celsius(30)
        #expect(abs(try sensor.readTemperature().value - 30) < 0.01, "each read collects the last and starts the next")
        twin.fault = SensorFault(absent: true)
        // The read cannot tell "converting" from "gone"; the fresh start on the next call can.
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .nackAddress }
    }
}
