import HearthControl
import Testing

@Suite struct HeatLedgerTests {
    /// 35 cents from 07:00, 18 cents from 23:00: the night rate runs on past midnight.
    let timeOfUse = Tariff([.init(start: 23 * 60, price: 0.18), .init(start: 7 * 60, price: 0.35)])

    func at(_ day: Int, _ hour: Int, _ minute: Int, month: Int = 12) -> LocalTime {
        LocalTime(year: 2026, month: month, day: day, hour: hour, minute: minute)
    }

    @Test func aTimeOfUseTariffAcrossMidnight() {
        #expect(timeOfUse.price(atMinute: 2 * 60) == 0.18, "02:00: still the night rate of the evening before")
        #expect(timeOfUse.price(atMinute: 7 * 60 - 1) == 0.18)
        #expect(timeOfUse.price(atMinute: 7 * 60) == 0.35)
        #expect(timeOfUse.price(atMinute: 23 * 60 - 1) == 0.35)
        #expect(timeOfUse.price(atMinute: 23 * 60 + 30) == 0.18)
        #expect(Tariff.flat(0.3).price(atMinute: 0) == 0.3 && Tariff.flat(0.3).price(atMinute: 1439) == 0.3)
    }

    /// Worked by hand: a kWh at 22:30 (35 cents), one at 23:30 (18 cents), one at 00:30 the next
    /// day (18 cents), then one on the first of the next month at noon (35 cents).
    @Test func hoursDaysMonthsAndLifetime() {
        var ledger = HeatLedger(lifetime: .init(energyKWh: 100, cost: 30, sats: 5_000))
        ledger.record(energyKWh: 1, sats: 10, at: at(30, 22, 30), tariff: timeOfUse)
        ledger.record(energyKWh: 1, sats: 20, at: at(30, 23, 30), tariff: timeOfUse)
        #expect(ledger.hour == .init(energyKWh: 1, cost: 0.18, sats: 20), "a new hour starts afresh")
        #expect(ledger.day.energyKWh == 2 && abs(ledger.day.cost - 0.53) < 1e-12)
        ledger.record(energyKWh: 1, sats: 30, at: at(31, 0, 30), tariff: timeOfUse)
        #expect(ledger.day == .init(energyKWh: 1, cost: 0.18, sats: 30), "midnight starts a new day")
        #expect(ledger.days.map(\.day) == ["2026-12-30", "2026-12-31"])
        #expect(ledger.days[0].totals.energyKWh == 2 && abs(ledger.days[0].totals.cost - 0.53) < 1e-12 && ledger.days[0].totals.sats == 30)
        #expect(ledger.month.energyKWh == 3 && abs(ledger.month.cost - 0.71) < 1e-12)
        ledger.record(energyKWh: 1, sats: 40, at: LocalTime(year: 2027, month: 1, day: 1, hour: 12, minute: 0), tariff: timeOfUse)
        #expect(ledger.month == .init(energyKWh: 1, cost: 0.35, sats: 40), "a new month")
        #expect(ledger.lifetime.energyKWh == 104 && abs(ledger.lifetime.cost - 31.06) < 1e-12 && ledger.lifetime.sats == 5_100,
            "the lifetime goes on from what was kept")
        ledger.record(energyKWh: .nan, sats: 1, at: at(31, 1, 0), tariff: timeOfUse)
        ledger.record(energyKWh: -1, sats: 1, at: at(31, 1, 0), tariff: timeOfUse)
        #expect(ledger.lifetime.energyKWh == 104, "a figure that cannot be right changes nothing")
    }

    @Test func onlyTheLastDaysAreKept() {
        var ledger = HeatLedger()
        for day in 0..<(HeatLedger.daysKept + 5) {
            ledger.record(energyKWh: 1, sats: 0, at: LocalTime(year: 2026, month: 1 + day / 28, day: 1 + day % 28, hour: 12, minute: 0), tariff: .flat(0.3))
        }
        #expect(ledger.days.count == HeatLedger.daysKept && ledger.lifetime.energyKWh == Double(HeatLedger.daysKept + 5))
    }

    /// 3 kWh at 0.30 is 0.90; 90 000 sats at 100 000 a bitcoin is 90; the heat pump of COP 3
    /// would have made the same heat for 0.30.
    @Test func whatTheHeatCostAndEarned() {
        let settings = EconomicsSettings(tariff: .flat(0.3), currency: "EUR", btcPrice: 100_000, poolFeePercent: 2, heatPumpCOP: 3)
        #expect(settings.paid(1_000) == 980, "the pool keeps 2 %")
        let account = HeatAccount(.init(energyKWh: 3, cost: 0.9, sats: 900), settings: settings)
        #expect(account.earned == 0.9 && account.resistiveCost == 0.9 && abs(account.heatPumpCost - 0.3) < 1e-12)
        #expect(account.netCost == 0 && account.netCostPerKWh == 0)
        let unpriced = HeatAccount(.init(energyKWh: 3, cost: 0.9, sats: 900), settings: .init(tariff: .flat(0.3), currency: "EUR"))
        #expect(unpriced.earned == nil && unpriced.netCost == nil && unpriced.earnedSats == 900, "no bitcoin price: no guess")
    }
}
