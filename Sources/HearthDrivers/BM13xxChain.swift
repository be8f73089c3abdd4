import HearthHAL

/// A chain of BM1366/BM1368/BM1370 chips on one serial port, with the board's lines that power
/// their core regulator and hold them in reset, and the regulator's voltage setting where the
/// board has one. One thread owns it: it brings the chain up
/// (`start`), moves the clock in small steps (`step(toward:)`), sends jobs and reads what comes
/// back (`responses`), and takes it down (`stop`).
///
/// As a `HashBoard` it takes neutral jobs and hands back neutral nonces: the BM13xx frames
/// (`BM13xx.Job`, `BM13xx.Response`) stay here, and the job byte a chip sends (job ID and small
/// core in one) is unpacked here too.
public final class BM13xxChain: HashBoard {
    /// How the chain is set up: the chips' model, the ticket and version masks, the line speed,
    /// the clock's largest step and the core voltage.
    public struct Configuration: Hashable, Sendable {
        /// The chips on the chain: `start` throws `badData` when a chip answers with another model's ID.
        public var model: BM13xx.Model
        /// The difficulty below which chips keep a nonce to themselves: a power of two ≥ 1.
        public var ticketDifficulty: Double
        /// The BIP 310 version bits the chips may roll.
        public var versionMask: UInt32
        /// The line speed to move the chain to once it answers; `nil` keeps 115 200.
        public var fastBaud: Int?
        /// The largest change of clock at a time, MHz; the chips' supply cannot follow larger.
        public var rampStep: Double
        /// The core voltage set before the supply is switched on, where the board can set it.
        public var coreVolts: Volts?

        /// The defaults: ticket difficulty 256, all 16 BIP 310 version bits, 1 Mbaud, steps of 6.25 MHz,
        /// and the regulator left as it is. A `fastBaud` other than 115 200 or 1 000 000 makes `start`
        /// throw `notSupported`.
        public init(
            model: BM13xx.Model, ticketDifficulty: Double = 256, versionMask: UInt32 = 0x1FFF_E000,
            fastBaud: Int? = BM13xx.fastBaud, rampStep: Double = 6.25, coreVolts: Volts? = nil
        ) {
            self.coreVolts = coreVolts
            self.model = model
            self.ticketDifficulty = ticketDifficulty
            self.versionMask = versionMask
            self.fastBaud = fastBaud
            self.rampStep = rampStep
        }
    }

    /// The setup given at init.
    public let configuration: Configuration
    private let port: any SerialPort
    private let reset: (any DigitalOutput)?
    private let power: (any DigitalOutput)?
    private let regulator: (any VoltageRegulator)?
    private let sleep: @Sendable (Duration) -> Void
    /// The chips that answered at start.
    public private(set) var chips = 0
    /// The chips' clock now, MHz.
    public private(set) var frequency = BM13xx.resetFrequency
    /// Frames from the chips dropped for a bad preamble or CRC, since start.
    public private(set) var badFrames = 0
    private var received: [UInt8] = []
    private var lastJobID: UInt8 = 0

    /// `sleep` waits for the chips (after power, reset and each clock step); tests pass one that
    /// returns at once.
    public init(
        port: any SerialPort, reset: (any DigitalOutput)?, power: (any DigitalOutput)?, regulator: (any VoltageRegulator)? = nil,
        configuration: Configuration, sleep: @escaping @Sendable (Duration) -> Void
    ) {
        self.port = port
        self.reset = reset
        self.power = power
        self.regulator = regulator
        self.configuration = configuration
        self.sleep = sleep
    }

    /// The port's name, for messages.
    public var portName: String { port.name }

    /// The port's name, for messages (as `portName`).
    public var name: String { port.name }

    /// The model's small cores per chip.
    public var smallCoresPerChip: Int { configuration.model.smallCores }

    /// The ticket difficulty the chips are set to at start.
    public var ticketDifficulty: Double { configuration.ticketDifficulty }

    /// Sets the core voltage, powers the chain, takes it out of reset, counts the chips that answer with the model's ID,
    /// addresses them, and sets them up to hash at the reset clock; returns how many answered.
    /// Throws `unavailable` when none did, `badData` when a chip of another model did.
    /// On any failure the chain is left held in reset with its supply off.
    @discardableResult
    public func start() throws(HALError) -> Int {
        guard let count = try start(abandoningIf: { false }) else {
            // Not abandoned, so it came up: kept as an error rather than a trap all the same.
            throw HALError(.unavailable, "the chain's start was abandoned", device: port.name)
        }
        return count
    }

