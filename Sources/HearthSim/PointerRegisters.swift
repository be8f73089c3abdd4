/// The register protocol most sensor chips share: the first byte of a write sets a pointer; a
/// read returns the pointed register's bytes, most significant first, and goes on repeating that
/// register until the pointer is written again.
struct PointerRegisters {
    private(set) var pointer: UInt8 = 0
    private var outgoing: [UInt8] = []

    /// Points at a register, dropping what was left of the last one.
    mutating func point(at pointer: UInt8) {
        self.pointer = pointer
        outgoing = []
    }

    /// `count` bytes, fetching the pointed register's bytes from `register` whenever the last
    /// fetch is used up.
    mutating func send(count: Int, _ register: (UInt8) -> [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            if outgoing.isEmpty { outgoing = register(pointer) }
            bytes.append(outgoing.removeFirst())
        }
        return bytes
    }
}

/// A 16-bit value as sent on the bus, most significant byte first.
func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
