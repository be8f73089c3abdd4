import HearthDrivers
import HearthHAL
import HearthMining
import Synchronization

/// A chain of BM1366/BM1368/BM1370 chips behind a serial port, at the level of the frames on the
/// wire: it checks every frame's CRC, answers the chip-ID read once per chip, keeps the
/// registers written to it (addresses, PLL, ticket mask, version mask, UART speed), and hashes
/// the job it was last sent on the CPU, so every nonce it returns is real: its header's hash
/// meets the twin's difficulty. That difficulty is far below a real chain's ticket (a CPU cannot
/// afford 256 × 2³² hashes a nonce), so a test sets the driver's ticket difficulty to match.
///
/// It follows the board's lines: with the supply off or reset held, it hears nothing, says
/// nothing and forgets its setup; after its UART is moved to 1 Mbaud, a port at another speed
/// gets nothing through.
///
/// It knows the chips from their description, not from the driver: its frames are read and
/// written by `BM13xxTwinCodec`, and the registers, speeds and PLL below are its own; only the
/// model's name is shared with the driver (`BM13xx.Model`, as the board files name it).
public final class BM13xxTwin: SerialPort {
    /// A failure a test injects.
    public enum Fault: Hashable, Sendable {
        /// The chain stops answering (a chip dead, a cable off).
        case silent
        /// Every frame from the chain arrives with one bit flipped.
        case corrupt
    }

    /// The chain the twin plays, and how fast it finds nonces.
    public struct Settings: Hashable, Sendable {
        /// The chips' model: the ID a chip-ID read answers with.
        public var model: BM13xx.Model
        /// Chips on the chain: each answers the chip-ID read and takes one address; jobs are hashed
        /// only once all have one.
        public var chips: Int
        /// The difficulty of the nonces returned.
        public var difficulty: Double
        /// Nonces hashed at each read of the port.
        public var noncesPerRead: UInt32
        /// Nonces hashed for each value of the rolled version bits before moving to the next: a
        /// power of two.
        public var noncesPerVersion: UInt32

        /// The defaults: one BM1366, a nonce about every 65 536 hashes, 32 768 hashes a read, and
        /// 65 536 nonces under each version before the next. `difficulty` must be a positive number:
        /// the twin traps on any other when it hashes.
        public init(
            model: BM13xx.Model = .bm1366, chips: Int = 1, difficulty: Double = 1.0 / 65536, noncesPerRead: UInt32 = 1 << 15,
            noncesPerVersion: UInt32 = 1 << 16
        ) {
            self.model = model
            self.chips = chips
            self.difficulty = difficulty
            self.noncesPerRead = noncesPerRead
            self.noncesPerVersion = noncesPerVersion
        }
    }

    /// The registers the twin acts on, the chips' UART speeds, and the value that changes them.
    private enum Chip {
        static let chipID: UInt8 = 0x00
        static let pll0: UInt8 = 0x08
        static let fastUART: UInt8 = 0x28
        static let versionMask: UInt8 = 0xA4
        static let resetBaud = 115_200
        static let fastBaud = 1_000_000
        static let fastUARTValue: UInt32 = 0x1130_0200

        /// The clock a PLL register value makes, MHz: 25 MHz × feedback ÷ (reference × post
        /// divider 1 × post divider 2), the post dividers stored less one; `nil` with a zero divider.
        static func megahertz(pll value: UInt32) -> Double? {
            let (feedback, reference) = (value >> 16 & 0xFF, value >> 8 & 0xFF)
            let (post1, post2) = ((value >> 4 & 0xF) + 1, (value & 0xF) + 1)
            guard feedback != 0, reference != 0 else { return nil }
            return 25 * Double(feedback) / Double(reference * post1 * post2)
        }
    }

    /// Where the chips are in a job: nonce windows of `noncesPerVersion`, each hashed under
    /// every value of the rollable version bits before the next window.
    private struct Scan {
        var job: BM13xxTwinCodec.Job
        var window: UInt32 = 0
        var roll: UInt32 = 0
        var offset: UInt32 = 0
        var scanner: NonceScanner?
    }

    private struct State {
        var portBaud = Chip.resetBaud
        var chipBaud = Chip.resetBaud
        var addresses: [UInt8] = []
        var registers: [UInt8: UInt32] = [:]
        var input: [UInt8] = []
        var output: [UInt8] = []
        var scan: Scan?
        var badFrames = 0
        var jobs = 0
        var frequencies: [Double] = []
        var fault: Fault?
        /// How many of each line's changes the chips have lived through.
        var resetSeen = 0
        var powerSeen = 0
    }

