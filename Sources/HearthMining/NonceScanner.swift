import CSHA256

/// The mining loop with the standard tricks: the first 64 bytes of the header are
/// compressed once per job (the midstate); the second block's padding and the second hash's
/// padding are fixed; only the nonce word changes from one try to the next, and nothing is
/// allocated inside the loop.
public struct NonceScanner: Sendable {
    /// Which implementation hashes.
    public enum Kernel: String, Sendable, CaseIterable {
        /// Portable Swift: the reference, and the fallback everywhere.
        case scalar
        /// AVX2, in C: eight nonces at a time, one in each lane.
        case avx2
        /// AVX-512, in C: sixteen nonces at a time.
        case avx512
        /// The x86 SHA extensions, in C, two interleaved streams.
        case shani
        /// The ARMv8 SHA-2 instructions, in C, two interleaved streams (a Raspberry Pi 5 has them;
        /// a Pi 4 and a Zero 2 W do not).
        case armv8

        /// The kernels this CPU can run, slowest first (as measured on Zen 4: BENCHMARKS.md): those
        /// its features allow that also pass a known-answer test, so that a kernel that computes
        /// wrong on some CPU is never used there (it would lose shares, silently).
        public static var available: [Kernel] { verified }

        private static let verified: [Kernel] = {
            let features = hearth_sha256_features()
            func has(_ feature: Int32) -> Bool { features & feature != 0 }
            var kernels: [Kernel] = [.scalar]
            if has(Int32(HEARTH_SHA256_FEATURE_AVX2)) { kernels.append(.avx2) }
            if has(Int32(HEARTH_SHA256_FEATURE_AVX512)) { kernels.append(.avx512) }
            if has(Int32(HEARTH_SHA256_FEATURE_SHANI)) { kernels.append(.shani) }
            if has(Int32(HEARTH_SHA256_FEATURE_ARMV8)) { kernels.append(.armv8) }
            return kernels.filter(NonceScanner.passesKnownAnswer)
        }()

        /// The fastest kernel this CPU runs, as measured once per process (`KernelChoice.measured`);
        /// the scalar kernel should every other fail its known-answer check.
        public static var best: Kernel { KernelChoice.measured.kernel }

        /// The widest vector kernel this CPU can run, if any.
        public static var widestSIMD: Kernel? { available.last { $0 == .avx2 || $0 == .avx512 } }

        typealias Scan = @convention(c) (
            UnsafePointer<UInt32>?, UnsafePointer<UInt32>?, UInt32, UInt32, UInt32, UnsafeMutablePointer<UInt32>?, Int32
        ) -> Int32

        /// The C scan, for the kernels written in C.
        var scan: Scan? {
            switch self {
            case .scalar: nil
            case .avx2: hearth_sha256d_scan_avx2
            case .avx512: hearth_sha256d_scan_avx512
            case .shani: hearth_sha256d_scan_shani
            case .armv8: hearth_sha256d_scan_armv8
            }
        }
    }

    /// The state after the header's first 64 bytes.
    public let midstate: SIMD8<UInt32>
    /// The second block's words with the nonce slot (word 3) left to fill.
    let tail: SIMD16<UInt32>
    let target: Target
    /// The target's most significant 32 bits, compared against the hash's last word first.
    let targetTop: UInt32

    public init(header: BlockHeader, target: Target? = nil) {
        let bytes = header.bytes
        var state = SHA256.initialVector
        SHA256.compress(&state, block: SHA256.words(bytes, at: 0))
        midstate = state
        var block = SIMD16<UInt32>()
        for i in 0..<3 {
            let j = 64 + 4 * i
            block[i] = UInt32(bytes[j]) << 24 | UInt32(bytes[j + 1]) << 16 | UInt32(bytes[j + 2]) << 8 | UInt32(bytes[j + 3])
        }
        block[4] = 0x8000_0000
        block[15] = 640  // 80 bytes, in bits
        tail = block
        let target = target ?? header.target
        self.target = target
        targetTop = UInt32(target.bigEndian[0]) << 24 | UInt32(target.bigEndian[1]) << 16
            | UInt32(target.bigEndian[2]) << 8 | UInt32(target.bigEndian[3])
    }

    /// The header's nonce as the hash input carries it: a little-endian field read big-endian.
    @inlinable
    static func nonceWord(_ nonce: UInt32) -> UInt32 { nonce.byteSwapped }

