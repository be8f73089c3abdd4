/// The error every hardware operation throws: a small kind a driver can act on, and the detail a
/// person needs to find the fault (which device, which address or line, which errno, what happened).
///
/// Backends keep their own detail (the Linux backend records the errno and its text) but always map
/// it to one `Kind`, so a driver written against the HAL can retry on arbitration loss, skip a
/// sensor that NACKs, or give up on `notSupported`, without knowing which backend it runs on.
public struct HALError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, in the few categories a driver can act on. Cases may be added later, so
    /// code that switches over kinds must keep a default.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case nackAddress, nackData, busError, arbitrationLost, timeout, outOfRange, notSupported
            case unavailable, badData
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No device acknowledged its address (absent, unpowered, wrong address).
        public static let nackAddress = Kind(.nackAddress)
        /// The device answered its address but refused a data byte.
        public static let nackData = Kind(.nackData)
        /// The bus itself failed: an electrical fault, a stuck line, a controller error.
        public static let busError = Kind(.busError)
        /// Another master won the bus; the transfer may be retried.
        public static let arbitrationLost = Kind(.arbitrationLost)
        /// The device or bus did not answer in time.
        public static let timeout = Kind(.timeout)
        /// A value outside what the device or the caller allows (a reading, a setting, a line number).
        public static let outOfRange = Kind(.outOfRange)
        /// The device, bus or kernel cannot do what was asked.
        public static let notSupported = Kind(.notSupported)
        /// The device cannot be opened or used: missing, no permission, or held by someone else.
        public static let unavailable = Kind(.unavailable)
        /// The device answered with data that cannot be right: a CRC mismatch, an unparsable value.
        public static let badData = Kind(.badData)

        public var description: String {
            switch base {
            case .nackAddress: "NACK on address"
            case .nackData: "NACK on data"
            case .busError: "bus error"
            case .arbitrationLost: "arbitration lost"
            case .timeout: "timeout"
            case .outOfRange: "out of range"
            case .notSupported: "not supported"
            case .unavailable: "unavailable"
            case .badData: "bad data"
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// The device node, sysfs path or simulated device concerned, e.g. `/dev/i2c-1`.
    public var device: String?
    /// The I²C address concerned, if any.
    public var address: I2CAddress?
    /// The chip register concerned, if any.
    public var register: UInt8?
    /// The GPIO line (name or offset) concerned, if any.
    public var line: String?
    /// The operating system's error number, if the error came from a system call.
    public var errno: Int32?
    /// What happened, in words, including the operating system's text for `errno`.
    public var detail: String

    /// Creates an error; only `kind` and `detail` are required, the rest says where.
    public init(
        _ kind: Kind, _ detail: String, device: String? = nil, address: I2CAddress? = nil,
        register: UInt8? = nil, line: String? = nil, errno: Int32? = nil
    ) {
        self.kind = kind
        self.detail = detail
        self.device = device
        self.address = address
        self.register = register
        self.line = line
        self.errno = errno
    }

    /// One line: kind, where, then what happened, e.g.
    /// `NACK on address: /dev/i2c-1 address 0x48: no device answered (errno 6)`.
    public var description: String {
        var place: [String] = []
        if let device { place.append(device) }
        if let address { place.append("address \(address)") }
        if let register { place.append("register 0x" + hex(register)) }
        if let line { place.append("line \(line)") }
        var text = "\(kind)"
        if !place.isEmpty { text += ": " + place.joined(separator: " ") }
        text += ": " + detail
        if let errno { text += " (errno \(errno))" }
        return text
    }
}

/// Two hexadecimal digits, upper case.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
