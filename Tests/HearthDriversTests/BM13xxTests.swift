import HearthDrivers
import HearthHAL
import HearthSim
import Synchronization
import Testing

/// The frames against ones captured from real chains (the Bitaxe boards' published init
/// sequences and job packets), then the chain driver against the twin.
@Suite struct BM13xxFrameTests {
    func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    @Test func commandFramesMatchCapturedOnes() {
        typealias C = BM13xx.Command
        #expect(C.read(0x00).bytes == bytes("55 AA 52 05 00 00 0A"), "chip-ID read, all chips")
        #expect(C.chainInactive.bytes == bytes("55 AA 53 05 00 00 03"))
        #expect(C.setAddress(0x00).bytes == bytes("55 AA 40 05 00 00 1C"))
        #expect(C.write(0xA4, BM13xx.versionMaskValue(0x1FFF_E000)).bytes == bytes("55 AA 51 09 00 A4 90 00 FF FF 1C"))
        #expect(C.write(0xA8, 0x0007_0000).bytes == bytes("55 AA 51 09 00 A8 00 07 00 00 03"))
        #expect(C.write(0x18, 0xFF0F_C100).bytes == bytes("55 AA 51 09 00 18 FF 0F C1 00 00"))
        #expect(C.write(0x18, 0xF000_C100).bytes == bytes("55 AA 51 09 00 18 F0 00 C1 00 04"))
        #expect(C.write(0x3C, 0x8000_8540).bytes == bytes("55 AA 51 09 00 3C 80 00 85 40 0C"))
        #expect(C.write(0x3C, 0x8000_8020).bytes == bytes("55 AA 51 09 00 3C 80 00 80 20 19"))
        #expect(C.write(0x3C, 0x8000_8B00).bytes == bytes("55 AA 51 09 00 3C 80 00 8B 00 12"))
        #expect(C.write(0x54, 0x0000_0003).bytes == bytes("55 AA 51 09 00 54 00 00 00 03 1D"))
        #expect(C.write(0x58, 0x0211_1111).bytes == bytes("55 AA 51 09 00 58 02 11 11 11 06"))
        #expect(C.write(0x28, 0x1130_0200).bytes == bytes("55 AA 51 09 00 28 11 30 02 00 03"), "UART to 1 Mbaud")
        #expect(C.write(0x14, BM13xx.ticketMask(difficulty: 256)).bytes == bytes("55 AA 51 09 00 14 00 00 00 FF 08"))
        #expect(C.write(0xA8, 0x0007_01F0, chip: 0).bytes == bytes("55 AA 41 09 00 A8 00 07 01 F0 15"), "one chip")
        #expect(C.write(0x2C, 0x007C_0003, chip: 0).bytes == bytes("55 AA 41 09 00 2C 00 7C 00 03 03"))
    }

    @Test func commandFramesReadBackAndABadCRCIsRefused() throws {
        let frame = BM13xx.Command.write(0x08, 0x40A0_0241).bytes
        let read = try BM13xx.Command(frame: frame)
        #expect(read.operation == .write && read.all && read.payload == [0, 0x08, 0x40, 0xA0, 0x02, 0x41])
        var bad = frame
        bad[7] ^= 0x01
        #expect(throws: HALError.self) { try BM13xx.Command(frame: bad) }
    }

    /// The job packet of the Bitaxe firmware's own characterisation test: header fields byte for
    /// byte, the hashes with their words reversed, and the CRC-16 for two job IDs.
    @Test func jobFrameMatchesACapturedOne() throws {
        let wire = [UInt8](0..<32)
        var job = BM13xx.Job(
            id: 0x08, startingNonce: 0x1234_5678, bits: 0x1705_DD01, time: 0x6465_8BD8,
            merkleRoot: reversedWords(wire), previousHash: reversedWords(wire.map { $0 + 0x20 }), version: 0x2000_0004)
        let expected = bytes("55 AA 21 56 08 01 78 56 34 12 01 DD 05 17 D8 8B 65 64") + wire + wire.map { $0 + 0x20 }
            + bytes("04 00 00 20")
        #expect(job.bytes == expected + bytes("D6 21"))
        job.id = 0x18
        var second = expected
        second[4] = 0x18
        #expect(job.bytes == second + bytes("05 D4"))
        #expect(try BM13xx.Job(frame: job.bytes) == job)
        var bad = job.bytes
        bad[40] ^= 0x80
        #expect(throws: HALError.self) { try BM13xx.Job(frame: bad) }
    }

    func reversedWords(_ bytes: [UInt8]) -> [UInt8] { (0..<8).reversed().flatMap { bytes[($0 * 4)..<($0 * 4 + 4)] } }

    @Test func chipIDAnswerMatchesACapturedOne() throws {
        let answer = bytes("AA 55 13 68 00 00 00 00 00 00 0F")
        #expect(BM13xx.Response.register(0x00, value: 0x1368_0000, chip: 0).bytes == answer)
        #expect(try BM13xx.Response(frame: answer) == .register(0x00, value: 0x1368_0000, chip: 0))
    }

