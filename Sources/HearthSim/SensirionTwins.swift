import HearthHAL
import Synchronization

/// What the SHT3x and SHT4x twins share: the true humidity, a CRC fault, and the 6-byte answer.
public class SensirionTwin: TemperatureTwin, @unchecked Sendable {
    struct Sensirion {
        var humidity = RelativeHumidity(40)
        var corruptCRC = false
    }
    let sensirion = Mutex(Sensirion())

    public var humidity: RelativeHumidity {
        get { sensirion.withLock { $0.humidity } }
        set { sensirion.withLock { $0.humidity = newValue } }
    }

    /// Sends a wrong CRC with every answer while set (a noisy line).
    public var corruptCRC: Bool {
        get { sensirion.withLock { $0.corruptCRC } }
        set { sensirion.withLock { $0.corruptCRC = newValue } }
    }

    /// Temperature and humidity words with their CRCs; `humidityWord` maps %RH to the chip's word.
    func answer(humidityWord: (Double) -> Double) -> [UInt8] {
        let temperatureWord = UInt16(min(max(((measured.value + 45) / 175 * 65535).rounded(), 0), 65535))
        let humidity = UInt16(min(max(humidityWord(self.humidity.value).rounded(), 0), 65535))
        let corrupt = corruptCRC
        var bytes: [UInt8] = []
        for word in [temperatureWord, humidity] {
            let pair = [UInt8(word >> 8), UInt8(word & 0xFF)]
            bytes += pair + [Self.crc8(pair) ^ (corrupt ? 0x5A : 0)]
        }
        return bytes
    }

    /// Polynomial 0x31, initial 0xFF, as the datasheet specifies.
    static func crc8(_ bytes: [UInt8]) -> UInt8 {
        bytes.reduce(into: UInt8(0xFF)) { crc, byte in
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x31 : crc << 1 }
        }
    }
}

/// A command-level SHT3x in periodic mode: after a periodic-mode command it finishes a
/// measurement every period of virtual time; a fetch returns the newest one and clears it; a
/// fetch with nothing new is not acknowledged, as the datasheet says.
public final class SHT3xTwin: SensirionTwin, SimI2CDevice, @unchecked Sendable {
    private struct Mode {
        var period: Duration?
        var sinceLast = Duration.zero
        var ready = false
        var fetching = false
    }
    private let mode = Mutex(Mode())

    public override init(temperature: Celsius) { super.init(temperature: temperature) }

    /// Whether periodic measurement is running.
    public var isPeriodic: Bool { mode.withLock { $0.period != nil } }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("SHT3x")
        guard bytes.count == 2 else { throw HALError(.nackData, "SHT3x commands are two bytes") }
        let command = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        try mode.withLock { (mode: inout Mode) throws(HALError) in
            switch command {
            case 0x2032, 0x2024, 0x202F: mode.period = .seconds(2)
            case 0x2130, 0x2126, 0x212D: mode.period = .seconds(1)
            case 0x2236, 0x2220, 0x222B: mode.period = .milliseconds(500)
            case 0x2334, 0x2322, 0x2329: mode.period = .milliseconds(250)
            case 0x2737, 0x2721, 0x272A: mode.period = .milliseconds(100)
            case 0xE000: mode.fetching = true; return
            case 0x3093, 0x30A2: mode = Mode(); return
            default: throw HALError(.nackData, "SHT3x does not know command 0x\(String(command, radix: 16))")
            }
            mode.sinceLast = .zero
            mode.ready = false
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("SHT3x")
        let ready = mode.withLock { mode in
            defer { mode.fetching = false; mode.ready = false }
            return mode.fetching && mode.ready
        }
        guard ready else { throw HALError(.nackAddress, "SHT3x: no new measurement to fetch") }
        return Array(answer(humidityWord: { $0 / 100 * 65535 }).prefix(count))
    }

    public override func elapse(_ duration: Duration) {
        super.elapse(duration)
        mode.withLock { mode in
            guard let period = mode.period else { return }
            mode.sinceLast += duration
            if mode.sinceLast >= period {
                mode.ready = true
                mode.sinceLast = .zero
            }
        }
    }
}

/// A command-level SHT4x: a measure command starts a conversion that takes 8.3 ms of virtual
/// time; a read before it finished, or with nothing started, is not acknowledged.
public final class SHT4xTwin: SensirionTwin, SimI2CDevice, @unchecked Sendable {
    private struct Conversion {
        var remaining: Duration?
        var serialRequested = false
    }
    private let conversion = Mutex(Conversion())
    /// The serial number the chip reports.
    public let serial: UInt32

    public init(temperature: Celsius, serial: UInt32 = 0x1234_5678) {
        self.serial = serial
        super.init(temperature: temperature)
    }

    public func receive(_ bytes: [UInt8]) throws(HALError) {
        try acknowledge("SHT4x")
        guard bytes.count == 1 else { throw HALError(.nackData, "SHT4x commands are one byte") }
        conversion.withLock { conversion in
            switch bytes[0] {
            case 0xFD: conversion.remaining = .microseconds(8300)
            case 0xF6: conversion.remaining = .microseconds(4500)
            case 0xE0: conversion.remaining = .microseconds(1700)
            case 0x89: conversion.serialRequested = true
            default: conversion = Conversion()
            }
        }
    }

    public func send(count: Int) throws(HALError) -> [UInt8] {
        try acknowledge("SHT4x")
        enum Answer { case serial, measurement, none }
        let answer: Answer = conversion.withLock { conversion in
            if conversion.serialRequested {
                conversion.serialRequested = false
                return .serial
            }
            guard let remaining = conversion.remaining, remaining <= .zero else { return .none }
            conversion.remaining = nil
            return .measurement
        }
        switch answer {
        case .serial:
            let words = [UInt16(serial >> 16), UInt16(serial & 0xFFFF)].map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            return Array(words.flatMap { $0 + [Self.crc8($0)] }.prefix(count))
        case .measurement:
            return Array(self.answer(humidityWord: { ($0 + 6) / 125 * 65535 }).prefix(count))
        case .none:
            throw HALError(.nackAddress, "SHT4x: conversion not finished")
        }
    }

    public override func elapse(_ duration: Duration) {
        super.elapse(duration)
        conversion.withLock { conversion in
            if let remaining = conversion.remaining { conversion.remaining = remaining - duration }
        }
    }
}