    /// `start`, abandoned (the chain left held in reset with its supply off, `nil` returned) as
    /// soon as `abandon` says so between its steps: a start takes about half a second, and the
    /// heater may have entered its safe state meanwhile.
    public func start(abandoningIf abandon: () -> Bool) throws(HALError) -> Int? {
        do {
            if let count = try bringUp(abandon) { return count }
            try stop()
            return nil
        } catch {
            try? stop()
            throw error
        }
    }

    private func bringUp(_ abandon: () -> Bool) throws(HALError) -> Int? {
        let model = configuration.model
        try reset?.set(active: true)
        if let regulator, let volts = configuration.coreVolts { try regulator.setVoltage(volts) }
        try power?.set(active: true)
        sleep(.milliseconds(100))
        if abandon() { return nil }
        try reset?.set(active: false)
        sleep(.milliseconds(100))
        if abandon() { return nil }
        try port.setBaudRate(BM13xx.resetBaud)
        try port.discardInput()
        received = []
        badFrames = 0
        frequency = BM13xx.resetFrequency
        for _ in 0..<3 { try send(.write(BM13xx.Register.versionMask, BM13xx.versionMaskValue(configuration.versionMask))) }
        try send(.read(BM13xx.Register.chipID))
        chips = 0
        // Each chip answers in turn; the chain has said all it will once a quarter second passes quietly.
        var answers = try responses(timeout: .milliseconds(250))
        while !answers.isEmpty {
            for case .register(BM13xx.Register.chipID, let value, _) in answers {
                let id = UInt16(value >> 16)
                guard id == model.rawValue else {
                    throw HALError(
                        .badData, "a chip answered with ID \(String(id, radix: 16)), not the board file's \(model)",
                        device: port.name)
                }
                chips += 1
            }
            if abandon() { return nil }
            answers = try responses(timeout: .milliseconds(250))
        }
        guard chips > 0 else {
            throw HALError(.unavailable, "no \(model) answered its chip-ID read at \(BM13xx.resetBaud) baud", device: port.name)
        }
        if abandon() { return nil }
        try configure()
        return chips
    }

    /// Addresses the chips evenly over the address space and sets the registers the chips need to
    /// hash: the sequence the Bitaxe boards send, with this chain's ticket mask and version mask.
    private func configure() throws(HALError) {
        typealias R = BM13xx.Register
        let model = configuration.model
        try send(.write(R.a8, 0x0007_0000))
        try send(.write(R.miscControl, model == .bm1370 ? 0xF000_C100 : 0xFF0F_C100))
        try send(.chainInactive)
        let interval = 256 / chips
        for chip in 0..<chips { try send(.setAddress(UInt8(chip * interval))) }
        let core: [UInt32] = model == .bm1370 ? [0x8000_8B00, 0x8000_800C] : [0x8000_8540, 0x8000_8020]
        for value in core { try send(.write(R.coreRegisterControl, value)) }
        try send(.write(R.ticketMask, BM13xx.ticketMask(difficulty: configuration.ticketDifficulty)))
        try send(.write(R.analogMux, model == .bm1370 ? 0x0000_0002 : 0x0000_0003))
        try send(.write(R.ioDriverStrength, model == .bm1370 ? 0x0001_1111 : 0x0211_1111))
        for chip in 0..<chips {
            let address = UInt8(chip * interval)
            try send(.write(R.a8, 0x0007_01F0, chip: address))
            try send(.write(R.miscControl, 0xF000_C100, chip: address))
            for value in core + [0x8000_82AA] { try send(.write(R.coreRegisterControl, value, chip: address)) }
        }
        try send(.write(R.hashCountingNumber, model == .bm1370 ? 0x0000_1EB5 : 0x0000_151C))
        try send(.write(R.versionMask, BM13xx.versionMaskValue(configuration.versionMask)))
        if let fast = configuration.fastBaud, fast != BM13xx.resetBaud {
            guard fast == BM13xx.fastBaud else {
                throw HALError(.notSupported, "the chips' UART goes to \(BM13xx.fastBaud) baud only, not \(fast)", device: port.name)
            }
            try send(.write(R.fastUART, BM13xx.fastUARTValue))
            sleep(.milliseconds(10))
            try port.setBaudRate(fast)
        }
    }