    /// The double hash for one nonce, as eight big-endian state words.
    public func hashState(nonce: UInt32) -> SIMD8<UInt32> {
        var block = tail
        block[3] = Self.nonceWord(nonce)
        var first = midstate
        SHA256.compress(&first, block: block)
        var second = SHA256.initialVector
        var words = SIMD16<UInt32>()
        for i in 0..<8 { words[i] = first[i] }
        words[8] = 0x8000_0000
        words[15] = 256
        SHA256.compress(&second, block: words)
        return second
    }

    /// Tries every nonce in `range` with `kernel` (the best this CPU has by default); returns
    /// those whose header hash meets the target. A kernel the CPU lacks falls back to scalar.
    public func scan(_ range: ClosedRange<UInt32>, kernel: Kernel = .best) -> [UInt32] {
        guard let scanC = kernel.scan, Kernel.available.contains(kernel) else { return scanScalar(range) }
        return scan(range, with: scanC)
    }

    /// Every nonce in `range` that meets the target, by a C kernel: its candidates (the top word
    /// at or below the target's) checked in full against the Swift reference.
    private func scan(_ range: ClosedRange<UInt32>, with scanC: Kernel.Scan) -> [UInt32] {
        var state = [midstate[0], midstate[1], midstate[2], midstate[3], midstate[4], midstate[5], midstate[6], midstate[7]]
        var words = [tail[0], tail[1], tail[2]]
        var candidates = [UInt32](repeating: 0, count: 64)
        var found: [UInt32] = []
        var first = range.lowerBound
        while true {
            // In chunks, so a count always fits 32 bits and the candidate buffer cannot fill.
            let last = range.upperBound - first < 1 << 20 ? range.upperBound : first + (1 << 20) - 1
            let count = last - first + 1
            let written = scanC(&state, &words, first, count, targetTop, &candidates, Int32(candidates.count))
            for nonce in candidates.prefix(Int(max(written, 0))) where meets(hashState(nonce: nonce)) {
                found.append(nonce)
            }
            if last == range.upperBound { return found }
            first = last + 1
        }
    }

    /// The genesis block's header: the known answer every kernel is checked against.
    public static let knownAnswerHeader = BlockHeader(
        version: 1, previousHash: [UInt8](repeating: 0, count: 32),
        merkleRoot: [
            0x3B, 0xA3, 0xED, 0xFD, 0x7A, 0x7B, 0x12, 0xB2, 0x7A, 0xC7, 0x2C, 0x3E, 0x67, 0x76, 0x8F, 0x61,
            0x7F, 0xC8, 0x1B, 0xC3, 0x88, 0x8A, 0x51, 0x32, 0x3A, 0x9F, 0xB8, 0xAA, 0x4B, 0x1E, 0x5E, 0x4A,
        ],
        time: 1_231_006_505, bits: 0x1D00_FFFF, nonce: 2_083_236_893)

    /// Whether `kernel` finds the genesis block's nonce among its neighbours, and at an easy
    /// target exactly the shares the Swift reference finds (over a count no multiple of lanes).
    static func passesKnownAnswer(_ kernel: Kernel) -> Bool {
        guard let scanC = kernel.scan else { return true }
        let header = knownAnswerHeader
        let real = NonceScanner(header: header)
        guard real.scan(header.nonce - 37...header.nonce + 41, with: scanC) == [header.nonce] else { return false }
        var easy = [UInt8](repeating: 0, count: 32)
        easy[0] = 0x0F
        let loose = NonceScanner(header: header, target: Target(bigEndian: easy))
        return loose.scan(1000...1098, with: scanC) == loose.scanScalar(1000...1098)
    }

    func scanScalar(_ range: ClosedRange<UInt32>) -> [UInt32] {
        var found: [UInt32] = []
        var nonce = range.lowerBound
        while true {
            let state = hashState(nonce: nonce)
            // The hash read as a number is the state's bytes reversed: its top 32 bits are the
            // last word, byte-swapped. Most tries fail on that word alone.
            if state[7].byteSwapped <= targetTop, meets(state) { found.append(nonce) }
            if nonce == range.upperBound { break }
            nonce &+= 1
        }
        return found
    }

    private func meets(_ state: SIMD8<UInt32>) -> Bool {
        target.isMet(by: SHA256.bytes(state))
    }
}
