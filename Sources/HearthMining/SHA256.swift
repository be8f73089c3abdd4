/// SHA-256 (FIPS 180-4), written out for the miner: the compression function on eight words of
/// state, and the hash of a whole message on top. swift-crypto is the reference in the tests; the
/// mining loop needs the compression function itself (midstates, fixed padding), which no library
/// exposes.
public enum SHA256 {
    /// The initial hash value H(0).
    public static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    /// The round constants K.
    @usableFromInline static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Compresses one 64-byte block, given as 16 big-endian words, into `state`.
    @inlinable
    public static func compress(_ state: inout SIMD8<UInt32>, block w0: SIMD16<UInt32>) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 { w[i] = w0[i] }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = state[0], b = state[1], c = state[2], d = state[3]
            var e = state[4], f = state[5], g = state[6], h = state[7]
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let choice = (e & f) ^ (~e & g)
                let t1 = h &+ s1 &+ choice &+ roundConstants[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                h = g
                g = f
                f = e
                e = d &+ t1
                d = c
                c = b
                b = a
                a = t1 &+ s0 &+ majority
            }
            state &+= SIMD8(a, b, c, d, e, f, g, h)
        }
    }

    @inlinable
    @inline(__always)
    static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// The initial state as a vector.
    public static var initialVector: SIMD8<UInt32> {
        SIMD8(initialState[0], initialState[1], initialState[2], initialState[3], initialState[4], initialState[5],
              initialState[6], initialState[7])
    }

    /// Big-endian words of a 64-byte block starting at `offset`.
    static func words(_ bytes: [UInt8], at offset: Int) -> SIMD16<UInt32> {
        var block = SIMD16<UInt32>()
        for i in 0..<16 {
            let j = offset + 4 * i
            block[i] = UInt32(bytes[j]) << 24 | UInt32(bytes[j + 1]) << 16 | UInt32(bytes[j + 2]) << 8 | UInt32(bytes[j + 3])
        }
        return block
    }

    /// The state as 32 bytes, each word big-endian.
    static func bytes(_ state: SIMD8<UInt32>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in 0..<8 {
            out += [UInt8(state[i] >> 24), UInt8(state[i] >> 16 & 0xFF), UInt8(state[i] >> 8 & 0xFF), UInt8(state[i] & 0xFF)]
        }
        return out
    }

    /// A state as the 32 digest bytes it stands for.
    public static func digestBytes(_ state: SIMD8<UInt32>) -> [UInt8] { bytes(state) }

    /// SHA-256 of a message.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(bits >> UInt64(shift) & 0xFF)) }
        var state = initialVector
        for offset in stride(from: 0, to: padded.count, by: 64) {
            compress(&state, block: words(padded, at: offset))
        }
        return bytes(state)
    }

    /// SHA-256 applied twice, as Bitcoin hashes headers and transactions.
    public static func doubleHash(_ message: [UInt8]) -> [UInt8] { hash(hash(message)) }
}

extension Array where Element == UInt8 {
    /// Bytes from hexadecimal text; `nil` for an odd length or a character that is not a hex digit.
    public init?(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { return nil }
        self = bytes
    }

    /// Lower-case hexadecimal.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
