import HearthHAL

/// The wire protocol of Bitmain's BM1366, BM1368 and BM1370 hashing chips, as the open Bitaxe
/// boards speak it over one UART shared by the whole chain.
///
/// To the chips, every frame starts `55 AA`, then a header byte (job or command, one chip or all,
/// the operation), a length that counts from the header byte to the end, the payload, and a check:
/// CRC-5 for commands, CRC-16 for jobs. From the chips, every frame is 11 bytes: `AA 55`, eight
/// bytes of a register's value or a nonce, and a last byte holding the CRC-5 and, in its top bit,
/// whether it is a nonce.
///
/// A job carries the whole header but the nonce; the chip hashes it itself, splitting the nonce
/// space between its cores and the chips of the chain, and rolls the version bits it is allowed to.
/// What comes back is a nonce whose hash meets the chain's ticket difficulty, with the job's ID and
/// the version bits it rolled.
public enum BM13xx {
    /// The chips this driver knows: each answers a read of register 0 with its ID.
    public enum Model: UInt16, Sendable, CaseIterable, CustomStringConvertible {
        /// The BM1366: chip ID 0x1366.
        case bm1366 = 0x1366
        /// The BM1368: chip ID 0x1368.
        case bm1368 = 0x1368
        /// The BM1370: chip ID 0x1370.
        case bm1370 = 0x1370

        /// The name the board files use: `BM1366`, `BM1368` or `BM1370`.
        public var description: String { "BM" + String(rawValue, radix: 16) }

        /// Parses `bm1366`, `BM1368`, `1370`.
        public init?(name: String) {
            let digits = name.lowercased().hasPrefix("bm") ? String(name.dropFirst(2)) : name
            guard let value = UInt16(digits, radix: 16), let model = Model(rawValue: value) else { return nil }
            self = model
        }

        /// Small cores per chip: the hash rate is clock × small cores.
        public var smallCores: Int {
            switch self {
            case .bm1366: 894
            case .bm1368: 1276
            case .bm1370: 2040
            }
        }

        /// How far apart successive job IDs are; IDs stay below 128.
        var jobIDStep: UInt8 { self == .bm1366 ? 8 : 24 }

        /// The job ID inside the job byte of a nonce frame (the rest says which small core found it).
        func jobID(fromResponseByte byte: UInt8) -> UInt8 {
            self == .bm1366 ? byte & 0xF8 : (byte & 0xF0) >> 1
        }

        /// The job byte a chip sends back for a job ID and the small core that found the nonce.
        public func responseByte(jobID: UInt8, smallCore: UInt8) -> UInt8 {
            self == .bm1366 ? jobID & 0xF8 | smallCore & 0x07 : (jobID & 0x78) << 1 | smallCore & 0x0F
        }

        /// The PLL's feedback divider range.
        var feedbackDividers: ClosedRange<Int> { self == .bm1370 ? 0xA0...0xEF : 0x90...0xEB }
    }

    /// The chips' registers this driver writes or reads.
    public enum Register {
        /// The chip's model ID, in the top 16 bits of what a read returns.
        public static let chipID: UInt8 = 0x00
        /// The PLL that makes the hashing clock (see `pll(for:model:)`).
        public static let pll0: UInt8 = 0x08
        /// Hash counting number: written once at start, with the Bitaxe boards' value for the model.
        public static let hashCountingNumber: UInt8 = 0x10
        /// The difficulty below which a chip keeps a nonce to itself (see `ticketMask(difficulty:)`).
        public static let ticketMask: UInt8 = 0x14
        /// Miscellaneous control: written at start, with the Bitaxe boards' values.
        public static let miscControl: UInt8 = 0x18
        /// The chips' UART speed: `fastUARTValue` here moves it to `fastBaud`.
        public static let fastUART: UInt8 = 0x28
        /// The way in to the cores' own registers: written at start, with the Bitaxe boards' values.
        public static let coreRegisterControl: UInt8 = 0x3C
        /// Analog mux control: written at start, with the Bitaxe boards' value for the model.
        public static let analogMux: UInt8 = 0x54
        /// The output drivers' strength: written at start, with the Bitaxe boards' value for the model.
        public static let ioDriverStrength: UInt8 = 0x58
        /// The version bits the chips may roll (see `versionMaskValue(_:)`).
        public static let versionMask: UInt8 = 0xA4
        /// Register 0xA8, which has no name here: written at start, with the Bitaxe boards' values.
        public static let a8: UInt8 = 0xA8
    }

