import CoreMetrics
import HearthControl
import Prometheus
import Synchronization

/// The heater's figures for Prometheus, at `GET /metrics`.
///
/// They are swift-metrics gauges and counters made on swift-prometheus' factory over a registry
/// of their own (not the process-wide `MetricsSystem`, so that tests and several APIs in one
/// process do not share figures), and are brought up to date from the last tick's snapshot at
/// each scrape: a scrape sees the heater as that tick left it, and nothing runs between scrapes.
public final class HeaterMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The totals last seen, per counter, to add only what is new.
    private let totals = Mutex<[String: Int64]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Brings every figure up to date with `snapshot` and returns the registry's text exposition.
    public func scrape(_ snapshot: TickSnapshot) -> [UInt8] {
        update(from: snapshot)
        return registry.emitToBuffer()
    }

    func update(from snapshot: TickSnapshot) {
        gauge("hearth_setpoint_celsius", snapshot.setpoint.value)
        for mode in Mode.allCases {
            gauge("hearth_mode", snapshot.mode == mode ? 1 : 0, [("mode", mode.rawValue)])
        }
        gauge("hearth_schedule_overridden", snapshot.scheduleOverridden ? 1 : 0)
        for reading in snapshot.readings {
            let labels = [("sensor", reading.name), ("role", reading.role.rawValue)]
            gauge("hearth_sensor_ok", reading.value == nil ? 0 : 1, labels)
            // An unreadable sensor's temperature is not a number, never a stale value.
            gauge("hearth_temperature_celsius", reading.value?.value ?? .nan, labels)
        }
        // The room the thermostat holds, whichever sensor it is (a room sensor, else an intake).
        if let room = snapshot.temperatures.room {
            gauge("hearth_room_celsius", room.value?.value ?? .nan, [("sensor", room.name)])
        }
        gauge("hearth_power_target_watts", snapshot.appliedPower.value)
        if let supply = snapshot.measuredPower { gauge("hearth_supply_watts", supply.value) }
        gauge("hearth_fan_duty_ratio", snapshot.output.fanDuty.value)
        if let rpm = snapshot.fanRPM { gauge("hearth_fan_rpm", rpm.value) }
        gauge("hearth_hash_rate_hashes_per_second", snapshot.engine?.hashRate ?? 0)
        count("hearth_hashes_total", Int64(clamping: snapshot.hashes ?? 0))
        gauge("hearth_faults_latched", Double(snapshot.faults.count))
        gauge("hearth_uptime_seconds", snapshot.elapsed.seconds.rounded(.down))
        let pool = snapshot.pool
        gauge("hearth_pool_authorized", pool?.authorized == true ? 1 : 0)
        gauge("hearth_pool_difficulty", pool?.difficulty ?? 0)
        gauge("hearth_best_share_difficulty", pool?.bestDifficulty ?? 0)
        count("hearth_shares_accepted_total", Int64(pool?.accepted ?? 0))
        count("hearth_shares_rejected_total", Int64(pool?.rejected ?? 0))
        count("hearth_shares_stale_total", Int64(pool?.stale ?? 0))
        // The accounts' lifetime (kept across restarts), as gauges: they hold fractions.
        if let accounts = snapshot.accounts {
            let lifetime = accounts.ledger.lifetime, currency = [("currency", accounts.settings.currency)]
            gauge("hearth_heat_energy_kwh", lifetime.energyKWh)
            gauge("hearth_heat_cost", lifetime.cost, currency)
            gauge("hearth_earned_sats", lifetime.sats)
            gauge("hearth_electricity_price_per_kwh", accounts.price, currency)
        }
    }

    private func gauge(_ name: String, _ value: Double, _ labels: [(String, String)] = []) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    /// Adds to a counter what its total gained since the last scrape. A total that went down
    /// (its source started again) counts from zero again.
    private func count(_ name: String, _ total: Int64) {
        let added = totals.withLock { totals in
            let last = totals[name] ?? 0
            totals[name] = total
            return total >= last ? total - last : total
        }
        Counter(label: name, factory: factory).increment(by: added)
    }
}
