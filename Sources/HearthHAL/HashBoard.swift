/// A unit of work for a hash board: a block header without its nonce, which the chips complete
/// themselves, splitting the nonce space between them and rolling the version bits they are allowed
/// to. The fields are the header's, as they sit in it; the board turns them into its own frames.
public struct HashJob: Hashable, Sendable {
    /// The board's tag for this job, from `HashBoard.nextJobID()`: a nonce found for it comes back
    /// with the same ID. Only IDs the board handed out are meaningful to it.
    public var id: UInt8
    /// Where the chips start counting nonces (0: the whole space from the start).
    public var startingNonce: UInt32
    /// The header's version, before any rolling.
    public var version: UInt32
    /// The previous block's hash, 32 bytes in the header's (internal) byte order.
    public var previousHash: [UInt8]
    /// The merkle root, 32 bytes in the header's (internal) byte order.
    public var merkleRoot: [UInt8]
    /// The header's time, seconds since 1970 (UTC).
    public var time: UInt32
    /// The header's compact target (nBits).
    public var bits: UInt32

    /// A job. A hash that is not 32 bytes is not refused here: `HashBoard.send(_:)` refuses it
    /// (`outOfRange`).
    public init(
        id: UInt8, startingNonce: UInt32 = 0, version: UInt32, previousHash: [UInt8], merkleRoot: [UInt8], time: UInt32,
        bits: UInt32
    ) {
        self.id = id
        self.startingNonce = startingNonce
        self.version = version
        self.previousHash = previousHash
        self.merkleRoot = merkleRoot
        self.time = time
        self.bits = bits
    }
}

/// A nonce a hash board found: the header of the job `jobID`, with this nonce and these version
/// bits, hashes to a value that meets the board's ticket difficulty (if the chips are right: the
/// caller checks).
public struct HashNonce: Hashable, Sendable {
    /// The header's nonce field, as a number (it sits little-endian in the header).
    public var nonce: UInt32
    /// The ID of the job it was found for, as given in `HashJob.id`.
    public var jobID: UInt8
    /// The version bits the chips rolled, in their place in the header's version: the header
    /// hashed is the job's version with the rolling mask's bits replaced by these. Bits outside
    /// the mask the board was given mean the chips are wrong.
    public var versionBits: UInt32

    /// A found nonce.
    public init(nonce: UInt32, jobID: UInt8, versionBits: UInt32) {
        self.nonce = nonce
        self.jobID = jobID
        self.versionBits = versionBits
    }
}

/// A hash board: a chain of hashing chips behind one port, with the lines that power them and hold
/// them in reset. One thread owns it (it is not `Sendable`): it brings the chain up (`start`),
/// moves the clock in small steps (`step(toward:)`), sends jobs and reads the nonces found
/// (`nonces(timeout:)`), and takes it down (`stop`).
///
/// Every operation that touches the hardware throws `HALError`; a board that throws is taken for
/// failed by its owner, which calls `stop()` to leave it safe.
public protocol HashBoard: AnyObject {
    /// The board's name for messages: the port its chips are on, e.g. `/dev/ttyS0`.
    var name: String { get }
    /// The chips that answered at the last `start`; 0 while stopped.
    var chips: Int { get }
    /// The chips' clock now, in MHz (the reset clock while stopped).
    var frequency: Double { get }
    /// Frames from the chips dropped as broken (bad preamble or check) since the last `start`.
    var badFrames: Int { get }
    /// Hashes each chip does per clock cycle (its small cores): the expected hash rate is
    /// `frequency` × 10⁶ × `smallCoresPerChip` × `chips` hashes per second.
    var smallCoresPerChip: Int { get }
    /// The difficulty below which the chips keep a nonce to themselves (a power of two): each
    /// nonce returned stands for about `ticketDifficulty` × 2³² hashes.
    var ticketDifficulty: Double { get }

    /// Powers the board, takes the chips out of reset, counts the chips that answer and sets them
    /// up to hash at the reset clock; returns how many answered. Asks `abandon` between its steps
    /// (a start takes about half a second): when it says so, the start is given up, the board left
    /// held in reset with its supply off, and `nil` returned.
    ///
    /// Throws `unavailable` when no chip answered, `badData` when a chip of another kind did, or
    /// the port's or a line's error; on any failure the board is left held in reset, unpowered.
    func start(abandoningIf abandon: () -> Bool) throws(HALError) -> Int?

    /// Holds the chips in reset and turns their supply off. Every line is tried; the first failure
    /// is thrown.
    func stop() throws(HALError)

    /// Moves the clock one step toward `target` MHz (the nearest the chips can make), by no more
    /// than their supply can follow; returns `true` once there. Throws `outOfRange` for a clock
    /// the chips cannot make, or the port's error.
    @discardableResult
    func step(toward target: Double) throws(HALError) -> Bool

    /// Lets the chips roll these BIP 310 version bits (zero: none) in the jobs sent from now on.
    /// Throws the port's error.
    func setVersionMask(_ mask: UInt32) throws(HALError)

    /// The ID for the next job. IDs are few and come round again: a nonce for an ID reused since
    /// is indistinguishable from one for the new job (the caller replaces its record of the job).
    func nextJobID() -> UInt8

    /// Sends a job to every chip; the chips drop what they were hashing. Throws `outOfRange` for
    /// a hash that is not 32 bytes, or the port's error.
    func send(_ job: HashJob) throws(HALError)

    /// The nonces that arrive within `timeout`. Frames that are not nonces (register answers) are
    /// dropped; broken ones are dropped and counted in `badFrames`. Throws the port's error.
    func nonces(timeout: Duration) throws(HALError) -> [HashNonce]
}

/// What a hash board's engine shows of its chips, for status, the ESP-Miner API and the snapshot.
public struct ChainReport: Hashable, Sendable {
    /// The chips' model, e.g. "BM1366".
    public var model: String
    /// The chips that answered; 0 while the chain is off.
    public var chips: Int
    /// Their clock, MHz; 0 while off.
    public var frequency: Double
    /// Hashes each chip does per clock cycle.
    public var smallCoresPerChip: Int

    public init(model: String, chips: Int, frequency: Double, smallCoresPerChip: Int) {
        self.model = model
        self.chips = chips
        self.frequency = frequency
        self.smallCoresPerChip = smallCoresPerChip
    }

    /// What the chips hash a second at this clock, by their cores.
    public var expectedHashRate: Double { frequency * 1e6 * Double(smallCoresPerChip * chips) }
}