    /// The reference clock of the chips' PLLs, MHz.
    public static let referenceMHz = 25.0
    /// The UART speed the chips wake at, bits per second.
    public static let resetBaud = 115_200
    /// The UART speed this driver moves the chips to once they answer, bits per second.
    public static let fastBaud = 1_000_000
    /// Register 0x28's value that moves the chips' UART to `fastBaud`.
    public static let fastUARTValue: UInt32 = 0x1130_0200
    /// The frequency the PLL starts at after reset, MHz.
    public static let resetFrequency = 56.25

    // MARK: Checks

    /// CRC-5/USB as the chips use it: polynomial x⁵+x²+1, register starting at all ones, bits fed
    /// most significant first, nothing reflected or inverted; over the first `bitCount` bits.
    public static func crc5(_ bytes: [UInt8], bitCount: Int? = nil) -> UInt8 {
        var crc: UInt8 = 0x1F
        let count = bitCount ?? bytes.count * 8
        for index in 0..<count {
            let bit = bytes[index / 8] >> (7 - UInt8(index % 8)) & 1
            let feedback = (crc >> 4 & 1) ^ bit
            crc = (crc << 1) & 0x1F
            if feedback == 1 { crc ^= 0x05 }
        }
        return crc
    }

    /// CRC-16/CCITT-FALSE: polynomial 0x1021, starting at 0xFFFF, not reflected.
    public static func crc16(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? crc << 1 ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    // MARK: Frames to the chips

    /// A command frame: to one chip (by its address) or all, with CRC-5.
    public struct Command: Hashable, Sendable {
        /// What a command asks, in the low bits of its header byte.
        public enum Operation: UInt8, Sendable {
            /// `setAddress`: give the first chip without an address one; `write`, `read`: a register;
            /// `chainInactive`: stop passing commands on down the chain.
            case setAddress = 0, write = 1, read = 2, chainInactive = 3
        }
        /// What the command asks.
        public var operation: Operation
        /// `true`: every chip of the chain obeys.
        public var all: Bool
        /// The chip address byte, register and value that follow the header.
        public var payload: [UInt8]

        /// A command with its payload as sent; `bytes` adds the preamble, header byte, length and CRC-5.
        public init(_ operation: Operation, all: Bool, payload: [UInt8]) {
            self.operation = operation
            self.all = all
            self.payload = payload
        }

        /// Writes a 32-bit register, on every chip or on the chip at `chip`.
        public static func write(_ register: UInt8, _ value: UInt32, chip: UInt8? = nil) -> Command {
            Command(.write, all: chip == nil, payload: [chip ?? 0, register] + bigEndian(value))
        }

        /// Asks every chip, or the one at `chip`, for a register.
        public static func read(_ register: UInt8, chip: UInt8? = nil) -> Command {
            Command(.read, all: chip == nil, payload: [chip ?? 0, register])
        }

        /// Stops the chips passing commands on down the chain until each is given an address.
        public static let chainInactive = Command(.chainInactive, all: true, payload: [0, 0])

        /// The value a register write carries; `nil` for any other command.
        public var value: UInt32? {
            operation == .write && payload.count == 6 ? number(bigEndian: payload[2...]) : nil
        }

        /// Gives the first chip not yet addressed the address `address`.
        public static func setAddress(_ address: UInt8) -> Command { Command(.setAddress, all: false, payload: [address, 0]) }

        /// The frame as sent: `55 AA`, the header byte, the length, the payload and the CRC-5.
        public var bytes: [UInt8] {
            let body = [0x40 | (all ? 0x10 : 0) | operation.rawValue, UInt8(payload.count + 3)] + payload
            return [0x55, 0xAA] + body + [crc5(body)]
        }

        /// Reads a command frame, checking its preamble, length and CRC.
        public init(frame: [UInt8]) throws(HALError) {
            guard frame.count >= 5, frame[0] == 0x55, frame[1] == 0xAA, frame[2] & 0xE0 == 0x40,
                Int(frame[3]) == frame.count - 2
            else { throw HALError(.badData, "not a command frame: \(frame.hexString)") }
            let body = Array(frame[2..<(frame.count - 1)])
            guard crc5(body) == frame[frame.count - 1] else {
                throw HALError(.badData, "command frame with a bad CRC-5: \(frame.hexString)")
            }
            guard let operation = Operation(rawValue: frame[2] & 0x0F) else {
                throw HALError(.badData, "unknown command \(frame[2] & 0x0F): \(frame.hexString)")
            }
            self.init(operation, all: frame[2] & 0x10 != 0, payload: Array(body[2...]))
        }
    }

    /// A job: the header without its nonce, for every chip, with CRC-16.
    public struct Job: Hashable, Sendable {
        /// 0…127, a multiple of the model's step.
        public var id: UInt8
        /// Where the chips start counting nonces.
        public var startingNonce: UInt32
        /// The header's compact target (nBits).
        public var bits: UInt32
        /// The header's time, seconds since 1970 (UTC).
        public var time: UInt32
        /// The header's merkle root, 32 bytes, as it sits in the header.
        public var merkleRoot: [UInt8]
        /// The previous block's hash, 32 bytes, as it sits in the header.
        public var previousHash: [UInt8]
        /// The header's version, before the chips roll its bits.
        public var version: UInt32

        /// A job. Both hashes must be 32 bytes: `bytes` traps on any other length (`BM13xxChain.send(_:)`
        /// refuses them first, with `outOfRange`).
        public init(
            id: UInt8, startingNonce: UInt32 = 0, bits: UInt32, time: UInt32, merkleRoot: [UInt8], previousHash: [UInt8],
            version: UInt32
        ) {
            self.id = id
            self.startingNonce = startingNonce
            self.bits = bits
            self.time = time
            self.merkleRoot = merkleRoot
            self.previousHash = previousHash
            self.version = version
        }

        /// The payload's length: ID, midstate count, nonce, bits, time, two hashes, version.
        static let payloadCount = 82

        /// The frame. The chips take the two hashes with their 4-byte words in reverse order; all
        /// the numbers are little-endian, as in the header.
        public var bytes: [UInt8] {
            var body: [UInt8] = [0x21, UInt8(Self.payloadCount + 4), id, 1]
            body += littleEndian(startingNonce) + littleEndian(bits) + littleEndian(time)
            body += reversingWords(merkleRoot) + reversingWords(previousHash) + littleEndian(version)
            let crc = crc16(body)
            return [0x55, 0xAA] + body + [UInt8(crc >> 8), UInt8(crc & 0xFF)]
        }

        /// Reads a job frame, checking its preamble, length and CRC.
        public init(frame: [UInt8]) throws(HALError) {
            guard frame.count == Self.payloadCount + 6, frame[0] == 0x55, frame[1] == 0xAA, frame[2] == 0x21,
                Int(frame[3]) == Self.payloadCount + 4
            else { throw HALError(.badData, "not a job frame: \(Array(frame.prefix(8)).hexString)…") }
            let body = Array(frame[2..<(frame.count - 2)])
            let crc = UInt16(frame[frame.count - 2]) << 8 | UInt16(frame[frame.count - 1])
            guard crc16(body) == crc else { throw HALError(.badData, "job frame with a bad CRC-16") }
            let payload = Array(body[2...])
            func word(_ offset: Int) -> UInt32 { number(littleEndian: payload[offset..<(offset + 4)]) }
            self.init(
                id: payload[0], startingNonce: word(2), bits: word(6), time: word(10),
                merkleRoot: reversingWords(Array(payload[14..<46])), previousHash: reversingWords(Array(payload[46..<78])),
                version: word(78))
        }
    }

    // MARK: Frames from the chips

    /// One 11-byte frame from a chip.
    public enum Response: Hashable, Sendable {
        /// A register's value, from the chip at `chip`.
        case register(UInt8, value: UInt32, chip: UInt8)
        /// A nonce: as it goes in the header (little-endian), the job byte (job ID and small core),
        /// and the version bits rolled, in units of bit 13.
        case nonce(UInt32, jobByte: UInt8, versionBits: UInt16)

        /// Bytes in every frame from a chip.
        public static let count = 11

        /// The frame, CRC included: over the first 67 bits (the nonce flag is one of them), with
        /// the five CRC bits last, so the CRC over all 72 bits comes out zero.
        public var bytes: [UInt8] {
            var frame: [UInt8]
            switch self {
            case .register(let register, let value, let chip):
                frame = [0xAA, 0x55] + bigEndian(value) + [chip, register, 0, 0, 0]
            case .nonce(let nonce, let jobByte, let versionBits):
                frame = [0xAA, 0x55] + littleEndian(nonce) + [0, jobByte, UInt8(versionBits >> 8), UInt8(versionBits & 0xFF), 0x80]
            }
            frame[10] |= crc5(Array(frame[2...]), bitCount: 67)
            return frame
        }

        /// Reads a frame, checking its preamble and CRC.
        public init(frame: [UInt8]) throws(HALError) {
            guard frame.count == Self.count, frame[0] == 0xAA, frame[1] == 0x55 else {
                throw HALError(.badData, "not a chip's frame: \(frame.hexString)")
            }
            guard crc5(Array(frame[2...])) == 0 else { throw HALError(.badData, "frame with a bad CRC-5: \(frame.hexString)") }
            if frame[10] & 0x80 != 0 {
                self = .nonce(number(littleEndian: frame[2..<6]), jobByte: frame[7], versionBits: UInt16(frame[8]) << 8 | UInt16(frame[9]))
            } else {
                self = .register(frame[7], value: number(bigEndian: frame[2..<6]), chip: frame[6])
            }
        }
    }

    // MARK: Register values

    /// The PLL setting nearest `mhz` that the model's dividers allow: register 0x08's value and
    /// the frequency it gives; `nil` when none is near (or `mhz` is not a number).
    public static func pll(for mhz: Double, model: Model) -> (value: UInt32, mhz: Double)? {
        guard mhz.isFinite, abs(mhz) < 1e6 else { return nil }
        var best: (value: UInt32, mhz: Double, error: Double)?
        for reference in 1...2 {
            for post1 in 1...7 {
                for post2 in 1...post1 {
                    let divisor = Double(reference * post1 * post2)
                    let feedback = Int((mhz * divisor / referenceMHz).rounded())
                    guard model.feedbackDividers.contains(feedback) else { continue }
                    let actual = referenceMHz * Double(feedback) / divisor
                    let error = abs(actual - mhz)
                    guard error < (best?.error ?? .infinity) else { continue }
                    let vco: UInt32 = referenceMHz * Double(feedback) / Double(reference) >= 2400 ? 0x50 : 0x40
                    let post = UInt32(post1 - 1) << 4 | UInt32(post2 - 1)
                    best = (vco << 24 | UInt32(feedback) << 16 | UInt32(reference) << 8 | post, actual, error)
                }
            }
        }
        return best.map { ($0.value, $0.mhz) }
    }

    /// The frequency a PLL register value gives, MHz; `nil` for a value with a zero divider.
    public static func frequency(pll value: UInt32) -> Double? {
        let feedback = Double(value >> 16 & 0xFF)
        let reference = Double(value >> 8 & 0xFF)
        let post1 = Double(value >> 4 & 0x0F) + 1
        let post2 = Double(value & 0x0F) + 1
        guard reference > 0, feedback > 0 else { return nil }
        return referenceMHz * feedback / (reference * post1 * post2)
    }

    /// The ticket mask for a difficulty: the largest power of two not above it, less one, with
    /// each byte's bits reversed, as the chips read it. Difficulty 256 is `00 00 00 FF`.
    public static func ticketMask(difficulty: Double) -> UInt32 {
        let whole = UInt64(difficulty.isFinite ? min(max(difficulty, 1), 0x1_0000_0000) : 1)
        let mask = UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(63 - whole.leadingZeroBitCount)) - 1)
        return reversingBitsOfEachByte(mask)
    }

    /// The difficulty a ticket mask asks for (the inverse of `ticketMask`).
    public static func difficulty(ticketMask value: UInt32) -> Double {
        Double(UInt64(reversingBitsOfEachByte(value)) + 1)
    }

    /// Register 0xA4's value for a BIP 310 version mask: the chips roll `mask >> 13`.
    public static func versionMaskValue(_ mask: UInt32) -> UInt32 { 0x9000_0000 | (mask >> 13 & 0xFFFF) }

    /// The word with the bits of each of its bytes in reverse order (its own inverse).
    static func reversingBitsOfEachByte(_ word: UInt32) -> UInt32 {
        var reversed: UInt32 = 0
        for bit: UInt32 in 0..<32 where word >> bit & 1 == 1 {
            reversed |= 1 << (bit / 8 * 8 + 7 - bit % 8)
        }
        return reversed
    }

    /// A 32-bit number as four bytes, most significant first (the chips' registers) or least
    /// significant first (the header's numbers), and back.
    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32($0))) } }
    static func littleEndian(_ value: UInt32) -> [UInt8] { bigEndian(value).reversed() }
    static func number(bigEndian bytes: some Collection<UInt8>) -> UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }
    static func number(littleEndian bytes: some BidirectionalCollection<UInt8>) -> UInt32 { number(bigEndian: bytes.reversed()) }

    /// The 32 bytes with their eight 4-byte words in reverse order (its own inverse).
    static func reversingWords(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count == 32, "a hash is 32 bytes")
        return (0..<8).reversed().flatMap { bytes[($0 * 4)..<($0 * 4 + 4)] }
    }
}

extension [UInt8] {
    /// Spaced hexadecimal bytes, for messages: `55 AA 52 05`.
    var hexString: String {
        map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
