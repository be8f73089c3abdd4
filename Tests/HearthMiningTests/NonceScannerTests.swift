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

/// `auto` takes the kernel that measures fastest on this CPU, not the one ranked first.
@Suite struct KernelChoiceTests {
    /// The rates measured side by side on two machines (BENCHMARKS.md), as a fake timer.
    @Test func theFastestByMeasureWinsWhateverTheRanking() {
        let intel: [NonceScanner.Kernel: Double] = [.scalar: 0.9e6, .avx2: 9.5e6, .avx512: 18.9e6, .shani: 10.1e6]
        let onIntel = KernelChoice.fastest(of: [.scalar, .avx2, .avx512, .shani]) { intel[$0] ?? 0 }
        #expect(onIntel.kernel == .avx512, "the ranking put SHA-NI last and took it; it does half")
        #expect(onIntel.rates.map(\.kernel) == [.scalar, .avx2, .avx512, .shani], "every candidate in the table, in order")
        let amd: [NonceScanner.Kernel: Double] = [.scalar: 0.92e6, .avx2: 11.1e6, .shani: 21.6e6]
        #expect(KernelChoice.fastest(of: [.scalar, .avx2, .shani]) { amd[$0] ?? 0 }.kernel == .shani)
    }

    @Test func aRateThatIsNotANumberNeverWinsAndTiesGoToTheLater() {
        let broken = KernelChoice.fastest(of: [.scalar, .avx2, .shani]) { kernel in
            switch kernel {
            case .avx2: .nan
            case .shani: .infinity
            default: 1e6
            }
        }
        #expect(broken.kernel == .scalar)
        #expect(KernelChoice.fastest(of: [.scalar, .avx2]) { _ in 5e6 }.kernel == .avx2)
        #expect(KernelChoice.fastest(of: []) { _ in 1 }.kernel == .scalar, "nothing measured: the scalar kernel")
        #expect(KernelChoice.fastest(of: [.avx2]) { _ in 0 }.kernel == .scalar)
    }

    /// On this CPU: the choice is one of the kernels it runs, measured, and the table says so.
    @Test func theMeasuredChoiceIsAKernelThisCPURuns() {
        let choice = KernelChoice.measured
        #expect(NonceScanner.Kernel.available.contains(choice.kernel))
        #expect(choice.rates.map(\.kernel) == NonceScanner.Kernel.available)
        #expect(choice.rates.allSatisfy { $0.hashesPerSecond > 0 })
        #expect(NonceScanner.Kernel.best == choice.kernel)
        #expect(choice.description.hasPrefix("\(choice.kernel.rawValue) (scalar "))
    }
}
