import HearthHAL

/// One tick of the heater as it was: what every sensor read and which reading is the room, what
/// the power meter and the fan measured, what the safety supervisor and the loops decided, what
/// was applied, and what the hash engine and the pool showed at that moment. Immutable once
/// published: the control tick builds it outside any lock, and every reader (the HTTP API, the
/// metrics, the history, cgminer's API, the dashboard, the log) reads this and nothing else, so
/// they cannot disagree about a value (which sensor is the room, what the power was).
public struct TickSnapshot: Sendable {
    /// The hash engine at the tick.
    public struct Engine: Hashable, Sendable {
        /// What is hashing, e.g. "CPU (shani, up to 2 threads)" or "ASIC (4 × BM1366 …)".
        public var description: String
        /// Hashes a second, smoothed over about ten seconds (the count is the snapshot's `hashes`).
        public var hashRate: Double
        /// The hash chips, where a hash board hashes; `nil` for the CPU or the simulated heater.
        public var chain: ChainReport?

        /// An engine as described, at a hash rate.
        public init(description: String, hashRate: Double, chain: ChainReport? = nil) {
            self.description = description
            self.hashRate = hashRate
            self.chain = chain
        }
    }

    /// The pool at the tick.
    public struct Pool: Hashable, Sendable, Codable {
        /// The pool's name (`primary`, `fallback 1`), `nil` while none is connected.
        public var name: String?
        /// The pool's address as configured, `nil` while none is connected.
        public var url: String?
        /// Whether the pool accepted the worker.
        public var authorized: Bool
        /// The share difficulty the pool set.
        public var difficulty: Double
        /// Shares the pool accepted, rejected, and found stale, since start.
        public var accepted: Int
        public var rejected: Int
        public var stale: Int
        /// The highest difficulty of a share found since start.
        public var bestDifficulty: Double
        /// The pool's or the connection's last error, in words.
        public var lastError: String?
        /// What the accepted shares are worth on average since start, satoshis, before the pool's fee.
        public var expectedSats: Double

        /// A pool's state, as the Stratum client reports it.
        public init(
            name: String?, url: String?, authorized: Bool, difficulty: Double, accepted: Int, rejected: Int, stale: Int,
            bestDifficulty: Double, lastError: String?, expectedSats: Double = 0
        ) {
            self.expectedSats = expectedSats
            self.name = name
            self.url = url
            self.authorized = authorized
            self.difficulty = difficulty
            self.accepted = accepted
            self.rejected = rejected
            self.stale = stale
            self.bestDifficulty = bestDifficulty
            self.lastError = lastError
        }
    }

    /// The tick's place on the control loop's timeline (since the loop started).
    public var elapsed: Duration
    /// Ticks since the service started, this one included (1 for the first).
    public var count = 1
    /// The wall clock at the tick, seconds since 1970 (set by the service, which may read the clock).
    public var wallTime = 0.0
    /// Every sensor's reading or the error that stood in for it, in board order.
    public var readings: [SensorReading]
    /// The room, the heat sink and the exhaust as `ResolvedTemperatures` picks them from `readings`.
    public var temperatures: ResolvedTemperatures
    /// The supply's power meter reading, when the board has one: the power measured, not asked.
    public var power: Result<PowerReading, HALError>?
    /// The fan's measured speed (`nil` inside for a fan without a tachometer), when the board has a fan.
    public var fanSpeed: Result<RPM?, HALError>?
    /// The fan could not be driven this tick.
    public var fanError: HALError?
    /// A fault latched this tick and the outputs were put in their safe state: what could not be.
    public var safeStateErrors: [HALError] = []
    /// The safety supervisor's verdict.
    public var safety: SafetyDecision
    /// What the loops asked for, and the fan duty applied.
    public var output: ControlOutput
    /// The power target that actually reached a load: zero on a board without a hash engine.
    public var appliedPower: Watts
    /// The room temperature the loop held to, and the mode it ran in, this tick.
    public var setpoint: Celsius
    public var mode: Mode
    /// A value set by hand overrides the schedule until its next slot.
    public var scheduleOverridden = false
    /// The latched faults, as the supervisor says them, oldest first.
    public var faults: [String]
    /// Energy the load drew since start, kWh (the applied power over time).
    public var energyKWh: Double
    /// Hashes computed so far, when the load is a hash engine.
    public var hashes: UInt64?
    /// The hash engine, when the board hashes.
    public var engine: Engine?
    /// The pool, when one is configured.
    public var pool: Pool?
    /// The heater's accounts after this tick (energy, cost, earnings), when the owner set a tariff.
    public var accounts: Accounts?

    /// The heater's accounts as a tick leaves them: the ledger, the settings it is read with, and
    /// the price of electricity at the tick.
    public struct Accounts: Hashable, Sendable {
        public var ledger: HeatLedger
        public var settings: EconomicsSettings
        /// The price of a kWh at the tick.
        public var price: Double

        public init(ledger: HeatLedger, settings: EconomicsSettings, price: Double) {
            self.ledger = ledger
            self.settings = settings
            self.price = price
        }

        /// Totals as the owner reads them.
        public func account(_ totals: HeatLedger.Totals) -> HeatAccount { HeatAccount(totals, settings: settings) }
    }

    /// What the control loop read, decided and applied in one tick; the service adds the count,
    /// the wall time, the schedule's state, the engine and the pool.
    public init(
        elapsed: Duration, readings: [SensorReading], temperatures: ResolvedTemperatures, power: Result<PowerReading, HALError>?,
        fanSpeed: Result<RPM?, HALError>?, fanError: HALError?, safety: SafetyDecision, output: ControlOutput,
        appliedPower: Watts, setpoint: Celsius, mode: Mode, faults: [String], energyKWh: Double, hashes: UInt64?
    ) {
        self.elapsed = elapsed
        self.readings = readings
        self.temperatures = temperatures
        self.power = power
        self.fanSpeed = fanSpeed
        self.fanError = fanError
        self.safety = safety
        self.output = output
        self.appliedPower = appliedPower
        self.setpoint = setpoint
        self.mode = mode
        self.faults = faults
        self.energyKWh = energyKWh
        self.hashes = hashes
    }

    /// The room temperature the loop, the supervisor and every reader use; `nil` when unknown.
    public var room: Celsius? { temperatures.roomTemperature }
    /// The supply power measured, W; `nil` without a meter or when it could not be read.
    public var measuredPower: Watts? { try? power?.get().power }
    /// The fan's measured speed; `nil` without a tachometer or when it could not be read.
    public var fanRPM: RPM? { (try? fanSpeed?.get()) ?? nil }
}
