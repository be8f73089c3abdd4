import CoreMetrics
import Prometheus
import Synchronization

/// The heater's figures for Prometheus, at `GET /metrics`.
///
/// They are swift-metrics gauges and counters made on swift-prometheus' factory over a registry
/// of their own (not the process-wide `MetricsSystem`, so that tests and several APIs in one
/// process do not share figures), and are brought up to date from the heater's status at each
/// scrape: a scrape sees the heater as it is at that moment, and nothing runs between scrapes.
public final class HeaterMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// The totals last seen, per counter, to add only what is new.
    private let totals = Mutex<[String: Int64]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Brings every figure up to date with `status` and returns the registry's text exposition.
    public func scrape(_ status: HeaterStatus) -> [UInt8] {
        update(from: status)
        return registry.emitToBuffer()
    }

    func update(from status: HeaterStatus) {
        gauge("hearth_setpoint_celsius", status.setpoint)
        for mode in ["off", "heat", "eco", "boost", "night"] {
            gauge("hearth_mode", status.mode == mode ? 1 : 0, [("mode", mode)])
        }
        gauge("hearth_schedule_overridden", status.scheduleOverridden ? 1 : 0)
        for temperature in status.temperatures {
            let labels = [("sensor", temperature.name), ("role", temperature.role)]
            gauge("hearth_sensor_ok", temperature.celsius == nil ? 0 : 1, labels)
            // An unreadable sensor's temperature is not a number, never a stale value.
            gauge("hearth_temperature_celsius", temperature.celsius ?? .nan, labels)
        }
        gauge("hearth_power_target_watts", status.powerWatts)
        if let supply = status.supplyWatts { gauge("hearth_supply_watts", supply) }
        if let duty = status.fanDuty { gauge("hearth_fan_duty_ratio", duty) }
        if let rpm = status.fanRPM { gauge("hearth_fan_rpm", rpm) }
        gauge("hearth_hash_rate_hashes_per_second", status.hashRate)
        count("hearth_hashes_total", Int64(clamping: status.hashes))
        gauge("hearth_faults_latched", Double(status.faults.count))
        gauge("hearth_uptime_seconds", Double(status.uptimeSeconds))
        let pool = status.pool
        gauge("hearth_pool_authorized", pool?.authorized == true ? 1 : 0)
        gauge("hearth_pool_difficulty", pool?.difficulty ?? 0)
        gauge("hearth_best_share_difficulty", pool?.bestDifficulty ?? 0)
        count("hearth_shares_accepted_total", Int64(pool?.accepted ?? 0))
        count("hearth_shares_rejected_total", Int64(pool?.rejected ?? 0))
        count("hearth_shares_stale_total", Int64(pool?.stale ?? 0))
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
