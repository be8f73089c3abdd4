import Crypto
import Foundation
import HearthMining
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 examples (and the NIST test vectors that go with them).
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func fipsVectors(message: String, digest: String) {
        #expect(SHA256.hash(Array(message.utf8)).hex == digest)
    }

    @Test func aMillionAs() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(message).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func agreesWithSwiftCryptoAtEveryLengthAroundTheBlockBoundaries() {
        for length in 0...200 {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) }
            #expect(SHA256.hash(message) == Array(Crypto.SHA256.hash(data: message)), "length \(length)")
        }
    }

    @Test func hexRoundTripAndRefusals() {
        #expect([UInt8](hex: "00ff10Ab") == [0x00, 0xFF, 0x10, 0xAB])
        #expect([UInt8](hex: "abc") == nil, "odd length")
        #expect([UInt8](hex: "zz") == nil)
        #expect([0x00, 0xFF, 0x10, 0xAB].hex == "00ff10ab")
    }
}
