/// A moment in the heater's own time zone, as the accounts need it: pure, so the caller reads
/// the clock and the zone.
public struct LocalTime: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// "2026-12-04".
    public var dayKey: String { "\(year)-\(Self.two(month))-\(Self.two(day))" }
    /// "2026-12".
    public var monthKey: String { "\(year)-\(Self.two(month))" }
    /// "2026-12-04T06".
    public var hourKey: String { "\(dayKey)T\(Self.two(hour))" }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// The price of electricity, in the owner's currency per kWh: one flat price, or a time-of-use
/// tariff whose periods each start at a time of day and run until the next one starts; the last
/// of the day runs on past midnight until the first.
public struct Tariff: Hashable, Sendable {
    /// A period of the day, from `start` minutes after midnight.
    public struct Period: Hashable, Sendable {
        public var start: Int
        public var price: Double

        public init(start: Int, price: Double) {
            self.start = start
            self.price = price
        }
    }

    /// In order of start; never empty.
    public let periods: [Period]

    /// A tariff of these periods (in any order; at least one).
    public init(_ periods: [Period]) {
        precondition(!periods.isEmpty, "a tariff has a price")
        self.periods = periods.sorted { $0.start < $1.start }
    }

    /// One price all day.
    public static func flat(_ price: Double) -> Tariff { Tariff([Period(start: 0, price: price)]) }

    /// The price at `minute` minutes after midnight: the last period started by then, or before
    /// the first start of the day the last period, still running from the evening before.
    public func price(atMinute minute: Int) -> Double {
        (periods.last { $0.start <= minute } ?? periods[periods.count - 1]).price
    }
}

/// The heater's accounts: the energy it turned into heat, what that cost, and what its work
/// earned (the expected value of the accepted shares, after the pool's fee), for the hour, the
/// day and the month under way, the last days, and its whole life. Pure: each tick's energy and
/// earnings are handed in with the local time and the tariff.
public struct HeatLedger: Hashable, Sendable {
    /// Energy, kWh; its cost, in the owner's currency; earnings, satoshis.
    public struct Totals: Hashable, Sendable, Codable {
        public var energyKWh = 0.0
        public var cost = 0.0
        public var sats = 0.0

        public init(energyKWh: Double = 0, cost: Double = 0, sats: Double = 0) {
            self.energyKWh = energyKWh
            self.cost = cost
            self.sats = sats
        }

        mutating func add(_ other: Totals) {
            energyKWh += other.energyKWh
            cost += other.cost
            sats += other.sats
        }
    }

    /// One day's totals.
    public struct Day: Hashable, Sendable, Codable {
        public var day: String
        public var totals: Totals
    }

    /// How many days `days` keeps.
    public static let daysKept = 62

    public private(set) var lifetime: Totals
    public private(set) var hour = Totals()
    public private(set) var day = Totals()
    public private(set) var month = Totals()
    /// The last days (the one under way last), at most `daysKept`.
    public private(set) var days: [Day] = []
    private var hourKey: String?
    private var monthKey: String?

    /// A ledger that starts from these lifetime totals (kept across restarts).
    public init(lifetime: Totals = Totals()) { self.lifetime = lifetime }

    /// Adds one tick: `energyKWh` of heat made and `sats` earned, at `time`, priced by `tariff`.
    public mutating func record(energyKWh: Double, sats: Double, at time: LocalTime, tariff: Tariff) {
        guard energyKWh.isFinite, sats.isFinite, energyKWh >= 0, sats >= 0 else { return }
        let price = tariff.price(atMinute: time.hour * 60 + time.minute)
        let tick = Totals(energyKWh: energyKWh, cost: energyKWh * price, sats: sats)
        if time.hourKey != hourKey {
            hourKey = time.hourKey
            hour = Totals()
        }
        if time.dayKey != days.last?.day {
            days.append(Day(day: time.dayKey, totals: Totals()))
            if days.count > Self.daysKept { days.removeFirst(days.count - Self.daysKept) }
            day = Totals()
        }
        if time.monthKey != monthKey {
            monthKey = time.monthKey
            month = Totals()
        }
        hour.add(tick)
        day.add(tick)
        month.add(tick)
        lifetime.add(tick)
        days[days.count - 1].totals.add(tick)
    }
}

/// What the owner sets about money: the tariff and currency, the bitcoin price if they give one
/// (nothing is fetched), the pool's fee, and the heat pump to compare with.
public struct EconomicsSettings: Hashable, Sendable {
    public var tariff: Tariff
    /// "EUR", "USD", …: only a label.
    public var currency: String
    /// One bitcoin in `currency`; `nil` when the owner has given none.
    public var btcPrice: Double?
    /// The share of earnings the pool keeps, percent.
    public var poolFeePercent: Double
    /// The heat pump the heat is compared with: heat out per electricity in.
    public var heatPumpCOP: Double

    public init(tariff: Tariff, currency: String, btcPrice: Double? = nil, poolFeePercent: Double = 0, heatPumpCOP: Double = 3) {
        self.tariff = tariff
        self.currency = currency
        self.btcPrice = btcPrice
        self.poolFeePercent = poolFeePercent
        self.heatPumpCOP = heatPumpCOP
    }

    /// The satoshis a pool pays for work of `expected` satoshis' expected value, after its fee.
    public func paid(_ expected: Double) -> Double { expected * (1 - poolFeePercent / 100) }
}

/// Totals as the owner reads them: what the heat cost, what the work earned, and what the same
/// heat would have cost from a resistive heater and from a heat pump.
public struct HeatAccount: Hashable, Sendable, Codable {
    public var energyKWh: Double
    public var cost: Double
    public var earnedSats: Double
    /// The earnings in the currency; `nil` without a bitcoin price.
    public var earned: Double?
    /// Cost less earnings; `nil` without a bitcoin price.
    public var netCost: Double?
    /// Net cost per kWh of heat; `nil` without a bitcoin price or any heat.
    public var netCostPerKWh: Double?
    /// The same heat from a resistive heater (every kWh of electricity one of heat): the cost.
    public var resistiveCost: Double
    /// The same heat from a heat pump of the settings' COP.
    public var heatPumpCost: Double

    public init(_ totals: HeatLedger.Totals, settings: EconomicsSettings) {
        energyKWh = totals.energyKWh
        cost = totals.cost
        earnedSats = totals.sats
        earned = settings.btcPrice.map { totals.sats / 100_000_000 * $0 }
        netCost = earned.map { totals.cost - $0 }
        netCostPerKWh = totals.energyKWh > 0 ? netCost.map { $0 / totals.energyKWh } : nil
        resistiveCost = totals.cost
        heatPumpCost = settings.heatPumpCOP > 0 ? totals.cost / settings.heatPumpCOP : totals.cost
    }
}
