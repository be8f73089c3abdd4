import HearthControl
import HearthHAL
import Hummingbird
import Synchronization

/// The last day of the heater, a sample every `interval`: what the dashboard's chart draws.
/// Fed by the control tick: each sample is the mean of the ticks in its interval (the room over
/// the ticks that could read it), so a sample is visible from its interval's first tick on. A
/// ring buffer of fixed size, so a heater that runs for years holds the same memory as on its
/// first day.
public final class HeaterHistory: Sendable {
    public struct Sample: Codable, Hashable, Sendable {
        /// Seconds since 1970.
        public var time: Double
        /// The room temperature, °C; `nil` when no room sensor could be read.
        public var room: Double?
        public var setpoint: Double
        public var powerWatts: Double
        public var hashRate: Double
    }

    public struct Page: Codable, Sendable, ResponseEncodable {
        public var intervalSeconds: Double
        public var samples: [Sample]
    }

    public let interval: Duration
    public let capacity: Int

    /// The ring, and the running sums of the newest sample's interval.
    private struct Ring {
        var samples: [Sample] = []
        var next = 0
        /// Where the newest sample is; `nil` while there is none.
        var newest: Int? { samples.isEmpty ? nil : (next + samples.count - 1) % samples.count }
        var ticks = 0
        var roomTicks = 0
        var sums = (room: 0.0, power: 0.0, hashRate: 0.0)
    }
    private let state = Mutex(Ring())

    public init(interval: Duration = .seconds(30), span: Duration = .seconds(24 * 3600)) {
        self.interval = interval
        self.capacity = max(Int((span / interval).rounded(.up)), 1)
    }

    /// Adds a tick: to the newest sample while the tick falls within its interval, else as the
    /// start of a new sample (at the tick's wall time).
    public func record(_ snapshot: TickSnapshot) {
        let room = snapshot.room?.value
        let power = snapshot.appliedPower.value
        let hashRate = snapshot.engine?.hashRate ?? 0
        state.withLock { ring in
            let within = ring.newest.map { snapshot.wallTime - ring.samples[$0].time }.map { $0 >= 0 && $0 < interval.seconds }
            if within != true {
                // A new interval: a new sample, at this tick's wall time, the sums started again.
                let sample = Sample(time: snapshot.wallTime, room: nil, setpoint: 0, powerWatts: 0, hashRate: 0)
                if ring.samples.count < capacity {
                    ring.samples.append(sample)
                } else {
                    ring.samples[ring.next] = sample
                }
                ring.next = (ring.next + 1) % capacity
                (ring.ticks, ring.roomTicks, ring.sums) = (0, 0, (0, 0, 0))
            }
            guard let newest = ring.newest else { return }
            ring.ticks += 1
            ring.sums.power += power
            ring.sums.hashRate += hashRate
            if let room {
                ring.roomTicks += 1
                ring.sums.room += room
            }
            ring.samples[newest].room = ring.roomTicks > 0 ? ring.sums.room / Double(ring.roomTicks) : nil
            ring.samples[newest].powerWatts = ring.sums.power / Double(ring.ticks)
            ring.samples[newest].hashRate = ring.sums.hashRate / Double(ring.ticks)
            ring.samples[newest].setpoint = snapshot.setpoint.value
        }
    }

    /// The samples, oldest first.
    public var samples: [Sample] {
        state.withLock { ring in
            guard ring.samples.count == capacity else { return ring.samples }
            return Array(ring.samples[ring.next...] + ring.samples[..<ring.next])
        }
    }

    public var page: Page {
        Page(intervalSeconds: interval.seconds, samples: samples)
    }
}
