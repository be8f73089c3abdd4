import HearthHAL

/// The BM13xx wire as the chips' side sees it: the twin's own reading of the host's frames and
/// building of the chips' answers, written apart from the driver's (`HearthDrivers.BM13xx`) from
/// the same published description, so that a framing or CRC mistake on either side fails a test
/// instead of agreeing with itself.
///
/// From the host: `55 AA`, a header byte (`0x40` command, `0x20` job; `0x10` every chip; the
/// operation in the low nibble), a length counting from the header byte to the end, the payload,
/// then CRC-5 (commands, one byte) or CRC-16/CCITT-FALSE (jobs, two bytes, high byte first).
/// From the chips: eleven bytes, `AA 55`, eight of register value or nonce, and a last byte whose
/// top bit flags a nonce and whose low five bits are the CRC-5 of everything after the preamble.
public enum BM13xxTwinCodec {
    // MARK: Checks

    /// The chips' CRC-5 (polynomial x⁵ + x² + 1, register preset to ones, bits taken most
    /// significant first, no reflection, no final inversion) over the first `bitCount` bits of
    /// `bytes` (all of them when `nil`). Bits past the end of `bytes` are not read: the count is
    /// held to what there is.
    public static func crc5(_ bytes: [UInt8], bitCount: Int? = nil) -> UInt8 {
        // The five register bits sit at the top of a byte, so the bit leaving is bit 7.
        var register: UInt8 = 0b1111_1000
        let count = min(bitCount ?? bytes.count * 8, bytes.count * 8)
        var index = 0
        while index < count {
            let incoming: UInt8 = (bytes[index >> 3] << (index & 7)) & 0x80
            let leaving = register & 0x80
            register <<= 1
            if incoming != leaving { register ^= 0b0010_1000 }
            index += 1
        }
        return register >> 3
    }

    /// CRC-16/CCITT-FALSE (polynomial 0x1021, preset 0xFFFF, no reflection, no final inversion),
    /// a byte at a time from a table.
    public static func crc16(_ bytes: [UInt8]) -> UInt16 {
        bytes.reduce(UInt16(0xFFFF)) { crc, byte in (crc << 8) ^ crc16Table[Int(UInt8(crc >> 8) ^ byte)] }
    }

    /// The remainder of each byte value, placed in the register's top byte, over the polynomial.
    private static let crc16Table: [UInt16] = (0..<256).map { value in
        (0..<8).reduce(UInt16(value) << 8) { remainder, _ in
            remainder & 0x8000 == 0 ? remainder << 1 : (remainder << 1) ^ 0x1021
        }
    }

    // MARK: From the host

    /// A command the chips obey.
    public enum Command: Hashable, Sendable {
        /// Gives the first chip not yet addressed this address.
        case setAddress(UInt8)
        /// Writes a register: of every chip (`chip` nil) or of the chip at `chip`.
        case write(register: UInt8, value: UInt32, chip: UInt8?)
        /// Asks for a register: of every chip (`chip` nil) or of the chip at `chip`.
        case read(register: UInt8, chip: UInt8?)
        /// The chips stop passing commands down the chain until each has an address.
        case chainInactive
    }

    /// A job: a header without its nonce, the hashes in the header's byte order.
    public struct Job: Hashable, Sendable {
        /// The job's ID, as the host numbered it.
        public var id: UInt8
        /// Where the chips start counting nonces.
        public var startingNonce: UInt32
        /// The header's compact target (nBits).
        public var bits: UInt32
        /// The header's time, seconds since 1970.
        public var time: UInt32
        /// The merkle root, 32 bytes as in the header.
        public var merkleRoot: [UInt8]
        /// The previous block's hash, 32 bytes as in the header.
        public var previousHash: [UInt8]
        /// The header's version, before rolling.
        public var version: UInt32

        /// A job as read from a frame.
        public init(
            id: UInt8, startingNonce: UInt32, bits: UInt32, time: UInt32, merkleRoot: [UInt8], previousHash: [UInt8],
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
    }

    /// One frame from the host.
    public enum Frame: Hashable, Sendable {
        /// A command, checked by its CRC-5.
        case command(Command)
        /// A job, checked by its CRC-16.
        case job(Job)
    }

    /// The bytes of a job frame: preamble, header, length and CRC-16 included.
    static let jobFrameCount = 88