    @Test func nonceFramesCarryTheirFlagAndCRCOverEveryBit() throws {
        let frame = BM13xx.Response.nonce(0xDEAD_BEEF, jobByte: 0x2B, versionBits: 0x1234).bytes
        #expect(frame[0...1] == [0xAA, 0x55] && frame[2...5] == [0xEF, 0xBE, 0xAD, 0xDE], "nonce as in the header")
        #expect(frame[10] & 0x80 != 0 && BM13xx.crc5(Array(frame[2...])) == 0)
        #expect(try BM13xx.Response(frame: frame) == .nonce(0xDEAD_BEEF, jobByte: 0x2B, versionBits: 0x1234))
        for bit in 16..<88 {  // any one bit flipped after the preamble is caught
            var bad = frame
            bad[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(throws: HALError.self) { try BM13xx.Response(frame: bad) }
        }
    }

    @Test func crc16AgainstItsCatalogueValue() {
        #expect(BM13xx.crc16(Array("123456789".utf8)) == 0x29B1, "CRC-16/CCITT-FALSE check value")
    }

    @Test func pllSettingsMakeTheClockAskedWithinTheDividers() throws {
        #expect(BM13xx.frequency(pll: 0x40A0_0241) == 200, "the Bitaxe's BM1370 start value")
        for model in BM13xx.Model.allCases {
            for mhz in stride(from: 50.0, through: 800, by: 6.25) {
                let pll = try #require(BM13xx.pll(for: mhz, model: model))
                #expect(abs(pll.mhz - mhz) < 1, "\(model) \(mhz) MHz → \(pll.mhz)")
                #expect(BM13xx.frequency(pll: pll.value) == pll.mhz)
                let vco = 25.0 * Double(pll.value >> 16 & 0xFF) / Double(pll.value >> 8 & 0xFF)
                #expect(pll.value >> 24 == (vco >= 2400 ? 0x50 : 0x40))
            }
        }
    }

    @Test func ticketMasksForPowersOfTwo() {
        #expect(BM13xx.ticketMask(difficulty: 1) == 0)
        #expect(BM13xx.ticketMask(difficulty: 256) == 0x0000_00FF)
        #expect(BM13xx.ticketMask(difficulty: 512) == 0x0000_80FF, "each byte's bits reversed")
        #expect(BM13xx.ticketMask(difficulty: 700) == BM13xx.ticketMask(difficulty: 512), "down to a power of two")
        for exponent in 0...32 {
            let difficulty = Double(UInt64(1) << UInt64(exponent))
            #expect(BM13xx.difficulty(ticketMask: BM13xx.ticketMask(difficulty: difficulty)) == difficulty)
        }
    }
}

@Suite struct BM13xxChainTests {
    let reset = SimDigitalLine(name: "asic-reset")
    let power = SimDigitalLine(name: "asic-power")

    func error(of body: () throws(HALError) -> Void) -> HALError? {
        do throws(HALError) {
            try body()
            return nil
        } catch {
            return error
        }
    }

    func chain(_ twin: BM13xxTwin, model: BM13xx.Model = .bm1366, fastBaud: Int? = BM13xx.fastBaud) -> BM13xxChain {
        BM13xxChain(
            port: twin, reset: reset, power: power,
            configuration: .init(model: model, fastBaud: fastBaud), sleep: { _ in })
    }

    @Test(arguments: [(BM13xx.Model.bm1366, 1), (.bm1368, 4), (.bm1370, 3)])
    func startCountsAddressesAndSpeedsUpTheChain(model: BM13xx.Model, chips: Int) throws {
        let twin = BM13xxTwin(settings: .init(model: model, chips: chips), reset: reset, power: power)
        let chain = chain(twin, model: model)
        #expect(try chain.start() == chips)
        #expect(power.isActive == true && reset.isActive == false)
        #expect(twin.addresses == (0..<chips).map { UInt8($0 * (256 / chips)) }, "spread evenly over the addresses")
        #expect(twin.register(BM13xx.Register.ticketMask) == 0x0000_00FF)
        #expect(twin.register(BM13xx.Register.versionMask) == 0x9000_FFFF)
        #expect(twin.chipBaud == BM13xx.fastBaud && twin.badFrames == 0)
    }

    @Test func noChipsIsUnavailableAndAnotherModelIsBadData() throws {
        let silent = BM13xxTwin(reset: reset, power: power)
        silent.inject(.silent)
        #expect(error(of: { () throws(HALError) in _ = try chain(silent).start() })?.kind == .unavailable)
        #expect(reset.isActive == true && power.isActive == false, "a chain that did not come up is left in reset, unpowered")
        let other = BM13xxTwin(settings: .init(model: .bm1370), reset: reset, power: power)
        #expect(error(of: { () throws(HALError) in _ = try chain(other, model: .bm1366).start() })?.kind == .badData)
    }