    /// The port's name, for messages.
    public let name: String
    /// The settings given at init.
    public let settings: Settings
    private let reset: SimDigitalLine?
    private let power: SimDigitalLine?
    private let state = Mutex(State())

    /// `reset` (active: held in reset) and `power` (active: supplied) are the board's lines; `nil`
    /// for a line the board does not have.
    public init(name: String = "sim-uart", settings: Settings = Settings(), reset: SimDigitalLine? = nil, power: SimDigitalLine? = nil) {
        self.name = name
        self.settings = settings
        self.reset = reset
        self.power = power
    }

    // MARK: What a test looks at

    /// Frames from the host dropped for a bad preamble, length or CRC.
    public var badFrames: Int { state.withLock { $0.badFrames } }
    /// Jobs received.
    public var jobs: Int { state.withLock { $0.jobs } }
    /// The addresses given to the chips, in order.
    public var addresses: [UInt8] { state.withLock { $0.addresses } }
    /// Every clock the PLL was set to, MHz, in order.
    public var frequencies: [Double] { state.withLock { $0.frequencies } }
    /// A register as last written to every chip.
    public func register(_ register: UInt8) -> UInt32? { state.withLock { $0.registers[register] } }
    /// The speed the chips' UART runs at.
    public var chipBaud: Int { state.withLock { $0.chipBaud } }

    /// Starts a fault, or ends it (`nil`).
    public func inject(_ fault: Fault?) { state.withLock { $0.fault = fault } }

    /// Queues a frame as if a chip had sent it: a glitch, a nonce for a job long gone.
    public func emit(_ response: BM13xxTwinCodec.Response) { state.withLock { $0.output += response.bytes } }

    /// The job the chips are hashing.
    public var currentJob: BM13xxTwinCodec.Job? { state.withLock { $0.scan?.job } }

    // MARK: SerialPort

    /// Sets the host's side of the line, bits per second: bytes pass only while it matches the
    /// chips' UART. Never throws.
    public func setBaudRate(_ baud: Int) throws(HALError) { state.withLock { $0.portBaud = baud } }

    /// Drops the chips' frames not yet read. Never throws.
    public func discardInput() throws(HALError) { state.withLock { $0.output = [] } }

    /// Hands the bytes to the chips, which act on each whole frame and count a broken one in
    /// `badFrames`. The bytes are lost while the chips are unpowered, in reset, silent, or at
    /// another speed. Never throws.
    public func write(_ bytes: [UInt8]) throws(HALError) {
        state.withLock { state in
            guard live(&state), state.fault != .silent, state.portBaud == state.chipBaud else { return }
            state.input += bytes
            parse(&state)
        }
    }

    /// Hashes the next `noncesPerRead` nonces of the current job, then returns up to `maxCount`
    /// of the bytes queued. Returns at once, without waiting `timeout`; nothing while the chips
    /// are unpowered, in reset, silent, or at another speed. Never throws.
    public func read(maxCount: Int, timeout: Duration) throws(HALError) -> [UInt8] {
        state.withLock { state in
            guard live(&state), state.fault != .silent, state.portBaud == state.chipBaud else { return [] }
            hash(&state)
            let count = min(maxCount, state.output.count)
            var bytes = Array(state.output.prefix(count))
            state.output.removeFirst(count)
            if state.fault == .corrupt, !bytes.isEmpty { bytes[bytes.count / 2] ^= 0x04 }
            return bytes
        }
    }

    // MARK: The chips

    /// Whether the chips are powered and out of reset now. If reset was held or the supply cut
    /// at any moment since they last looked, they have forgotten their setup.
    private func live(_ state: inout State) -> Bool {
        let resets = reset?.changes ?? []
        let supplies = power?.changes ?? []
        let interrupted = resets.dropFirst(state.resetSeen).contains(true) || supplies.dropFirst(state.powerSeen).contains(false)
        if interrupted {
            state = State(portBaud: state.portBaud, badFrames: state.badFrames, jobs: state.jobs, frequencies: state.frequencies, fault: state.fault)
        }
        state.resetSeen = resets.count
        state.powerSeen = supplies.count
        return power?.isActive != false && reset?.isActive != true
    }

