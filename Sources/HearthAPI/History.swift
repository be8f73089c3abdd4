import Foundation
import Hummingbird
import Synchronization

/// The last day of the heater, a sample every `interval`: what the dashboard's chart draws.
/// A ring buffer of fixed size, so a heater that runs for years holds the same memory as on its
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
    private let state = Mutex((samples: [Sample](), next: 0))

    public init(interval: Duration = .seconds(30), span: Duration = .seconds(24 * 3600)) {
        self.interval = interval
        self.capacity = max(Int((span / interval).rounded(.up)), 1)
    }

    /// Adds a sample of `status` taken at `time`.
    public func record(_ status: HeaterStatus, at time: Date) {
        let room = status.temperatures.first { $0.role == "room" }?.celsius
            ?? status.temperatures.first { $0.role == "intake" }?.celsius
        let sample = Sample(
            time: time.timeIntervalSince1970, room: room, setpoint: status.setpoint, powerWatts: status.powerWatts,
            hashRate: status.hashRate)
        state.withLock { state in
            if state.samples.count < capacity {
                state.samples.append(sample)
            } else {
                state.samples[state.next] = sample
            }
            state.next = (state.next + 1) % capacity
        }
    }

    /// The samples, oldest first.
    public var samples: [Sample] {
        state.withLock { state in
            guard state.samples.count == capacity else { return state.samples }
            return Array(state.samples[state.next...] + state.samples[..<state.next])
        }
    }

    public var page: Page {
        Page(intervalSeconds: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18, samples: samples)
    }

    /// Records a sample now and every `interval` until the task is cancelled.
    public func run(_ backend: any HeaterBackend) async {
        while !Task.isCancelled {
            record(backend.status(), at: Date())
            try? await Task.sleep(for: interval)
        }
    }
}
