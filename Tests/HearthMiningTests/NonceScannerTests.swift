import HearthMining
import HearthTestFixtures
import Testing

@Suite struct NonceScannerTests {
    @Test(arguments: [0, 99960, 99993])
    func findsTheRealNonceAndNoOther(height: Int) throws {
        let header = try Block(bytes: Fixture.blocks[height]!).header
        let scanner = NonceScanner(header: header)
        #expect(SHA256.digestBytes(scanner.hashState(nonce: header.nonce)) == header.hash, "midstate path = plain SHA-256d")
        let window = header.nonce &- 2000...header.nonce &+ 2000
        for kernel in NonceScanner.Kernel.available {
            #expect(scanner.scan(window, kernel: kernel) == [header.nonce], "\(kernel)")
        }
    }

    /// Each C kernel the CPU runs finds exactly the shares the Swift reference finds, over a range
    /// that is no multiple of its lanes, across a chunk boundary and at the top of the nonce space.
    @Test(arguments: NonceScanner.Kernel.allCases.filter { $0 != .scalar })
    func aCKernelAgreesWithScalarOnEveryShare(kernel: NonceScanner.Kernel) throws {
        guard NonceScanner.Kernel.available.contains(kernel) else { return }  // this CPU lacks it
        let header = try Block(bytes: Fixture.blocks[99993]!).header
        var easy = [UInt8](repeating: 0, count: 32)
        easy[1] = 0x01
        let scanner = NonceScanner(header: header, target: Target(bigEndian: easy))
        let scalar = scanner.scan(0...300_000, kernel: .scalar)
        #expect(!scalar.isEmpty)
        #expect(scanner.scan(0...300_000, kernel: kernel) == scalar)
        #expect(scanner.scan(UInt32.max - 150_000...UInt32.max, kernel: kernel)
                == scanner.scan(UInt32.max - 150_000...UInt32.max, kernel: .scalar))
        #expect(scanner.scan(77...83, kernel: kernel) == scanner.scan(77...83, kernel: .scalar), "fewer nonces than lanes")
    }

    @Test func theKnownAnswerIsTheGenesisBlock() throws {
        #expect(NonceScanner.knownAnswerHeader == (try Block(bytes: Fixture.blocks[0]!).header))
        #expect(NonceScanner.Kernel.available.first == .scalar, "the reference is always there")
    }

    @Test func anEasyTargetFindsManyShares() throws {
        let header = try Block(bytes: Fixture.blocks[0]!).header
        // Difficulty 1/65536 of pool difficulty 1: about one nonce in 2^16 meets it.
        var easy = [UInt8](repeating: 0, count: 32)
        easy[2] = 0xFF
        easy[3] = 0xFF
        let found = NonceScanner(header: header, target: Target(bigEndian: easy)).scan(0...200_000)
        #expect(found.count > 0 && found.count < 12)
        for nonce in found {
            var share = header
            share.nonce = nonce
            #expect(Target(bigEndian: easy).isMet(by: share.hash))
        }
    }
}
