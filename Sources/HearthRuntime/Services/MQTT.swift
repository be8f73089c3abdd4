import HearthAPI
import HearthConfig
import HearthMQTT
import HearthNet
import Logging
import ServiceLifecycle

/// Home Assistant over MQTT as a service of the daemon. It only reads the control service's
/// snapshots and asks through the API's path, so a broker that is down, slow or refusing leaves
/// the heater as it was; the bridge retries on its own, with backoff, for as long as the daemon runs.
struct MQTTService: Service {
    let bridge: HomeAssistantBridge

    /// The bridge for `options`: the device named from the host name (or `node_id`), the client
    /// id `hearth-<node>`, the energy sensor counting on from the state file's lifetime total.
    init(options: MQTTOptions, backend: any HeaterBackend, boardName: String, lifetimeEnergyKWh: Double, logger: Logger) {
        let identity = backend.identity
        let device = HomeAssistantDevice(
            nodeID: options.nodeID ?? HomeAssistantDevice.nodeID(from: identity.hostname), discoveryPrefix: options.discoveryPrefix,
            name: "Hearth \(identity.hostname)", model: "Hearth space heater (\(boardName))", softwareVersion: identity.version)
        var settings = HomeAssistantBridge.Settings(device: device)
        settings.energyOffsetKWh = lifetimeEnergyKWh
        var broker = MQTTConfiguration(
            host: options.host, port: options.port, clientID: "hearth-\(device.nodeID)", username: options.username,
            password: options.password)
        if options.tls {
            // The connection is used once the handshake is done; a certificate refused ends the
            // attempt with TLS's reason, and the client tries again as for any broker that is away.
            broker.channelInitializer = { [host = options.host, caFile = options.caFile] channel in
                try TLSClient.add(to: channel, host: host, configuration: TLSClient.configuration(trustRootsFile: caFile))
            }
        }
        bridge = HomeAssistantBridge(settings: settings, broker: broker, backend: backend, logger: logger)
    }

    /// Runs until the group shuts down: then says `offline` and disconnects, given two seconds
    /// for it (a broker that does not answer must not hold the daemon's exit).
    func run() async throws {
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withGracefulShutdownHandler {
                    await bridge.run()
                } onGracefulShutdown: {
                    bridge.stop()
                }
            }
            group.addTask {
                try await gracefulShutdown()
                try await Task.sleep(for: .seconds(2))
            }
            _ = try? await group.next()
            group.cancelAll()
        }
    }
}
