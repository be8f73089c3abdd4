import HearthDrivers
import HearthHAL
import HearthSim
import Testing

/// The core-voltage DAC against its twin, with the Bitaxe's feedback network.
@Suite struct DS4432UTests {
    /// 4.75 kΩ over 3.32 kΩ at 0.6 V, 80 kΩ on the full-scale pin (the Bitaxe boards').
    let network = DS4432U.Network(feedbackVolts: 0.6, upperOhms: 4750, lowerOhms: 3320, fullScaleOhms: 80_000)
    let bus = SimI2CBus()
    let twin: DS4432UTwin

    init() {
        twin = DS4432UTwin(network: network)
        bus.attach(twin, at: DS4432U.defaultAddress)
    }

    @Test func theNetworkReachesWhatItsResistorsAllow() {
        #expect(abs(network.output(code: 0).value - 0.6 * (1 + 4750.0 / 3320)) < 1e-9, "DAC off: the divider alone, 1.458 V")
        #expect(abs(network.range.lowerBound - 0.989) < 0.001, "full scale sourced: the lowest, 0.989 V")
        #expect(abs(network.range.upperBound - 1.928) < 0.001, "full scale sunk: the highest")
        #expect(network.code(for: Volts(1.2)) == UInt8(0x80 | 70), "1.2 V: 70/127 of full scale sourced")
        #expect(network.code(for: Volts(1.6)) == 38, "above the divider's 1.458 V: sunk")
        #expect(network.code(for: Volts(0.9)) == nil && network.code(for: Volts(2.0)) == nil)
    }

    @Test func setsTheVoltageAndTheRegulatorFollows() throws {
        let dac = DS4432U(bus: bus, network: network)
        for volts in stride(from: 1.0, through: 1.9, by: 0.05) {
            let set = try dac.setVoltage(Volts(volts))
            #expect(abs(set.value - volts) < 0.005, "\(volts) V → \(set)")
            #expect(abs(twin.volts.value - set.value) < 1e-9, "the twin's regulator is where the driver says")
            #expect(try dac.code() == twin.code)
        }
    }

    /// Out of range is refused before anything is written: the magnitude never wraps into the
    /// sign bit (which on the real board would turn an undervolt into an overvolt).
    @Test func outOfRangeIsRefusedAndNothingIsWritten() throws {
        let dac = DS4432U(bus: bus, network: network)
        try dac.setVoltage(Volts(1.2))
        let writes = twin.writes
        for volts in [0.95, 0.5, 1.95, 5.0] {
            #expect(throws: HALError.self) { try dac.setVoltage(Volts(volts)) }
        }
        #expect(twin.writes == writes && abs(twin.volts.value - 1.2) < 0.005)
    }
}
