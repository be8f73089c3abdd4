#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HearthHAL

extension HALError.Kind {
    /// The kind for an errno from opening or using a device node, a sysfs file or a GPIO line.
    public init(_ errno: Errno) {
        switch errno.rawValue {
        case ENOENT, ENODEV, ENXIO, EACCES, EPERM, EBUSY: self = .unavailable
        case ETIMEDOUT: self = .timeout
        case EOPNOTSUPP, ENOTTY, ENOSYS: self = .notSupported
        case EINVAL, ERANGE, EOVERFLOW: self = .outOfRange
        case EBADMSG: self = .badData
        default: self = .busError
        }
    }

    /// The kind for an errno from an I²C transfer, after the kernel's i2c fault-codes document:
    /// ENXIO is the address not acknowledged, EREMOTEIO a byte not acknowledged, EAGAIN lost
    /// arbitration, ETIMEDOUT a timeout, EIO a bus error. ENODEV, which a transfer only gets when
    /// there is no device at the address (the kernel's SMBus stub answers so, as seen in the HIL
    /// VM), is the address not acknowledged too.
    public init(i2cTransfer errno: Errno) {
        switch errno.rawValue {
        case ENXIO, ENODEV: self = .nackAddress
        case EREMOTEIO: self = .nackData
        case EAGAIN: self = .arbitrationLost
        case EIO, EPROTO: self = .busError
        default: self.init(errno)
        }
    }
}

extension HALError {
    /// An error from a failed system call: the kind from the errno (or `kind`, where the call's
    /// context gives the errno another meaning), the errno's text in the detail.
    init(
        _ errno: Errno, doing action: String, device: String, address: I2CAddress? = nil,
        line: String? = nil, hint: String? = nil, kind: Kind? = nil
    ) {
        var detail = "\(action) failed: \(errno)"
        if let hint { detail += "; \(hint)" }
        self.init(kind ?? Kind(errno), detail, device: device, address: address, line: line, errno: errno.rawValue)
    }
}