    /// Reads one whole frame (preamble through check). Throws `badData` for a frame whose
    /// preamble, header, length or check is wrong, or whose command the chips do not know or
    /// whose payload does not fit its command.
    public static func decode(_ frame: [UInt8]) throws(HALError) -> Frame {
        guard frame.count >= 5, frame[0] == 0x55, frame[1] == 0xAA, Int(frame[3]) + 2 == frame.count else {
            throw HALError(.badData, "not a frame to the chips: \(hex(frame.prefix(8)))")
        }
        let header = frame[2]
        if header & 0x20 != 0 { return .job(try job(frame)) }
        guard header & 0xE0 == 0x40 else { throw HALError(.badData, "not a command header: \(hex([header]))") }
        let check = frame[frame.count - 1]
        guard crc5(Array(frame[2..<(frame.count - 1)])) == check else {
            throw HALError(.badData, "command with a bad CRC-5: \(hex(frame[...]))")
        }
        let payload = Array(frame[4..<(frame.count - 1)])
        let everyChip = header & 0x10 != 0
        switch (header & 0x0F, payload.count) {
        case (0, 2):
            return .command(.setAddress(payload[0]))
        case (1, 6):
            let value = payload[2...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return .command(.write(register: payload[1], value: value, chip: everyChip ? nil : payload[0]))
        case (2, 2):
            return .command(.read(register: payload[1], chip: everyChip ? nil : payload[0]))
        case (3, _):
            return .command(.chainInactive)
        default:
            throw HALError(.badData, "command \(header & 0x0F) with \(payload.count) payload bytes: \(hex(frame[...]))")
        }
    }

    /// A job frame: ID, midstate count, starting nonce, bits, time, the merkle root and previous
    /// hash each with its eight 4-byte words in reverse order, version; numbers little-endian.
    private static func job(_ frame: [UInt8]) throws(HALError) -> Job {
        guard frame.count == jobFrameCount, frame[2] == 0x21 else {
            throw HALError(.badData, "not a job frame (\(frame.count) bytes): \(hex(frame.prefix(8)))")
        }
        let sent = UInt16(frame[86]) << 8 | UInt16(frame[87])
        guard crc16(Array(frame[2..<86])) == sent else { throw HALError(.badData, "job with a bad CRC-16") }
        func word(at offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(frame[offset + $1]) << (8 * UInt32($1)) }
        }
        func hash(at offset: Int) -> [UInt8] {
            (0..<8).flatMap { word in frame[(offset + 28 - 4 * word)..<(offset + 32 - 4 * word)] }
        }
        return Job(
            id: frame[4], startingNonce: word(at: 6), bits: word(at: 10), time: word(at: 14), merkleRoot: hash(at: 18),
            previousHash: hash(at: 50), version: word(at: 82))
    }

    // MARK: From the chips

    /// One 11-byte frame as a chip sends it.
    public enum Response: Hashable, Sendable {
        /// A register's value, from the chip at `chip`.
        case register(UInt8, value: UInt32, chip: UInt8)
        /// A nonce (the number as it goes little-endian into the header), the job byte (job ID
        /// and small core, see `jobByte`), and the version bits rolled, in units of bit 13.
        case nonce(UInt32, jobByte: UInt8, versionBits: UInt16)

        /// The frame: value big-endian then chip and register, or nonce little-endian, a zero,
        /// the job byte and the version bits high byte first; the flag and CRC-5 last, the CRC
        /// taken over the 67 bits before it.
        public var bytes: [UInt8] {
            var body: [UInt8]
            switch self {
            case .register(let register, let value, let chip):
                body = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } + [chip, register, 0, 0, 0x00]
            case .nonce(let nonce, let jobByte, let versionBits):
                body = [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: nonce >> $0) }
                    + [0, jobByte, UInt8(truncatingIfNeeded: versionBits >> 8), UInt8(truncatingIfNeeded: versionBits), 0x80]
            }
            body[8] |= BM13xxTwinCodec.crc5(body, bitCount: 67)
            return [0xAA, 0x55] + body
        }
    }

    /// The job byte of a nonce frame for a chip (by its ID, e.g. 0x1366): the BM1366 keeps the
    /// job ID's top five bits in place and the small core in the low three; the BM1368 and
    /// BM1370 put the job ID's bits 3…6 in the high nibble and the small core in the low one.
    public static func jobByte(chipID: UInt16, jobID: UInt8, smallCore: UInt8) -> UInt8 {
        if chipID == 0x1366 { return (jobID & 0b1111_1000) | (smallCore & 0b0000_0111) }
        return ((jobID >> 3) & 0x0F) << 4 | (smallCore & 0x0F)
    }

    /// Spaced hexadecimal bytes, for messages.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return byte < 0x10 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