    /// Moves the clock one step toward `target` MHz (the nearest the PLL can make), by at most
    /// `rampStep`; returns `true` once there.
    @discardableResult
    public func step(toward target: Double) throws(HALError) -> Bool {
        let goal = try pll(for: target)
        let distance = goal.mhz - frequency
        guard abs(distance) > 0.001 else { return true }
        let setting = abs(distance) <= configuration.rampStep
            ? goal : try pll(for: frequency + (distance > 0 ? configuration.rampStep : -configuration.rampStep))
        try send(.write(BM13xx.Register.pll0, setting.value))
        frequency = setting.mhz
        sleep(.milliseconds(20))
        return abs(goal.mhz - frequency) <= 0.001
    }

    private func pll(for mhz: Double) throws(HALError) -> (value: UInt32, mhz: Double) {
        guard let setting = BM13xx.pll(for: mhz, model: configuration.model) else {
            throw HALError(.outOfRange, "no PLL setting of the \(configuration.model) makes \(mhz) MHz", device: port.name)
        }
        return setting
    }

    /// Lets the chips roll these BIP 310 version bits (zero: none).
    public func setVersionMask(_ mask: UInt32) throws(HALError) {
        try send(.write(BM13xx.Register.versionMask, BM13xx.versionMaskValue(mask)))
    }

    /// The next job ID: IDs step by the model's stride and wrap below 128.
    public func nextJobID() -> UInt8 {
        lastJobID = (lastJobID &+ configuration.model.jobIDStep) % 128
        return lastJobID
    }

    /// The job ID inside a nonce frame's job byte.
    public func jobID(of jobByte: UInt8) -> UInt8 { configuration.model.jobID(fromResponseByte: jobByte) }

    /// Sends a job to every chip. Throws `outOfRange` for a hash that is not 32 bytes (nothing is
    /// sent), or the port's error.
    public func send(_ job: BM13xx.Job) throws(HALError) {
        guard job.merkleRoot.count == 32, job.previousHash.count == 32 else {
            throw HALError(
                .outOfRange, "a job's hashes are 32 bytes, not \(job.merkleRoot.count) and \(job.previousHash.count)",
                device: port.name)
        }
        try port.write(job.bytes)
    }

    /// Sends a neutral job as the chips' job frame. Throws as `send(_: BM13xx.Job)`.
    public func send(_ job: HashJob) throws(HALError) {
        try send(
            BM13xx.Job(
                id: job.id, startingNonce: job.startingNonce, bits: job.bits, time: job.time, merkleRoot: job.merkleRoot,
                previousHash: job.previousHash, version: job.version))
    }

    /// Sends a command.
    public func send(_ command: BM13xx.Command) throws(HALError) { try port.write(command.bytes) }

    /// Whatever whole frames arrive within `timeout`. A byte that does not start a frame with a
    /// good CRC is dropped and the search for the next preamble goes on from the byte after it.
    public func responses(timeout: Duration) throws(HALError) -> [BM13xx.Response] {
        received += try port.read(maxCount: 1024, timeout: timeout)
        var frames: [BM13xx.Response] = []
        var start = 0
        while received.count - start >= BM13xx.Response.count {
            guard received[start] == 0xAA, received[start + 1] == 0x55,
                let frame = try? BM13xx.Response(frame: Array(received[start..<(start + BM13xx.Response.count)]))
            else {
                if received[start] == 0xAA && received[start + 1] == 0x55 { badFrames += 1 }
                start += 1
                continue
            }
            frames.append(frame)
            start += BM13xx.Response.count
        }
        received.removeFirst(start)
        return frames
    }

    /// The nonces among the frames that arrive within `timeout` (as `responses`), each with its
    /// job ID unpacked from the job byte and its version bits moved to their place (bit 13 up).
    public func nonces(timeout: Duration) throws(HALError) -> [HashNonce] {
        try responses(timeout: timeout).compactMap { response in
            guard case .nonce(let nonce, let jobByte, let versionBits) = response else { return nil }
            return HashNonce(nonce: nonce, jobID: jobID(of: jobByte), versionBits: UInt32(versionBits) << 13)
        }
    }

    /// Holds the chain in reset and turns its supply off. Every line is tried; the first failure is thrown.
    public func stop() throws(HALError) {
        var failure: HALError?
        do { try reset?.set(active: true) } catch { failure = error }
        do { try power?.set(active: false) } catch { failure = failure ?? error }
        chips = 0
        frequency = BM13xx.resetFrequency
        if let failure { throw failure }
    }
}
