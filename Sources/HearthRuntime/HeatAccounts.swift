import Foundation
import HearthControl
import Synchronization

/// The heater's accounts, kept by the control service tick by tick: each tick's heat (the power
/// meter's reading where the board has one, else the power applied, over the tick) and the
/// earnings the pool's accepted shares added (after the pool's fee), at the local time of the
/// tick and the tariff's price then. Work done while no pool took it adds heat but no earnings.
/// The bitcoin price is the owner's, set in the configuration or through the API; nothing is
/// fetched.
public final class HeatAccounts: Sendable {
    private struct State {
        var ledger: HeatLedger
        var settings: EconomicsSettings
        var last: (elapsed: Duration, expectedSats: Double)?
    }

    private let state: Mutex<State>
    private let calendar: Calendar

    /// Accounts with these settings, starting from the lifetime totals kept in the state file;
    /// local times in `calendar`'s time zone.
    public init(settings: EconomicsSettings, lifetime: HeatLedger.Totals = .init(), calendar: Calendar = .current) {
        state = Mutex(State(ledger: HeatLedger(lifetime: lifetime), settings: settings))
        self.calendar = calendar
    }

    /// Sets the owner's bitcoin price (`nil`: none).
    public func setBTCPrice(_ price: Double?) { state.withLock { $0.settings.btcPrice = price } }

    /// Adds the tick of `snapshot` and returns the accounts as it leaves them.
    public func record(_ snapshot: TickSnapshot) -> TickSnapshot.Accounts {
        let date = Date(timeIntervalSince1970: snapshot.wallTime)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let time = LocalTime(
            year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0)
        return state.withLock { state in
            let expected = snapshot.pool?.expectedSats ?? state.last?.expectedSats ?? 0
            if let last = state.last, snapshot.elapsed > last.elapsed {
                let power = snapshot.measuredPower ?? snapshot.appliedPower
                let hours = (snapshot.elapsed - last.elapsed) / .seconds(3600)
                let earned = state.settings.paid(max(expected - last.expectedSats, 0))
                state.ledger.record(energyKWh: max(power.value, 0) * hours / 1000, sats: earned, at: time, tariff: state.settings.tariff)
            }
            state.last = (snapshot.elapsed, expected)
            return TickSnapshot.Accounts(
                ledger: state.ledger, settings: state.settings, price: state.settings.tariff.price(atMinute: time.hour * 60 + time.minute))
        }
    }
}
