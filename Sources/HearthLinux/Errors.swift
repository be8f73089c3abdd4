#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HearthHAL

extension HALError.Kind {
    /// The kind a driver can act on, for an errno from the kernel.
    ///
    /// The I²C numbers follow the kernel's i2c fault-codes document and linux-embedded-hal:
    /// ENXIO is the address not acknowledged, EREMOTEIO and ENODEV a data byte not acknowledged,
    /// EAGAIN lost arbitration, ETIMEDOUT a timeout and EIO a bus error.
    public init(_ errno: Errno) {
        switch errno.rawValue {
        case ENXIO: self = .nackAddress
        case EREMOTEIO, ENODEV: self = .nackData
        case EAGAIN: self = .arbitrationLost
        case ETIMEDOUT: self = .timeout
        case EIO, EPROTO: self = .busError
        case ENOENT, EACCES, EPERM, EBUSY: self = .unavailable
        case EOPNOTSUPP, ENOTTY, ENOSYS: self = .notSupported
        case EINVAL, ERANGE, EOVERFLOW: self = .outOfRange
        case EBADMSG: self = .badData
        default: self = .busError
        }
    }
}

extension HALError {
    /// An error from a failed system call: the kind from the errno, the errno's text in the detail.
    init(
        _ errno: Errno, doing action: String, device: String, address: I2CAddress? = nil,
        line: String? = nil, hint: String? = nil
    ) {
        var detail = "\(action) failed: \(errno)"
        if let hint { detail += "; \(hint)" }
        self.init(Kind(errno), detail, device: device, address: address, line: line, errno: errno.rawValue)
    }
}
