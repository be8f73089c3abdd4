import HearthHAL
import HearthSim
import Testing

/// The twin's own frame codec against frames captured from real chains (the Bitaxe boards'
/// published init sequences, chip-ID answer and job packet), copied here as bytes: the driver's
/// code is never asked, so a mistake on either side shows.
@Suite struct BM13xxTwinCodecTests {
    typealias Codec = BM13xxTwinCodec

    func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }

    func reversedWords(_ bytes: [UInt8]) -> [UInt8] { (0..<8).reversed().flatMap { bytes[($0 * 4)..<($0 * 4 + 4)] } }

    @Test func crc16AgainstItsCatalogueValue() {
        #expect(Codec.crc16(Array("123456789".utf8)) == 0x29B1, "CRC-16/CCITT-FALSE check value")
    }

    @Test func capturedCommandFramesAreRead() throws {
        let captured: [(String, Codec.Command)] = [
            ("55 AA 52 05 00 00 0A", .read(register: 0x00, chip: nil)),
            ("55 AA 53 05 00 00 03", .chainInactive),
            ("55 AA 40 05 00 00 1C", .setAddress(0x00)),
            ("55 AA 51 09 00 A4 90 00 FF FF 1C", .write(register: 0xA4, value: 0x9000_FFFF, chip: nil)),
            ("55 AA 51 09 00 A8 00 07 00 00 03", .write(register: 0xA8, value: 0x0007_0000, chip: nil)),
            ("55 AA 51 09 00 18 FF 0F C1 00 00", .write(register: 0x18, value: 0xFF0F_C100, chip: nil)),
            ("55 AA 51 09 00 18 F0 00 C1 00 04", .write(register: 0x18, value: 0xF000_C100, chip: nil)),
            ("55 AA 51 09 00 3C 80 00 85 40 0C", .write(register: 0x3C, value: 0x8000_8540, chip: nil)),
            ("55 AA 51 09 00 3C 80 00 80 20 19", .write(register: 0x3C, value: 0x8000_8020, chip: nil)),
            ("55 AA 51 09 00 3C 80 00 8B 00 12", .write(register: 0x3C, value: 0x8000_8B00, chip: nil)),
            ("55 AA 51 09 00 54 00 00 00 03 1D", .write(register: 0x54, value: 0x0000_0003, chip: nil)),
            ("55 AA 51 09 00 58 02 11 11 11 06", .write(register: 0x58, value: 0x0211_1111, chip: nil)),
            ("55 AA 51 09 00 28 11 30 02 00 03", .write(register: 0x28, value: 0x1130_0200, chip: nil)),
            ("55 AA 51 09 00 14 00 00 00 FF 08", .write(register: 0x14, value: 0x0000_00FF, chip: nil)),
            ("55 AA 41 09 00 A8 00 07 01 F0 15", .write(register: 0xA8, value: 0x0007_01F0, chip: 0)),
            ("55 AA 41 09 00 2C 00 7C 00 03 03", .write(register: 0x2C, value: 0x007C_0003, chip: 0)),
        ]
        for (hex, command) in captured {
            let frame = bytes(hex)
            #expect(Codec.crc5(Array(frame[2..<(frame.count - 1)])) == frame[frame.count - 1], "CRC-5 of \(hex)")
            #expect(try Codec.decode(frame) == .command(command), "\(hex)")
        }
    }

    @Test func aCommandWithABadCheckOrAnUnknownOperationIsRefused() {
        var bad = bytes("55 AA 51 09 00 A4 90 00 FF FF 1C")
        for bit in 16..<(bad.count * 8) {  // any one bit flipped after the preamble
            var flipped = bad
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: HALError.self) { try Codec.decode(flipped) }
        }
        bad[2] = 0x54  // operation 4
        bad[bad.count - 1] = Codec.crc5(Array(bad[2..<(bad.count - 1)]))
        #expect(throws: HALError.self) { try Codec.decode(bad) }
        #expect(throws: HALError.self) { try Codec.decode(self.bytes("55 AA 52 05 00")) }
    }

    /// The job packet of the Bitaxe firmware's own characterisation test, for two job IDs.
    @Test func aCapturedJobFrameIsRead() throws {
        let wire = [UInt8](0..<32)
        let fields = bytes("55 AA 21 56 08 01 78 56 34 12 01 DD 05 17 D8 8B 65 64") + wire + wire.map { $0 + 0x20 }
            + bytes("04 00 00 20")
        var job = Codec.Job(
            id: 0x08, startingNonce: 0x1234_5678, bits: 0x1705_DD01, time: 0x6465_8BD8, merkleRoot: reversedWords(wire),
            previousHash: reversedWords(wire.map { $0 + 0x20 }), version: 0x2000_0004)
        #expect(try Codec.decode(fields + bytes("D6 21")) == .job(job))
        var second = fields
        second[4] = 0x18
        job.id = 0x18
        #expect(try Codec.decode(second + bytes("05 D4")) == .job(job))
        var bad = fields + bytes("D6 21")
        bad[40] ^= 0x80
        #expect(throws: HALError.self) { try Codec.decode(bad) }
        #expect(throws: HALError.self) { try Codec.decode(fields + bytes("D6 22")) }
    }

    @Test func theChipIDAnswerMatchesACapturedOne() {
        #expect(Codec.Response.register(0x00, value: 0x1368_0000, chip: 0).bytes == bytes("AA 55 13 68 00 00 00 00 00 00 0F"))
    }

    @Test func nonceFramesCarryTheirFlagAndCRCOverEveryBit() {
        let frame = Codec.Response.nonce(0xDEAD_BEEF, jobByte: 0x2B, versionBits: 0x1234).bytes
        #expect(frame.count == 11 && frame[0...1] == [0xAA, 0x55])
        #expect(frame[2...9] == [0xEF, 0xBE, 0xAD, 0xDE, 0x00, 0x2B, 0x12, 0x34], "nonce as in the header, job byte, version bits")
        #expect(frame[10] & 0x80 != 0 && Codec.crc5(Array(frame[2...])) == 0, "the flag, and a CRC that zeroes the whole")
        for bit in 16..<88 {  // any one bit flipped after the preamble is seen
            var bad = frame
            bad[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(Codec.crc5(Array(bad[2...])) != 0)
        }
    }

    /// ESP-Miner's reading of the job byte: BM1366 `byte & 0xF8`; BM1368 and BM1370
    /// `(byte & 0xF0) >> 1`, the small core in the low bits.
    @Test func theJobBytePacksTheJobIDAndTheSmallCorePerModel() {
        #expect(Codec.jobByte(chipID: 0x1366, jobID: 0x08, smallCore: 3) == 0x0B)
        #expect(Codec.jobByte(chipID: 0x1366, jobID: 0x78, smallCore: 0x0F) == 0x7F)
        #expect(Codec.jobByte(chipID: 0x1368, jobID: 0x18, smallCore: 5) == 0x35)
        #expect(Codec.jobByte(chipID: 0x1370, jobID: 0x78, smallCore: 0x1A) == 0xFA)
        for id in stride(from: UInt8(0), to: 128, by: 24) {
            #expect((Codec.jobByte(chipID: 0x1370, jobID: id, smallCore: 0) & 0xF0) >> 1 == id)
        }
    }
}
