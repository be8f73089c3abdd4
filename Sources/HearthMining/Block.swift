/// A whole block as serialized on the wire: the header, then its transactions. Legacy (pre-segwit)
/// serialization; a segwit block is refused with a clear error rather than misread.
public struct Block: Sendable {
    public let header: BlockHeader
    /// Each transaction's bytes, coinbase first.
    public let transactions: [[UInt8]]

    public init(bytes: [UInt8]) throws(BlockError) {
        guard bytes.count >= 81 else { throw BlockError("a block is at least 81 bytes, got \(bytes.count)") }
        header = try BlockHeader(bytes: Array(bytes[0..<80]))
        var reader = ByteReader(bytes: bytes, offset: 80)
        let count = try reader.varInt()
        var transactions: [[UInt8]] = []
        for index in 0..<count {
            let start = reader.offset
            do {
                try reader.transaction()
            } catch {
                throw BlockError("transaction \(index): \(error.description)")
            }
            transactions.append(Array(bytes[start..<reader.offset]))
        }
        guard reader.offset == bytes.count else {
            throw BlockError("\(bytes.count - reader.offset) bytes after the last transaction")
        }
        self.transactions = transactions
    }

    /// The transaction ids, internal byte order.
    public var transactionIDs: [[UInt8]] { transactions.map(SHA256.doubleHash) }

    /// The merkle root of the transactions, internal byte order.
    public var merkleRoot: [UInt8] { Merkle.root(of: transactionIDs) }
}

/// Bitcoin's merkle tree of SHA-256d: pairs hashed level by level, an odd last one paired with itself.
public enum Merkle {
    public static func root(of leaves: [[UInt8]]) -> [UInt8] {
        guard !leaves.isEmpty else { return [UInt8](repeating: 0, count: 32) }
        var level = leaves
        while level.count > 1 {
            if level.count % 2 == 1 { level.append(level[level.count - 1]) }
            level = stride(from: 0, to: level.count, by: 2).map { SHA256.doubleHash(level[$0] + level[$0 + 1]) }
        }
        return level[0]
    }

    /// The branch a Stratum pool sends for the coinbase (leaf 0): the sibling at each level.
    public static func branch(of leaves: [[UInt8]]) -> [[UInt8]] {
        var branch: [[UInt8]] = []
        var level = leaves
        while level.count > 1 {
            if level.count % 2 == 1 { level.append(level[level.count - 1]) }
            branch.append(level[1])
            level = stride(from: 0, to: level.count, by: 2).map { SHA256.doubleHash(level[$0] + level[$0 + 1]) }
        }
        return branch
    }

    /// The root from the coinbase's id and a branch: how a miner builds the header of a pool's job.
    public static func root(coinbase: [UInt8], branch: [[UInt8]]) -> [UInt8] {
        branch.reduce(coinbase) { SHA256.doubleHash($0 + $1) }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func take(_ count: Int) throws(BlockError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else {
            throw BlockError("truncated at byte \(offset): \(count) more bytes expected")
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func varInt() throws(BlockError) -> Int {
        let first = try take(1).first!
        let width = switch first {
        case 0xFD: 2
        case 0xFE: 4
        case 0xFF: 8
        default: 0
        }
        guard width > 0 else { return Int(first) }
        let value = try take(width).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard value <= UInt64(bytes.count) else { throw BlockError("a count of \(value) at byte \(offset) cannot fit the block") }
        return Int(value)
    }

    /// Reads one (legacy-serialized) transaction; returns its outputs' values, satoshis.
    @discardableResult
    mutating func transaction() throws(BlockError) -> [UInt64] {
        _ = try take(4)  // version
        if offset + 1 < bytes.count, bytes[offset] == 0, bytes[offset + 1] == 1 {
            throw BlockError("segwit serialization is not supported")
        }
        let inputs = try varInt()
        for _ in 0..<inputs {
            _ = try take(36)  // previous output
            _ = try take(try varInt())  // script
            _ = try take(4)  // sequence
        }
        var values: [UInt64] = []
        for _ in 0..<(try varInt()) {
            values.append(try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            _ = try take(try varInt())  // script
        }
        _ = try take(4)  // lock time
        return values
    }
}
