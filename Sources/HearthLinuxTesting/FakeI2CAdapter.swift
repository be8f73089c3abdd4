import CI2C
import Glibc
import HearthLinux
import Synchronization

/// An i2c-dev adapter emulated at the ioctl level, behind the `SystemCalls` seam: it answers
/// `I2C_FUNCS`, `I2C_RDWR`, `I2C_SLAVE` and `I2C_SMBUS` the way the kernel does, for devices that
/// are byte-addressed register files with an auto-incrementing pointer (as most sensors are).
/// Any call can be made to fail with a chosen errno.
public final class FakeI2CAdapter: Sendable {
    struct State: Sendable {
        var functionality: UInt
        /// Registers of each device present, by 7-bit address.
        var devices: [UInt8: [UInt8]] = [:]
        var pointers: [UInt8: Int] = [:]
        /// Devices with 16-bit registers (most significant byte first), by 7-bit address.
        var wordDevices: [UInt8: [UInt8: UInt16]] = [:]
        /// Bytes of the word register being read, per word device.
        var outgoing: [UInt8: [UInt8]] = [:]
        var selected: UInt8?
        /// Errors to return, in order, for the next calls of an ioctl request number.
        var forced: [UInt: [Errno]] = [:]
        /// Every ioctl request number, in order.
        var calls: [UInt] = []
    }

    let state: Mutex<State>
    public static let fd: Int32 = 7
    /// The device node the adapter answers at.
    public let path: String

    public init(functionality: UInt, path: String = "/dev/i2c-1") {
        self.path = path
        state = Mutex(State(functionality: functionality))
    }

    public static var plainI2C: UInt { UInt(I2C_FUNC_I2C) | smbusOnly }
    public static var smbusOnly: UInt {
        LinuxI2CBus.Functionality([
            .quick, .readByte, .writeByte, .readByteData, .writeByteData, .readWordData, .writeWordData,
            .readI2CBlock, .writeI2CBlock,
        ]).rawValue
    }

    /// A device of 16-bit registers behind a pointer byte (TMP102, MCP9808, INA2xx): a write of
    /// [pointer, high, low] sets a register, [pointer, byte] an 8-bit one, and reads return the
    /// pointed-to register most significant byte first.
    public func addWordDevice(_ address: UInt8, registers: [UInt8: UInt16]) {
        state.withLock {
            $0.devices[address] = []
            $0.wordDevices[address] = registers
        }
    }

    /// The word registers of a word device.
    public func wordRegisters(_ address: UInt8) -> [UInt8: UInt16] { state.withLock { $0.wordDevices[address] ?? [:] } }

    public func addDevice(_ address: UInt8, registers: [UInt8]) {
        state.withLock { $0.devices[address] = registers }
    }

    public func force(_ request: UInt, _ errors: Errno...) {
        state.withLock { $0.forced[request, default: []] += errors }
    }

    public func registers(_ address: UInt8) -> [UInt8] { state.withLock { $0.devices[address] ?? [] } }
    public var calls: [UInt] { state.withLock { $0.calls } }

    /// System calls where the adapter's node is the only file.
    public var sys: SystemCalls {
        SystemCalls(
            open: { [path] open, _, _ throws(Errno) in
                guard open == path else { throw Errno(ENOENT) }
                return Self.fd
            },
            close: { _ throws(Errno) in },
            read: { _, _ throws(Errno) in throw Errno(EINVAL) },
            write: { _, _ throws(Errno) in throw Errno(EINVAL) },
            ioctl: { [self] fd, request, argument throws(Errno) in
                guard fd == Self.fd else { throw Errno(EBADF) }
                return try ioctl(request, argument)
            },
            listDirectory: { _ throws(Errno) in throw Errno(ENOTDIR) }
        )
    }

    /// `base`, with the adapter answering at its node (for a whole board: sysfs files and the bus).
    public func sys(over base: SystemCalls) -> SystemCalls {
        var sys = base
        sys.open = { [path] open, flags, mode throws(Errno) in
            open == path ? Self.fd : try base.open(open, flags, mode)
        }
        sys.close = { fd throws(Errno) in if fd != Self.fd { try base.close(fd) } }
        sys.ioctl = { [self] fd, request, argument throws(Errno) in
            fd == Self.fd ? try ioctl(request, argument) : try base.ioctl(fd, request, argument)
        }
        return sys
    }