    private func parse(_ state: inout State) {
        while state.input.count >= 4 {
            guard state.input[0] == 0x55, state.input[1] == 0xAA else {
                state.input.removeFirst()
                continue
            }
            let total = Int(state.input[3]) + 2
            guard state.input.count >= total else { return }
            let frame = Array(state.input.prefix(total))
            state.input.removeFirst(total)
            do throws(HALError) {
                switch try BM13xxTwinCodec.decode(frame) {
                case .job(let job): accept(job, &state)
                case .command(let command): obey(command, &state)
                }
            } catch {
                state.badFrames += 1
            }
        }
    }

    private func obey(_ command: BM13xxTwinCodec.Command, _ state: inout State) {
        switch command {
        case .write(let register, let value, let chip):
            if chip == nil { state.registers[register] = value }
            switch register {
            case Chip.pll0:
                if let mhz = Chip.megahertz(pll: value) { state.frequencies.append(mhz) }
            case Chip.fastUART:
                state.chipBaud = value == Chip.fastUARTValue ? Chip.fastBaud : 0
            default: break
            }
        case .read(let register, let only):
            let chips: [UInt8] = state.addresses.isEmpty ? Array(repeating: 0, count: settings.chips) : state.addresses
            for chip in chips where only == nil || chip == only {
                let value = register == Chip.chipID ? UInt32(settings.model.rawValue) << 16 : state.registers[register] ?? 0
                state.output += BM13xxTwinCodec.Response.register(register, value: value, chip: chip).bytes
            }
        case .setAddress(let address):
            if state.addresses.count < settings.chips { state.addresses.append(address) }
        case .chainInactive:
            state.addresses = []
        }
    }

    private func accept(_ job: BM13xxTwinCodec.Job, _ state: inout State) {
        state.jobs += 1
        // Chips not yet addressed pass jobs on without hashing them.
        guard state.addresses.count == settings.chips else { return }
        state.scan = Scan(job: job)
    }

    /// Hashes the next nonces of the job and queues a frame for each that meets the difficulty.
    private func hash(_ state: inout State) {
        guard var scan = state.scan else { return }
        let rollable = UInt16(truncatingIfNeeded: state.registers[Chip.versionMask] ?? 0)
        let rolls = UInt32(1) << UInt32(rollable.nonzeroBitCount)
        let windows = UInt32((UInt64(1) << 32) / UInt64(settings.noncesPerVersion))
        var budget = settings.noncesPerRead
        while budget > 0, scan.window < windows {
            let bits = Self.deposit(scan.roll, under: rollable)
            let scanner: NonceScanner
            if let current = scan.scanner {
                scanner = current
            } else {
                let version = scan.job.version & ~(UInt32(rollable) << 13) | UInt32(bits) << 13
                let header = BlockHeader(
                    version: version, previousHash: scan.job.previousHash, merkleRoot: scan.job.merkleRoot, time: scan.job.time,
                    bits: scan.job.bits, nonce: 0)
                scanner = NonceScanner(header: header, target: Target(difficulty: settings.difficulty))
                scan.scanner = scanner
            }
            let count = min(budget, settings.noncesPerVersion - scan.offset)
            let first = scan.job.startingNonce &+ scan.window &* settings.noncesPerVersion &+ scan.offset
            // A window that runs past the top of the nonce space goes on from zero.
            let last = first &+ (count - 1)
            let ranges = last >= first ? [first...last] : [first...UInt32.max, 0...last]
            for nonce in ranges.flatMap({ scanner.scan($0, kernel: .best) }) {
                let smallCore = UInt8(truncatingIfNeeded: nonce)
                let jobByte = BM13xxTwinCodec.jobByte(chipID: settings.model.rawValue, jobID: scan.job.id, smallCore: smallCore)
                state.output += BM13xxTwinCodec.Response.nonce(nonce, jobByte: jobByte, versionBits: bits).bytes
            }
            budget -= count
            scan.offset += count
            if scan.offset == settings.noncesPerVersion {
                scan.offset = 0
                scan.roll += 1
                if scan.roll == rolls {
                    scan.roll = 0
                    scan.window += 1
                }
                scan.scanner = nil
            }
        }
        state.scan = scan
    }

    /// The low bits of `value` spread over the set bits of `mask`, lowest first.
    static func deposit(_ value: UInt32, under mask: UInt16) -> UInt16 {
        var result: UInt16 = 0
        var source = value
        for bit in 0..<16 where mask >> bit & 1 == 1 {
            result |= UInt16(source & 1) << bit
            source >>= 1
        }
        return result
    }
}
