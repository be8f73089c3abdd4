import HearthHAL
import HearthHALTesting
import HearthSim
import Testing

@testable import HearthDrivers

@Suite struct TMP102ConversionTests {
    /// The datasheet's table of 12-bit temperature data (register value left-justified by 4).
    @Test(arguments: [
        (0x7FF0, 127.9375), (0x6400, 100), (0x5000, 80), (0x4B00, 75), (0x3200, 50), (0x1900, 25),
        (0x0040, 0.25), (0x0000, 0), (0xFFC0, -0.25), (0xE700, -25), (0xC900, -55),
    ] as [(UInt16, Double)])
    func twelveBit(register: UInt16, celsius: Double) {
        #expect(TMP102.celsius(fromRegister: register) == celsius)
        #expect(TMP102.register(fromCelsius: celsius, extended: false) == register)
    }

    /// Extended mode: 13 bits left-justified by 3, with bit 0 set to say so.
    @Test(arguments: [
        (0x4B01, 150), (0x4001, 128), (0x3201, 100), (0x0001, 0), (0xFFF9, -0.0625), (0xE481, -55),
    ] as [(UInt16, Double)])
    func thirteenBit(register: UInt16, celsius: Double) {
        #expect(TMP102.celsius(fromRegister: register) == celsius)
        #expect(TMP102.register(fromCelsius: celsius, extended: true) == register)
    }

    @Test func addressesFromTheADD0Strap() {
        #expect(TMP102.Strap.allCases.map { TMP102.address($0).rawValue } == [0x48, 0x49, 0x4A, 0x4B])
    }
}

@Suite struct TMP102ScriptedTests {
    let address = TMP102.address(.ground)

    @Test func readsTheTemperatureRegister() throws {
        let bus = MockI2CBus([.writeRead(address, [0x00], [0x19, 0x00]), .writeRead(address, [0x00], [0xE7, 0x00])])
        let sensor = TMP102(bus: bus)
        #expect(try sensor.readTemperature() == Celsius(25))
        #expect(try sensor.readTemperature() == Celsius(-25))
        #expect(bus.verify().isEmpty)
    }

    @Test func configurationIsCachedOnlyAfterTheWriteSucceeded() throws {
        let bus = MockI2CBus([
            .write(address, [0x01, 0x60, 0xB0]).failing(.nackData),
            .write(address, [0x01, 0x60, 0xB0]),
            .write(address, [0x01, 0x60, 0x20]),
        ])
        let sensor = TMP102(bus: bus)
        #expect(throws: HALError.self) { try sensor.configure(extended: true) }
        #expect(sensor.cachedConfiguration == nil)
        try sensor.configure(extended: true)
        #expect(sensor.cachedConfiguration == 0x60B0)
        try sensor.configure(extended: false, rate: .quarterHertz)
        #expect(sensor.cachedConfiguration == 0x6020)
        #expect(bus.verify().isEmpty)
    }

    @Test func aNackNamesBusAddressAndRegister() {
        let bus = MockI2CBus(name: "/dev/i2c-1", [.writeRead(address, [0x00], [0, 0]).failing(.nackAddress)])
        #expect {
            try TMP102(bus: bus).readTemperature()
        } throws: { error in
            let error = error as? HALError
            return error?.kind == .nackAddress && error?.address == address && error?.register == 0x00
                && error?.description.contains("register 0x00") == true
        }
    }

    @Test func aValueBeyondTheChipsRangeIsRefused() {
        // 160 °C in extended format: a count the chip cannot produce from a real reading.
        let bus = MockI2CBus([.writeRead(address, [0x00], [0x50, 0x01])])
        #expect {
            try TMP102(bus: bus).readTemperature()
        } throws: { error in
            (error as? HALError)?.kind == .outOfRange && (error as? HALError)?.register == 0x00
        }
    }

    @Test func aShortReadIsBadData() {
        let bus = MockI2CBus([.transaction(address, [.write([0x00]), .read(count: 2)], reads: [[0x19]])])
        #expect { try TMP102(bus: bus).readTemperature() } throws: { ($0 as? HALError)?.kind == .badData }
    }
}

@Suite struct TMP102TwinTests {
    let bus = SimI2CBus()
    let twin = TMP102Twin(temperature: Celsius(21.3))
    let address = TMP102.address(.supply)

    init() {
        bus.attach(twin, at: address)
    }

    @Test(arguments: [21.3, -12.7, 0, 99.99, -54.9])
    func readsTheTwinsTemperatureToWithinHalfACount(truth: Double) throws {
        twin.temperature = Celsius(truth)
        let sensor = TMP102(bus: bus, address: address)
        let reading = try sensor.readTemperature().value
        #expect(abs(reading - truth) <= 0.03125, "\(reading) for \(truth)")
    }

    @Test func extendedModeReadsAbove128() throws {
        let sensor = TMP102(bus: bus, address: address)
        twin.temperature = Celsius(140)
        #expect(try sensor.readTemperature().value < 128, "12-bit mode saturates below 128 °C")
        try sensor.configure(extended: true)
        #expect(twin.configuration & 0x10 != 0, "the twin holds what the driver wrote")
        #expect(try sensor.readTemperature() == Celsius(140))
    }

    @Test func faultsReachTheDriverAsTheyWouldOnABoard() throws {
        let sensor = TMP102(bus: bus, address: address)
        twin.fault = SensorFault(stuckAt: Celsius(20))
        twin.temperature = Celsius(35)
        #expect(try sensor.readTemperature() == Celsius(20))
        twin.fault = SensorFault(absent: true)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .nackAddress }
        twin.fault = .none
        bus.inject(.nackBurst(address, count: 2))
        #expect(throws: HALError.self) { try sensor.readTemperature() }
        #expect(throws: HALError.self) { try sensor.readTemperature() }
        #expect(try sensor.readTemperature() == Celsius(35))
        twin.fault = SensorFault(driftPerHour: Celsius(2))
        twin.elapse(.seconds(1800))
        #expect(try sensor.readTemperature() == Celsius(36), "half an hour at 2 °C an hour")
        twin.fault = SensorFault(offset: Celsius(-15))
        #expect(try sensor.readTemperature() == Celsius(20), "a jump")
        twin.fault = .none
        bus.inject(.lockedUp)
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .timeout }
    }
}
