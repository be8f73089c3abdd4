import HearthHAL

/// The DS4432U current DAC trimming a buck regulator's output, as on the Bitaxe hash boards: the
/// DAC sources current into (or sinks it from) the regulator's feedback node, which moves the
/// output below (or above) the voltage the feedback divider alone sets.
///
/// With the divider RA (output to feedback) over RB (feedback to ground), feedback voltage VFB
/// and a DAC current I into the node, the output settles where the node sits at VFB:
/// Vout = VFB + RA · (VFB / RB − I). The DAC's register holds a sign (bit 7: 1 sources, 0 sinks)
/// and a 7-bit magnitude of its full-scale current, (VRFS / RFS) · 127 / 16, RFS being the
/// resistor on its FS pin. A voltage that would need more than the full scale is refused: the
/// magnitude must never wrap into the sign bit (which would turn an undervolt into an overvolt).
public struct DS4432U: VoltageRegulator {
    /// The regulator's feedback network and the DAC's full-scale resistor.
    public struct Network: Hashable, Sendable {
        public var feedbackVolts: Double
        /// RA: output to the feedback node.
        public var upperOhms: Double
        /// RB: feedback node to ground.
        public var lowerOhms: Double
        /// RFS: on the DAC's full-scale pin.
        public var fullScaleOhms: Double
        /// VRFS: the DAC's full-scale reference (0.997 V typical).
        public var referenceVolts: Double

        public init(feedbackVolts: Double, upperOhms: Double, lowerOhms: Double, fullScaleOhms: Double, referenceVolts: Double = 0.997) {
            self.feedbackVolts = feedbackVolts
            self.upperOhms = upperOhms
            self.lowerOhms = lowerOhms
            self.fullScaleOhms = fullScaleOhms
            self.referenceVolts = referenceVolts
        }

        /// The DAC's full-scale current, amperes.
        public var fullScaleAmperes: Double { referenceVolts / fullScaleOhms * 127 / 16 }

        /// The output for a DAC current into the feedback node (negative: out of it).
        public func output(sourcing amperes: Double) -> Volts {
            Volts(feedbackVolts + upperOhms * (feedbackVolts / lowerOhms - amperes))
        }

        /// The output with the DAC register at `code`.
        public func output(code: UInt8) -> Volts {
            let magnitude = Double(code & 0x7F) / 127 * fullScaleAmperes
            return output(sourcing: code & 0x80 != 0 ? magnitude : -magnitude)
        }

        /// The outputs the DAC can reach, lowest first.
        public var range: ClosedRange<Double> { output(code: 0xFF).value...output(code: 0x7F).value }

        /// The register value nearest `volts`; `nil` outside the range.
        public func code(for volts: Volts) -> UInt8? {
            let amperes = feedbackVolts / lowerOhms - (volts.value - feedbackVolts) / upperOhms
            let magnitude = (abs(amperes) / fullScaleAmperes * 127).rounded()
            guard magnitude <= 127 else { return nil }
            return UInt8(magnitude) | (amperes > 0 && magnitude > 0 ? 0x80 : 0)
        }
    }

    /// The output register of each of the two DACs.
    static func register(output: Int) -> UInt8 { output == 0 ? 0xF8 : 0xF9 }

    public static let defaultAddress = I2CAddress(0x48)!

    public let name: String
    private let bus: any I2CBus
    private let address: I2CAddress
    private let output: Int
    public let network: Network

    /// `output` is the DAC (0 or 1) wired to the feedback node.
    public init(bus: any I2CBus, address: I2CAddress = DS4432U.defaultAddress, output: Int = 0, network: Network) {
        self.bus = bus
        self.address = address
        self.output = output
        self.network = network
        name = "DS4432U at \(address) OUT\(output)"
    }

    @discardableResult
    public func setVoltage(_ volts: Volts) throws(HALError) -> Volts {
        guard let code = network.code(for: volts) else {
            throw HALError(
                .outOfRange,
                "\(volts) is outside what the DAC can reach with this network (\(network.range.lowerBound.rounded(toPlaces: 3))–\(network.range.upperBound.rounded(toPlaces: 3)) V)",
                address: address, register: Self.register(output: output))
        }
        try bus.write(address, [Self.register(output: output), code])
        return network.output(code: code)
    }

    /// The register as the DAC holds it.
    public func code() throws(HALError) -> UInt8 {
        let bytes = try bus.writeRead(address, [Self.register(output: output)], count: 1)
        guard let code = bytes.first else { throw HALError(.badData, "no byte read", address: address) }
        return code
    }
}