    private func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer?) throws(Errno) -> Int32 {
        let outcome: Result<Int32, Errno> = state.withLock { state in
            state.calls.append(request)
            if var errors = state.forced[request], !errors.isEmpty {
                let error = errors.removeFirst()
                state.forced[request] = errors
                return .failure(error)
            }
            switch request {
            case UInt(I2C_FUNCS):
                argument!.storeBytes(of: state.functionality, as: UInt.self)
                return .success(0)
            case UInt(I2C_SLAVE):
                state.selected = UInt8(UInt(bitPattern: argument))
                return .success(0)
            case UInt(I2C_RDWR):
                return Self.readWrite(&state, argument!.assumingMemoryBound(to: i2c_rdwr_ioctl_data.self).pointee)
            case UInt(I2C_SMBUS):
                return Self.smbus(&state, argument!.assumingMemoryBound(to: i2c_smbus_ioctl_data.self).pointee)
            default:
                return .failure(Errno(ENOTTY))
            }
        }
        return try outcome.get()
    }

    private static func readWrite(_ state: inout State, _ request: i2c_rdwr_ioctl_data) -> Result<Int32, Errno> {
        guard state.functionality & UInt(I2C_FUNC_I2C) != 0 else { return .failure(Errno(EOPNOTSUPP)) }
        for index in 0..<Int(request.nmsgs) {
            let message = request.msgs[index]
            let address = UInt8(message.addr)
            guard state.devices[address] != nil else { return .failure(Errno(ENXIO)) }
            let bytes = UnsafeMutableBufferPointer(start: message.buf, count: Int(message.len))
            if message.flags & UInt16(I2C_M_RD) != 0 {
                for offset in bytes.indices { bytes[offset] = next(&state, address) }
            } else {
                write(&state, address, Array(bytes))
            }
        }
        return .success(Int32(request.nmsgs))
    }

    private static func smbus(_ state: inout State, _ request: i2c_smbus_ioctl_data) -> Result<Int32, Errno> {
        guard let address = state.selected, state.devices[address] != nil else { return .failure(Errno(ENXIO)) }
        let reading = request.read_write == UInt8(I2C_SMBUS_READ)
        let data = UnsafeMutableRawPointer(request.data)
        switch Int32(request.size) {
        case I2C_SMBUS_QUICK:
            break
        case I2C_SMBUS_BYTE:
            if reading { data!.storeBytes(of: next(&state, address), as: UInt8.self) } else { write(&state, address, [request.command]) }
        case I2C_SMBUS_BYTE_DATA:
            if reading {
                write(&state, address, [request.command])
                data!.storeBytes(of: next(&state, address), as: UInt8.self)
            } else {
                write(&state, address, [request.command, data!.load(as: UInt8.self)])
            }
        case I2C_SMBUS_WORD_DATA:
            if reading {
                write(&state, address, [request.command])
                let low = next(&state, address)
                let high = next(&state, address)
                data!.storeBytes(of: UInt16(low) | UInt16(high) << 8, as: UInt16.self)
            } else {
                let word = data!.load(as: UInt16.self)
                write(&state, address, [request.command, UInt8(word & 0xFF), UInt8(word >> 8)])
            }
        case I2C_SMBUS_I2C_BLOCK_DATA:
            let count = Int(data!.load(as: UInt8.self))
            if reading {
                write(&state, address, [request.command])
                for index in 0..<count { data!.storeBytes(of: next(&state, address), toByteOffset: 1 + index, as: UInt8.self) }
            } else {
                let payload = (0..<count).map { data!.load(fromByteOffset: 1 + $0, as: UInt8.self) }
                write(&state, address, [request.command] + payload)
            }
        default:
            return .failure(Errno(EOPNOTSUPP))
        }
        return .success(0)
    }

    /// A write sets the pointer with its first byte and stores the rest from there on.
    private static func write(_ state: inout State, _ address: UInt8, _ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        if state.wordDevices[address] != nil {
            state.pointers[address] = Int(first)
            state.outgoing[address] = []
            switch bytes.count {
            case 2: state.wordDevices[address]![first] = UInt16(bytes[1])
            case 3...: state.wordDevices[address]![first] = UInt16(bytes[1]) << 8 | UInt16(bytes[2])
            default: break
            }
            return
        }
        var pointer = Int(first)
        for byte in bytes.dropFirst() {
            state.devices[address]![pointer % state.devices[address]!.count] = byte
            pointer += 1
        }
        state.pointers[address] = Int(first)
    }

    private static func next(_ state: inout State, _ address: UInt8) -> UInt8 {
        if let words = state.wordDevices[address] {
            if state.outgoing[address, default: []].isEmpty {
                let value = words[UInt8(state.pointers[address, default: 0])] ?? 0
                state.outgoing[address] = [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return state.outgoing[address]!.removeFirst()
        }
        let registers = state.devices[address]!
        let pointer = state.pointers[address, default: 0]
        state.pointers[address] = pointer + 1
        return registers[pointer % registers.count]
    }
}
