import Foundation
import HearthConfig
import HearthDrivers
import HearthHAL
import HearthMining

extension Hardware {
    /// The hash board as the load: its chain probed once here (the chips that answer are noted),
    /// then an ASIC engine that brings the chain up when the thermostat asks for power and holds
    /// it in reset when it does not. If the port cannot be opened, no chip answers, or the chain
    /// fails later, `fallback` (the CPU) takes over and the status and log say why; with no
    /// fallback, compute stays off.
    ///
    /// `open` opens the serial port and the I²C bus of the core-voltage DAC (when the board file
    /// has one); if either fails, the hash board is not run. `ticketDifficulty` replaces the board
    /// file's (the simulated chain's is far lower); `fallbackRating` is the most the fallback
    /// draws, the rating when it starts at once.
    mutating func attachASIC(
        _ asic: BoardProfile.ASICPort, open: () throws(HALError) -> (port: any SerialPort, regulatorBus: (any I2CBus)?),
        ticketDifficulty: Double? = nil,
        sleep: @escaping @Sendable (Duration) -> Void, fallback: @escaping @Sendable () -> FallbackHashEngine.Drive?,
        fallbackRating: Watts
    ) {
        func output(_ name: String?) -> (any DigitalOutput)? {
            name.flatMap { name in outputs.first { $0.spec.name == name }?.device }
        }
        let (reset, power) = (output(asic.resetOutput), output(asic.powerOutput))
        let configuration = BM13xxChain.Configuration(
            model: asic.model, ticketDifficulty: ticketDifficulty ?? asic.ticketDifficulty,
            fastBaud: asic.baud, coreVolts: asic.core?.volts)
        let (shares, notices) = (shares, engineNotices)
        let engine: FallbackHashEngine
        let rating: Watts
        do throws(HALError) {
            let (port, regulatorBus) = try open()
            let regulator: DS4432U? = asic.core.flatMap { core in
                regulatorBus.map { DS4432U(bus: $0, address: core.address, output: core.output, network: core.network) }
            }
            let makeChain: @Sendable () -> BM13xxChain = {
                BM13xxChain(port: port, reset: reset, power: power, regulator: regulator, configuration: configuration, sleep: sleep)
            }
            let probe = makeChain()
            let count = try probe.start()
            try probe.stop()
            notes.append(
                "hash board: \(count) × \(asic.model) answered on \(asic.port)" + (count == asic.chips ? "" : "; the board file says \(asic.chips)")
                    + (regulator.flatMap { regulator in asic.core.map { "; core at \($0.volts) by the \(regulator.name)" } } ?? ""))
            let settings = ASICMiner.Settings(power: asic.power)
            engine = FallbackHashEngine(
                makePrimary: { failed in
                    let chain = ASICHashEngine(
                        description: "\(asic.model) on \(asic.port)", chipModel: "\(asic.model)", settings: settings, makeBoard: makeChain,
                        onShare: shares.deliver, onFailure: failed)
                    chain.start()
                    return .init(chain)
                },
                makeFallback: fallback, onSwitch: { notices.deliver("hash engine now: \($0)") })
            rating = asic.power.fullLoad
        } catch {
            let cpu = FallbackHashEngine(failedPrimary: "\(error)", makeFallback: fallback)
            notes.append("hash board on \(asic.port): \(error); \(cpu.isHashing ? "the CPU heats instead" : "compute stays off")")
            guard cpu.isHashing else { return }
            engine = cpu
            rating = fallbackRating
        }
        engine.setWork(LocalWork.template)
        load = EngineLoad(.init(engine), ratedPower: rating)
    }
}
