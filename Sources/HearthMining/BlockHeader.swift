/// Why bytes are not a block or a header.
public struct BlockError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An 80-byte Bitcoin block header, with its fields as the wire carries them (little-endian
/// integers; hashes in internal byte order, the reverse of how explorers display them).
public struct BlockHeader: Hashable, Sendable {
    public var version: UInt32
    /// The previous block's hash, internal byte order.
    public var previousHash: [UInt8]
    /// The merkle root of the block's transactions, internal byte order.
    public var merkleRoot: [UInt8]
    public var time: UInt32
    /// The target in compact form.
    public var bits: UInt32
    public var nonce: UInt32

    public init(version: UInt32, previousHash: [UInt8], merkleRoot: [UInt8], time: UInt32, bits: UInt32, nonce: UInt32) {
        self.version = version
        self.previousHash = previousHash
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
        self.nonce = nonce
    }

    /// Parses exactly 80 bytes.
    public init(bytes: [UInt8]) throws(BlockError) {
        guard bytes.count == 80 else { throw BlockError("a block header is 80 bytes, got \(bytes.count)") }
        version = littleEndian(bytes, 0)
        previousHash = Array(bytes[4..<36])
        merkleRoot = Array(bytes[36..<68])
        time = littleEndian(bytes, 68)
        bits = littleEndian(bytes, 72)
        nonce = littleEndian(bytes, 76)
    }

    /// Parses 160 hexadecimal characters.
    public init(hex: String) throws(BlockError) {
        guard let bytes = [UInt8](hex: hex) else {
            throw BlockError("not hexadecimal: an even number of 0-9, a-f characters is expected")
        }
        try self.init(bytes: bytes)
    }

    /// The 80 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(80)
        appendLittleEndian(version, to: &out)
        out += previousHash
        out += merkleRoot
        appendLittleEndian(time, to: &out)
        appendLittleEndian(bits, to: &out)
        appendLittleEndian(nonce, to: &out)
        return out
    }

    /// SHA-256d of the header, internal byte order.
    public var hash: [UInt8] { SHA256.doubleHash(bytes) }

    /// The hash as explorers show it: byte-reversed hex.
    public var displayHash: String { Array(hash.reversed()).hex }

    /// The target `bits` encodes.
    public var target: Target { Target(compact: bits) }
}

/// A 256-bit target: a hash meets it when, read as a little-endian number, it is not above it.
public struct Target: Hashable, Sendable, Comparable {
    /// The number, as 32 bytes most significant first.
    public let bigEndian: [UInt8]

    public init(bigEndian: [UInt8]) {
        precondition(bigEndian.count == 32)
        self.bigEndian = bigEndian
    }

    /// The target of compact `bits`: mantissa · 256^(exponent − 3).
    public init(compact bits: UInt32) {
        let exponent = Int(bits >> 24)
        var mantissa = bits & 0x007F_FFFF
        var bytes = [UInt8](repeating: 0, count: 32)
        if exponent <= 3 {
            mantissa >>= UInt32(8 * (3 - exponent))
            for i in 0..<3 { bytes[31 - i] = UInt8(mantissa >> UInt32(8 * i) & 0xFF) }
        } else {
            for i in 0..<3 {
                let position = 32 - exponent + (2 - i)
                if (0..<32).contains(position) { bytes[position] = UInt8(mantissa >> UInt32(8 * i) & 0xFF) }
            }
        }
        bigEndian = bytes
    }

    /// Pool difficulty 1: 0xFFFF · 2^208.
    public static let difficultyOne = Target(compact: 0x1D00_FFFF)

    /// The target of a pool difficulty: difficulty-1 target ÷ `difficulty`, to a Double's
    /// precision (as pools compute it). Below difficulty 2^-32 the target is capped at 2^256 − 1.
    public init(difficulty: Double) {
        precondition(difficulty > 0 && difficulty.isFinite, "a difficulty is a positive number")
        var remaining = 65535 / difficulty * 0x1p208
        guard remaining < 0x1p256 else {
            self.init(bigEndian: [UInt8](repeating: 0xFF, count: 32))
            return
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            let unit = Double(sign: .plus, exponent: 8 * (31 - index), significand: 1)
            let byte = (remaining / unit).rounded(.towardZero)
            bytes[index] = UInt8(min(byte, 255))
            remaining -= Double(bytes[index]) * unit
        }
        self.init(bigEndian: bytes)
    }

    /// Whether a hash (internal byte order) meets the target.
    public func isMet(by hash: [UInt8]) -> Bool {
        // hash ≤ target, both read most significant byte first, without copying the hash.
        !bigEndian.lexicographicallyPrecedes(hash.reversed())
    }

    public static func < (lhs: Target, rhs: Target) -> Bool { lhs.bigEndian.lexicographicallyPrecedes(rhs.bigEndian) }

    /// The number as a Double (enough for difficulties).
    var value: Double { bigEndian.reduce(0) { $0 * 256 + Double($1) } }

    /// The difficulty of this target: difficulty-1 target ÷ this target.
    public var difficulty: Double { Target.difficultyOne.value / value }

    /// The difficulty a hash (internal byte order) achieves: difficulty-1 target ÷ the hash.
    public static func difficulty(of hash: [UInt8]) -> Double {
        let value = hash.reversed().reduce(0.0) { $0 * 256 + Double($1) }
        return value == 0 ? .infinity : difficultyOne.value / value
    }
}

func littleEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
}

func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
}
