import HearthHAL
import HearthHALTesting
import Testing

@Suite struct I2CAddressTests {
    @Test func usableRangeOnly() {
        #expect(I2CAddress(0x48)?.rawValue == 0x48)
        #expect(I2CAddress(0x08) != nil)
        #expect(I2CAddress(0x77) != nil)
        #expect(I2CAddress(0x07) == nil, "0x00-0x07 are reserved")
        #expect(I2CAddress(0x78) == nil, "0x78-0x7F are reserved (10-bit prefix, future use)")
        #expect(I2CAddress(0x148) == nil)
        #expect(I2CAddress(0x4A)?.description == "0x4A")
    }

    @Test func addressFromStrapPins() {
        // TMP102: 0x48 plus the strap of ADD0 (GND, V+, SDA, SCL → 0…3).
        #expect(I2CAddress(base: 0x48, strap: 3) == I2CAddress(0x4B))
        #expect(I2CAddress(base: 0x77, strap: 1) == nil)
    }
}

@Suite struct MockI2CBusTests {
    let sensor = I2CAddress(0x48)!
    let other = I2CAddress(0x40)!

    @Test func conveniencesAreTransactions() throws {
        let bus = MockI2CBus([
            .write(sensor, [0x01, 0x60, 0xA0]),
            .writeRead(sensor, [0x00], [0x19, 0x00]),
            .read(sensor, [0x7F]),
            .transaction(other, [.write([0x02]), .read(count: 1), .read(count: 2)], reads: [[1], [2, 3]]),
        ])
        try bus.write(sensor, [0x01, 0x60, 0xA0])
        #expect(try bus.writeRead(sensor, [0x00], count: 2) == [0x19, 0x00])
        #expect(try bus.read(sensor, count: 1) == [0x7F])
        #expect(try bus.transaction(other, [.write([0x02]), .read(count: 1), .read(count: 2)]) == [[1], [2, 3]])
        #expect(bus.verify().isEmpty)
    }

    @Test func injectedErrorsAreReturnedWithTheirKind() {
        let bus = MockI2CBus([.writeRead(sensor, [0x00], [0, 0]).failing(.nackAddress)])
        #expect {
            try bus.writeRead(sensor, [0x00], count: 2)
        } throws: { error in
            (error as? HALError)?.kind == .nackAddress && (error as? HALError)?.address == sensor
        }
        #expect(bus.verify().isEmpty, "a failing expectation is still a met expectation")
    }

    @Test func unusedExpectationsAreReported() throws {
        let bus = MockI2CBus([.write(sensor, [0x01]), .read(sensor, [0x00])])
        try bus.write(sensor, [0x01])
        #expect(bus.verify() == ["expected but never happened: 0x48 [HearthHAL.I2COperation.read(count: 1)]"])
    }

    @Test func aTransactionOffScriptFailsAndIsRecorded() {
        let bus = MockI2CBus([.write(sensor, [0x01])])
        #expect(throws: HALError.self) { try bus.write(other, [0x01]) }
        #expect(throws: HALError.self) { try bus.write(sensor, [0x01]) }
        let problems = bus.verify()
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("expected 0x48"))
        #expect(problems[1].hasPrefix("unexpected 0x48"))
    }

    @Test func scriptedReadOfTheWrongLengthIsAMismatch() throws {
        let bus = MockI2CBus([.transaction(sensor, [.write([0]), .read(count: 2)], reads: [[1]])])
        _ = try bus.transaction(sensor, [.write([0]), .read(count: 2)])
        #expect(bus.verify().count == 1)
    }
}

@Suite struct HALErrorTests {
    @Test func descriptionSaysWhatAndWhere() {
        let error = HALError(
            .nackAddress, "I2C_RDWR failed: No such device or address", device: "/dev/i2c-1",
            address: I2CAddress(0x48), register: 0x00, errno: 6)
        #expect(error.description == "NACK on address: /dev/i2c-1 address 0x48 register 0x00: I2C_RDWR failed: No such device or address (errno 6)")
        let line = HALError(.unavailable, "busy", device: "/dev/gpiochip0", line: "\"FAN_EN\"")
        #expect(line.description == "unavailable: /dev/gpiochip0 line \"FAN_EN\": busy")
    }

    @Test func kindsAreDistinct() {
        let kinds: [HALError.Kind] = [
            .nackAddress, .nackData, .busError, .arbitrationLost, .timeout, .outOfRange, .notSupported, .unavailable, .badData,
        ]
        #expect(Set(kinds).count == kinds.count)
        #expect(Set(kinds.map(\.description)).count == kinds.count)
    }
}
