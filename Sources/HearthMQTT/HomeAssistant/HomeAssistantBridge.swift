import HearthAPI
import HearthControl
import Logging
import Synchronization

/// The heater in Home Assistant: publishes its discovery and its state over MQTT, and takes
/// Home Assistant's commands through the API's path (`HeaterBackend`, `HeaterRequest`).
///
/// It reads the control service's snapshots and never calls into a tick: a broker that is down,
/// slow or refusing leaves the heater as it was. State goes out retained, a topic when its value
/// changed: setpoint, mode, preset, action and faults at once, readings at most every
/// `stateInterval`. Every (re)connection says `online`, the discovery and the whole state again;
/// the last will (and a clean stop) says `offline`.
public final class HomeAssistantBridge: Sendable {
    /// What the bridge says and how often.
    public struct Settings: Sendable {
        public var device: HomeAssistantDevice
        /// The least time between two publications of the readings (temperatures, power...).
        public var stateInterval = Duration.seconds(5)
        /// How often the last snapshot is looked at (a new tick's is published once).
        public var pollInterval = Duration.milliseconds(250)
        /// The energy of the heater's earlier runs, kWh, added to this run's.
        public var energyOffsetKWh = 0.0

        public init(device: HomeAssistantDevice) {
            self.device = device
        }
    }

    /// What the bridge did with Home Assistant's commands.
    public struct Status: Hashable, Sendable {
        /// Commands taken (including those that changed nothing).
        public var applied = 0
        /// Commands refused: a bad payload, a value out of range, a stale retained command.
        public var refused = 0
        /// Why the last one was refused.
        public var lastRefusal: String?
    }

    public let settings: Settings
    private let broker: MQTTConfiguration
    private let backend: any HeaterBackend
    private let logger: Logger
    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    private struct State {
        var client: MQTTClient?
        var stopping = false
        var status = Status()
        /// Topic → the payload last handed to the client since the connection began.
        var published: [String: String] = [:]
        /// The parts whose discovery went out on this connection.
        var discovered: HomeAssistantDevice.Parts?
        var lastMeasurement: Duration?
        var lastTick: Int?
    }

    /// A bridge to the broker `broker` describes (its will is set here: `offline`, retained).
    public init(settings: Settings, broker: MQTTConfiguration, backend: any HeaterBackend, logger: Logger) {
        self.settings = settings
        var broker = broker
        broker.will = settings.device.offline
        self.broker = broker
        self.backend = backend
        self.logger = logger
    }

    public var status: Status { state.withLock { $0.status } }

    /// The MQTT connection's status; `nil` while not running.
    public var mqtt: MQTTStatus? { state.withLock { $0.client }?.status }

    private var now: Duration { origin.duration(to: .now) }

