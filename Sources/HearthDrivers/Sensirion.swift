import HearthHAL

/// What Sensirion's SHT3x and SHT4x share: 16-bit words each followed by a CRC-8, and the same
/// conversion of the temperature word.
enum Sensirion {
    /// CRC-8 over the bytes: polynomial 0x31, initial value 0xFF, no reflection, no final XOR.
    static func crc8(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var crc: UInt8 = 0xFF
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 {
                crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x31 : crc << 1
            }
        }
        return crc
    }

    /// The two words of a 6-byte answer (word, CRC, word, CRC), each checked against its CRC.
    static func words(
        _ bytes: [UInt8], bus: any I2CBus, address: I2CAddress, chip: String
    ) throws(HALError) -> (UInt16, UInt16) {
        guard bytes.count == 6 else {
            throw HALError(.badData, "\(chip) sent \(bytes.count) bytes, expected 6", device: bus.name, address: address)
        }
        for word in 0..<2 {
            let data = bytes[word * 3..<word * 3 + 2]
            let expected = crc8(data)
            guard bytes[word * 3 + 2] == expected else {
                throw HALError(
                    .badData,
                    "\(chip) CRC mismatch on word \(word): got 0x\(String(bytes[word * 3 + 2], radix: 16)), computed 0x\(String(expected, radix: 16))",
                    device: bus.name, address: address)
            }
        }
        return (UInt16(bytes[0]) << 8 | UInt16(bytes[1]), UInt16(bytes[3]) << 8 | UInt16(bytes[4]))
    }

    /// T = −45 + 175 · S / 65535 °C.
    static func celsius(_ word: UInt16) -> Double { -45 + 175 * Double(word) / 65535 }

    /// A checked 6-byte answer as a reading: CRCs, the chip's temperature range, and the chip's
    /// own humidity formula. `command` is named in a range error.
    static func reading(
        _ bytes: [UInt8], bus: any I2CBus, address: I2CAddress, chip: String, command: UInt8,
        range: ClosedRange<Double>, humidity: (UInt16) -> Double
    ) throws(HALError) -> ClimateReading {
        let (temperature, humidityWord) = try words(bytes, bus: bus, address: address, chip: chip)
        return ClimateReading(
            temperature: try checkRange(celsius(temperature), range, bus: bus, address: address, register: command, chip: chip),
            humidity: RelativeHumidity(humidity(humidityWord)))
    }
}

/// A temperature and humidity measured together.
public struct ClimateReading: Hashable, Sendable {
    public var temperature: Celsius
    public var humidity: RelativeHumidity
}
