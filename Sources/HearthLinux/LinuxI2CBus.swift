import CI2C
import HearthHAL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An I²C bus through the kernel's i2c-dev interface, `/dev/i2c-N`.
///
/// At open it asks the adapter what it can do (`I2C_FUNCS`). An adapter that speaks plain I²C gets
/// every transaction as one `I2C_RDWR` (repeated starts, one stop). An SMBus-only adapter gets the
/// transaction translated into the SMBus call of the same shape (quick, byte, byte/word data,
/// I²C block); a shape SMBus cannot express is `notSupported`, never approximated.
public final class LinuxI2CBus: I2CBus {
    /// What the adapter can do, as `I2C_FUNCS` reports it.
    public struct Functionality: OptionSet, Sendable, Hashable {
        public let rawValue: UInt
        public init(rawValue: UInt) { self.rawValue = rawValue }

        public static let i2c = Functionality(rawValue: UInt(I2C_FUNC_I2C))
        public static let quick = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_QUICK))
        public static let readByte = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_READ_BYTE))
        public static let writeByte = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_WRITE_BYTE))
        public static let readByteData = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_READ_BYTE_DATA))
        public static let writeByteData = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_WRITE_BYTE_DATA))
        public static let readWordData = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_READ_WORD_DATA))
        public static let writeWordData = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_WRITE_WORD_DATA))
        public static let readI2CBlock = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_READ_I2C_BLOCK))
        public static let writeI2CBlock = Functionality(rawValue: UInt(I2C_FUNC_SMBUS_WRITE_I2C_BLOCK))
    }

    /// The device node, e.g. `/dev/i2c-1`.
    public let name: String
    /// What the adapter reported it can do.
    public let functionality: Functionality

    private let fd: Int32
    private let sys: SystemCalls
    /// The address last set with `I2C_SLAVE` (SMBus path only); the lock also keeps a transaction
    /// and the address it needs together when several tasks share the bus.
    private let selectedAddress = Mutex<I2CAddress?>(nil)

    /// The most bytes one SMBus block transfer carries.
    static let smbusBlockMax = Int(I2C_SMBUS_BLOCK_MAX)

    /// Opens `/dev/i2c-<number>`.
    public convenience init(bus number: Int, sys: SystemCalls = .live) throws(HALError) {
        try self.init(path: "/dev/i2c-\(number)", sys: sys)
    }

    /// Opens an i2c-dev node and reads the adapter's functionality.
    public init(path: String, sys: SystemCalls = .live) throws(HALError) {
        self.name = path
        self.sys = sys
        let fd: Int32
        do {
            fd = try retryingOnInterrupt { () throws(Errno) in try sys.open(path, O_RDWR | O_CLOEXEC, 0) }
        } catch {
            let hint: String? = switch error.rawValue {
            case ENOENT: "on a Raspberry Pi, enable the bus with dtparam=i2c_arm=on in config.txt and load i2c-dev"
            case EACCES, EPERM: "the daemon's user needs read-write access to \(path) (the i2c group)"
            default: nil
            }
            throw HALError(error, doing: "open", device: path, hint: hint)
        }
        var funcs: UInt = 0
        do {
            _ = try withUnsafeMutablePointer(to: &funcs) { pointer throws(Errno) in
                try sys.control(fd, UInt(I2C_FUNCS), UnsafeMutableRawPointer(pointer))
            }
        } catch {
            try? sys.close(fd)
            throw HALError(error, doing: "I2C_FUNCS", device: path, hint: "is this an i2c-dev node?")
        }
        self.fd = fd
        self.functionality = Functionality(rawValue: funcs)
    }

    deinit {
        try? sys.close(fd)
    }

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(HALError) -> [[UInt8]] {
        guard !operations.isEmpty else { return [] }
        for operation in operations {
            switch operation {
            case .read(let count) where count < 1 || count > Int(UInt16.max):
                throw HALError(.outOfRange, "a read of \(count) bytes is not possible", device: name, address: address)
            case .write(let bytes) where bytes.count > Int(UInt16.max):
                throw HALError(.outOfRange, "a write of \(bytes.count) bytes is not possible", device: name, address: address)
            default:
                continue
            }
        }
        return try selectedAddress.withLock { (selected: inout I2CAddress?) throws(HALError) -> [[UInt8]] in
            if functionality.contains(.i2c) {
                return try readWrite(address, operations)
            }
            return try smbus(address, operations, selected: &selected)
        }
    }

    // MARK: I2C_RDWR

    private func readWrite(_ address: I2CAddress, _ operations: [I2COperation]) throws(HALError) -> [[UInt8]] {
        guard operations.count <= Int(I2C_RDWR_IOCTL_MAX_MSGS) else {
            throw HALError(
                .notSupported, "\(operations.count) operations in one transaction; the kernel takes at most \(I2C_RDWR_IOCTL_MAX_MSGS)",
                device: name, address: address)
        }
        let buffers = operations.map { operation -> UnsafeMutableBufferPointer<UInt8> in
            switch operation {
            case .write(let bytes):
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
                _ = buffer.initialize(from: bytes)
                return buffer
            case .read(let count):
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: count)
                buffer.initialize(repeating: 0)
                return buffer
            }
        }
        defer { buffers.forEach { $0.deallocate() } }

        var messages = zip(operations, buffers).map { operation, buffer in
            switch operation {
            case .write(let bytes):
                i2c_msg(addr: UInt16(address.rawValue), flags: 0, len: UInt16(bytes.count), buf: buffer.baseAddress)
            case .read(let count):
                i2c_msg(addr: UInt16(address.rawValue), flags: UInt16(I2C_M_RD), len: UInt16(count), buf: buffer.baseAddress)
            }
        }
        let outcome: Result<Int32, Errno> = messages.withUnsafeMutableBufferPointer { pointer in
            var request = i2c_rdwr_ioctl_data(msgs: pointer.baseAddress, nmsgs: UInt32(pointer.count))
            return withUnsafeMutablePointer(to: &request) { requestPointer in
                Result { () throws(Errno) in try sys.control(fd, UInt(I2C_RDWR), UnsafeMutableRawPointer(requestPointer)) }
            }
        }
        if case .failure(let error) = outcome {
            throw HALError(error, doing: "I2C_RDWR", device: name, address: address, kind: .init(i2cTransfer: error))
        }
        return zip(operations, buffers).compactMap { operation, buffer in
            if case .read = operation { Array(buffer) } else { nil }
        }
    }

    // MARK: SMBus

    /// One SMBus call: the shape of the transaction decides which.
    private struct SMBusCall {
        var readWrite: UInt8
        var command: UInt8
        var size: Int32
        var needs: Functionality
        var payload: [UInt8] = []
        var readCount = 0
    }

    private func smbusCall(for operations: [I2COperation]) -> SMBusCall? {
        let write = UInt8(I2C_SMBUS_WRITE)
        let read = UInt8(I2C_SMBUS_READ)
        let block = Self.smbusBlockMax
        switch (operations.first, operations.count > 1 ? operations[1] : nil, operations.count) {
        case (.write(let bytes), nil, 1):
            guard let command = bytes.first else {
                return SMBusCall(readWrite: write, command: 0, size: I2C_SMBUS_QUICK, needs: .quick)
            }
            let payload = Array(bytes.dropFirst())
            switch payload.count {
            case 0:
                return SMBusCall(readWrite: write, command: command, size: I2C_SMBUS_BYTE, needs: .writeByte)
            case 1:
                return SMBusCall(
                    readWrite: write, command: command, size: I2C_SMBUS_BYTE_DATA, needs: .writeByteData, payload: payload)
            case 2 where functionality.contains(.writeWordData):
                return SMBusCall(
                    readWrite: write, command: command, size: I2C_SMBUS_WORD_DATA, needs: .writeWordData, payload: payload)
            case 2...block:
                return SMBusCall(
                    readWrite: write, command: command, size: I2C_SMBUS_I2C_BLOCK_DATA, needs: .writeI2CBlock,
                    payload: payload)
            default:
                return nil
            }
        case (.read(count: 1), nil, 1):
            return SMBusCall(readWrite: read, command: 0, size: I2C_SMBUS_BYTE, needs: .readByte, readCount: 1)
        case (.write(let bytes), .read(let count), 2) where bytes.count == 1:
            switch count {
            case 1:
                return SMBusCall(
                    readWrite: read, command: bytes[0], size: I2C_SMBUS_BYTE_DATA, needs: .readByteData, readCount: 1)
            case 2 where functionality.contains(.readWordData):
                return SMBusCall(
                    readWrite: read, command: bytes[0], size: I2C_SMBUS_WORD_DATA, needs: .readWordData, readCount: 2)
            case 2...block:
                return SMBusCall(
                    readWrite: read, command: bytes[0], size: I2C_SMBUS_I2C_BLOCK_DATA, needs: .readI2CBlock,
                    readCount: count)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    private func smbus(
        _ address: I2CAddress, _ operations: [I2COperation], selected: inout I2CAddress?
    ) throws(HALError) -> [[UInt8]] {
        guard let call = smbusCall(for: operations) else {
            throw HALError(
                .notSupported, "the adapter is SMBus-only and no SMBus call has the shape \(operations)",
                device: name, address: address)
        }
        guard functionality.contains(call.needs) else {
            throw HALError(
                .notSupported, "the adapter lacks the SMBus function this transfer needs (I2C_FUNCS 0x\(String(functionality.rawValue, radix: 16)))",
                device: name, address: address)
        }
        if selected != address {
            do {
                _ = try sys.control(fd, UInt(I2C_SLAVE), UnsafeMutableRawPointer(bitPattern: UInt(address.rawValue)))
            } catch {
                let hint = error.rawValue == EBUSY ? "a kernel driver has claimed this address" : nil
                throw HALError(error, doing: "I2C_SLAVE", device: name, address: address, hint: hint)
            }
            selected = address
        }

        var data = i2c_smbus_data()
        withUnsafeMutableBytes(of: &data) { raw in
            switch call.size {
            case I2C_SMBUS_WORD_DATA:
                // The kernel holds SMBus words in host order; the first byte on the wire is the low one.
                let word = UInt16(call.payload.first ?? 0) | UInt16(call.payload.last ?? 0) << 8
                raw.storeBytes(of: word, as: UInt16.self)
            case I2C_SMBUS_I2C_BLOCK_DATA:
                raw[0] = UInt8(call.readWrite == UInt8(I2C_SMBUS_READ) ? call.readCount : call.payload.count)
                for (index, byte) in call.payload.enumerated() { raw[1 + index] = byte }
            default:
                if let byte = call.payload.first { raw[0] = byte }
            }
        }
        let outcome: Result<Int32, Errno> = withUnsafeMutablePointer(to: &data) { dataPointer in
            var request = i2c_smbus_ioctl_data(
                read_write: call.readWrite, command: call.command, size: UInt32(call.size),
                data: call.size == I2C_SMBUS_QUICK ? nil : dataPointer)
            return withUnsafeMutablePointer(to: &request) { requestPointer in
                Result { () throws(Errno) in try sys.control(fd, UInt(I2C_SMBUS), UnsafeMutableRawPointer(requestPointer)) }
            }
        }
        if case .failure(let error) = outcome {
            throw HALError(error, doing: "I2C_SMBUS", device: name, address: address, kind: .init(i2cTransfer: error))
        }
        guard call.readCount > 0 else { return [] }
        let bytes: [UInt8] = withUnsafeBytes(of: &data) { raw in
            switch call.size {
            case I2C_SMBUS_WORD_DATA:
                let word = raw.loadUnaligned(as: UInt16.self)
                return [UInt8(word & 0xFF), UInt8(word >> 8)]
            case I2C_SMBUS_I2C_BLOCK_DATA:
                return Array(raw[1...call.readCount])
            default:
                return [raw[0]]
            }
        }
        return [bytes]
    }
}