    /// Connects, publishes and takes commands until `stop()` or cancellation. Never throws.
    public func run() async {
        let client = MQTTClient(
            configuration: broker, logger: logger, onConnect: { [self] client in connected(client) },
            onMessage: { [self] message, client in receive(message, client: client) })
        guard state.withLock({ state in
            if !state.stopping { state.client = client }
            return !state.stopping
        }) else { return }
        defer { state.withLock { $0.client = nil } }
        let device = settings.device
        client.subscribe(
            device.commandTopics.map { MQTTSubscription($0, qos: .atLeastOnce) } + [MQTTSubscription(device.homeAssistantStatusTopic, qos: .atMostOnce)])
        logger.info("Home Assistant over MQTT: broker \(broker.address), device \(device.nodeID), discovery under \(device.discoveryPrefix)/")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.pollInterval)
                    publishState(client, force: false)
                }
            }
            await client.run()
            group.cancelAll()
        }
    }

    /// Says `offline` and disconnects; `run()` returns then.
    public func stop() {
        let client = state.withLock { state in
            state.stopping = true
            return state.client
        }
        client?.stop()
    }

    /// On every connection: `online`, then the discovery and the whole state again.
    private func connected(_ client: MQTTClient) {
        state.withLock { state in
            state.published = [:]
            state.discovered = nil
            state.lastMeasurement = nil
        }
        try? client.publish(settings.device.online)
        publishState(client, force: true)
    }

    /// The discovery when the parts changed, and every value that changed (readings only when
    /// their interval is up), from the last snapshot; with `force`, even from a tick already seen.
    private func publishState(_ client: MQTTClient, force: Bool) {
        guard let snapshot = backend.snapshot() else { return }
        let device = settings.device
        let now = now
        let parts = HomeAssistantDevice.Parts(snapshot)
        let values = HomeAssistantState(snapshot, device: device, energyOffsetKWh: settings.energyOffsetKWh).values
        let interval = settings.stateInterval
        let messages = state.withLock { state -> [MQTTMessage] in
            guard force || state.lastTick != snapshot.count else { return [] }
            state.lastTick = snapshot.count
            var messages: [MQTTMessage] = []
            if state.discovered != parts {
                messages += device.discovery(parts)
                state.discovered = parts
            }
            let readingsDue = state.lastMeasurement.map { now - $0 >= interval } ?? true
            var readings = false
            for (topic, value) in values.sorted(by: { $0.key < $1.key }) where state.published[topic] != value.payload {
                if value.pace == .measurement {
                    guard readingsDue else { continue }
                    readings = true
                }
                state.published[topic] = value.payload
                messages.append(MQTTMessage(topic: topic, text: value.payload, retain: true))
            }
            if readings { state.lastMeasurement = now }
            return messages
        }
        for message in messages {
            do {
                try client.publish(message)
            } catch {
                logger.error("not published to MQTT: \(error)")
            }
        }
    }

    /// A message on a subscribed topic: Home Assistant's status, or a command.
    private func receive(_ message: MQTTMessage, client: MQTTClient) {
        let device = settings.device
        if message.topic == device.homeAssistantStatusTopic {
            if message.text == "online", !message.retain {
                logger.info("Home Assistant started: publishing the discovery and state again")
                connected(client)
            }
            return
        }
        guard let text = message.text else {
            refuse(message.topic, "\(message.payload.count) bytes", "the payload is not UTF-8 text")
            return
        }
        guard !message.retain else {
            // A retained command would be taken again at every reconnect, long after it was meant.
            refuse(message.topic, text, "it is retained, so from before this connection: commands are taken live only (an empty retained message on the topic clears it)")
            return
        }
        let command: HomeAssistantCommand?
        do throws(HeaterRequest.Refusal) {
            command = try HomeAssistantCommand(topic: message.topic, payload: text, device: device, current: backend.snapshot()?.mode)
        } catch {
            refuse(message.topic, text, error.message)
            return
        }
        guard let command else { return }
        state.withLock { $0.status.applied += 1 }
        switch command {
        case .set(nil, nil):
            logger.info("Home Assistant asked for \"\(text)\" on \(message.topic): already so, nothing to change")
        case .set(let setpoint, let mode):
            backend.set(setpoint: setpoint, mode: mode)
            let what = [setpoint.map { "setpoint \($0)" }, mode.map { "mode \($0.rawValue)" }].compactMap { $0 }.joined(separator: ", ")
            logger.notice("Home Assistant set \(what)")
        case .clearFaults:
            let cleared = backend.clearFaults()
            logger.notice("Home Assistant cleared \(cleared.isEmpty ? "no faults (none were latched)" : "the faults: \(cleared.joined(separator: "; "))")")
        }
    }

    private func refuse(_ topic: String, _ payload: String, _ reason: String) {
        state.withLock { state in
            state.status.refused += 1
            state.status.lastRefusal = reason
        }
        logger.warning("Home Assistant command refused: \(topic) \"\(payload.prefix(200))\": \(reason)")
    }
}
