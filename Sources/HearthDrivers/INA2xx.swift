import HearthHAL

/// Where an INA2xx address pin is strapped. A1 and A0 each pick one of four, giving 0x40…0x4F.
public enum INAStrap: UInt8, Sendable, CaseIterable {
    case ground = 0, supply = 1, sda = 2, scl = 3

    /// The address for the A1 and A0 straps: 0x40 + 4·A1 + A0.
    public static func address(a1: INAStrap, a0: INAStrap) -> I2CAddress {
        I2CAddress(base: 0x40, strap: a1.rawValue * 4 + a0.rawValue)!
    }
}
