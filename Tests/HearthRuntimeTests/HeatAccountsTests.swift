import Foundation
import HearthControl
import HearthHAL
import Testing

@testable import HearthRuntime

@Suite struct HeatAccountsTests {
    func snapshot(at seconds: Int, wall: Double, applied: Double, measured: Double?, expectedSats: Double?) -> TickSnapshot {
        var snapshot = TickSnapshot(
            elapsed: .seconds(seconds), readings: [], temperatures: ResolvedTemperatures([]),
            power: measured.map { .success(PowerReading(voltage: Volts(12), current: Amperes($0 / 12), power: Watts($0))) },
            fanSpeed: nil, fanError: nil, safety: SafetyDecision(maxPower: Watts(1200), fansFull: false),
            output: ControlOutput(demand: Watts(applied), powerTarget: Watts(applied), fanDuty: DutyCycle(0.5)),
            appliedPower: Watts(applied), setpoint: Celsius(21), mode: .heat, faults: [], energyKWh: 0, hashes: nil)
        snapshot.wallTime = wall
        snapshot.pool = expectedSats.map {
            .init(name: "primary", url: nil, authorized: true, difficulty: 1, accepted: 1, rejected: 0, stale: 0, bestDifficulty: 1,
                lastError: nil, expectedSats: $0)
        }
        return snapshot
    }

    /// An hour at 1 kW measured (the meter wins over the 400 W applied) is 1 kWh at the night
    /// rate; the shares' expected value grows by 1 000 sats, of which the pool keeps 2 %. A tick
    /// without a pool adds heat, and no earnings.
    @Test func heatFromTheMeterAndEarningsAfterThePoolsFee() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let settings = EconomicsSettings(
            tariff: Tariff([.init(start: 7 * 60, price: 0.35), .init(start: 23 * 60, price: 0.18)]), currency: "EUR",
            btcPrice: 100_000, poolFeePercent: 2)
        let accounts = HeatAccounts(settings: settings, lifetime: .init(energyKWh: 10, cost: 3, sats: 0), calendar: calendar)
        let midnight = 1_796_256_000.0  // 2026-12-03T00:00:00Z
        _ = accounts.record(snapshot(at: 0, wall: midnight, applied: 400, measured: 1000, expectedSats: 500))
        let hour = accounts.record(snapshot(at: 3600, wall: midnight + 3600, applied: 400, measured: 1000, expectedSats: 1500))
        #expect(abs(hour.ledger.day.energyKWh - 1) < 1e-12 && abs(hour.ledger.day.cost - 0.18) < 1e-12)
        #expect(abs(hour.ledger.day.sats - 980) < 1e-9, "1 000 sats of work, 2 % to the pool")
        #expect(hour.ledger.days.map(\.day) == ["2026-12-03"] && hour.price == 0.18)
        #expect(abs(hour.ledger.lifetime.energyKWh - 11) < 1e-12, "from the lifetime kept")
        let offline = accounts.record(snapshot(at: 7200, wall: midnight + 7200, applied: 400, measured: nil, expectedSats: nil))
        #expect(abs(offline.ledger.day.energyKWh - 1.4) < 1e-12, "no meter reading: the 400 W applied")
        #expect(abs(offline.ledger.day.sats - 980) < 1e-9, "no pool: heat, no earnings")
        accounts.setBTCPrice(50_000)
        let repriced = accounts.record(snapshot(at: 7200, wall: midnight + 7200, applied: 0, measured: nil, expectedSats: nil))
        #expect(repriced.account(repriced.ledger.day).earned == 980.0 / 1e8 * 50_000)
    }
}