    @Test func theClockRampsInSmallStepsBothWays() throws {
        let twin = BM13xxTwin(reset: reset, power: power)
        let chain = chain(twin)
        try chain.start()
        var steps = 0
        while try !chain.step(toward: 490) { steps += 1 }
        let up = twin.frequencies
        #expect(abs(up.last! - 490) < 0.5 && steps > 60)
        for (before, after) in zip([BM13xx.resetFrequency] + up, up) { #expect(after - before <= 6.8 && after > before) }
        while try !chain.step(toward: 100) {}
        let down = Array(twin.frequencies.dropFirst(up.count))
        for (before, after) in zip([up.last!] + down, down) { #expect(before - after <= 6.8 && after < before) }
        #expect(abs(chain.frequency - 100) < 0.5)
    }

    @Test func framesAreFoundAgainAfterNoiseAndBadOnesCounted() throws {
        let twin = BM13xxTwin(reset: reset, power: power)
        let chain = chain(twin, fastBaud: nil)
        try chain.start()
        twin.inject(.corrupt)
        try chain.send(.read(BM13xx.Register.chipID))
        #expect(try chain.responses(timeout: .zero).isEmpty)
        #expect(chain.badFrames == 1)
        twin.inject(nil)
        try chain.send(.read(BM13xx.Register.chipID))
        #expect(try chain.responses(timeout: .zero) == [.register(0, value: 0x1366_0000, chip: 0)])
    }

    /// The core voltage is set while the supply is still off and the chips in reset.
    @Test func theCoreVoltageIsSetBeforeTheSupplyComesOn() throws {
        final class Watching: VoltageRegulator {
            let name = "watching"
            let power: SimDigitalLine
            let reset: SimDigitalLine
            let seen = Mutex<[(Volts, Bool?, Bool?)]>([])
            init(power: SimDigitalLine, reset: SimDigitalLine) {
                self.power = power
                self.reset = reset
            }
            func setVoltage(_ volts: Volts) throws(HALError) -> Volts {
                seen.withLock { $0.append((volts, power.isActive, reset.isActive)) }
                return volts
            }
        }
        try power.set(active: false)
        let regulator = Watching(power: power, reset: reset)
        let twin = BM13xxTwin(reset: reset, power: power)
        let chain = BM13xxChain(
            port: twin, reset: reset, power: power, regulator: regulator,
            configuration: .init(model: .bm1366, coreVolts: Volts(1.2)), sleep: { _ in })
        try chain.start()
        let seen = regulator.seen.withLock { $0 }
        #expect(seen.count == 1 && seen[0].0 == Volts(1.2) && seen[0].1 == false && seen[0].2 == true)
    }

    /// As a hash board: nonces only, each with its job ID unpacked and its version bits in place;
    /// a clock that is not a number is refused, and a job whose hashes are not 32 bytes before
    /// anything is sent.
    @Test func asAHashBoardItSpeaksNeutralJobsAndNonces() throws {
        let twin = BM13xxTwin(settings: .init(model: .bm1368), reset: reset, power: power)
        let board: any HashBoard = chain(twin, model: .bm1368)
        #expect(try board.start(abandoningIf: { false }) == 1)
        #expect(board.smallCoresPerChip == 1276 && board.ticketDifficulty == 256 && board.name == "sim-uart")
        twin.emit(.register(0x00, value: 0x1368_0000, chip: 0))
        twin.emit(.nonce(0x1234_5678, jobByte: BM13xxTwinCodec.jobByte(chipID: 0x1368, jobID: 24, smallCore: 5), versionBits: 0x0003))
        #expect(try board.nonces(timeout: .zero) == [HashNonce(nonce: 0x1234_5678, jobID: 24, versionBits: 0x6000)])
        #expect(error(of: { () throws(HALError) in _ = try board.step(toward: .nan) })?.kind == .outOfRange)
        let short = HashJob(id: 24, version: 0x2000_0000, previousHash: [UInt8](repeating: 0, count: 32), merkleRoot: [1, 2, 3], time: 0, bits: 0)
        #expect(error(of: { () throws(HALError) in try board.send(short) })?.kind == .outOfRange)
        #expect(twin.jobs == 0)
        var whole = short
        whole.merkleRoot = [UInt8](0..<32)
        try board.send(whole)
        #expect(twin.jobs == 1 && twin.currentJob?.merkleRoot == whole.merkleRoot && twin.currentJob?.id == 24)
    }

    @Test func stopHoldsResetAndCutsTheSupplyAndTheChipsForget() throws {
        let twin = BM13xxTwin(reset: reset, power: power)
        let chain = chain(twin)
        try chain.start()
        try chain.stop()
        #expect(reset.isActive == true && power.isActive == false)
        try chain.send(.read(BM13xx.Register.chipID))
        #expect(try chain.responses(timeout: .zero).isEmpty, "nothing while held in reset")
        #expect(try chain.start() == 1, "starts again from reset at the reset speed")
    }
}
