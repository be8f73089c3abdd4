import HearthMining
import Testing

@Suite struct NonceScannerTests {
    @Test(arguments: [0, 99960, 99993])
    func findsTheRealNonceAndNoOther(height: Int) throws {
        let header = try Block(bytes: Fixture.blocks[height]!).header
        let scanner = NonceScanner(header: header)
        #expect(SHA256.digestBytes(scanner.hashState(nonce: header.nonce)) == header.hash, "midstate path = plain SHA-256d")
        let window = header.nonce &- 2000...header.nonce &+ 2000
        #expect(scanner.scan(window) == [header.nonce])
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
