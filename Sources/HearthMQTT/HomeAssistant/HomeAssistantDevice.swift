import HearthControl
import HearthHAL

/// The heater as one Home Assistant device: who it is, where its topics are, and the discovery
/// messages that make Home Assistant show it with no YAML (one retained message per entity on
/// `<prefix>/<component>/<node>/<object>/config`, each with the same `device` block).
public struct HomeAssistantDevice: Hashable, Sendable {
    /// The node id in every topic: letters, digits, `_` and `-` only (`nodeID(from:)` makes one).
    public var nodeID: String
    /// Where Home Assistant listens for discovery, "homeassistant" by default.
    public var discoveryPrefix: String
    /// The device's name in Home Assistant, e.g. "Hearth den".
    public var name: String
    /// The device's model, e.g. "Hearth space heater (sim)".
    public var model: String
    /// Hearth's version.
    public var softwareVersion: String

    public init(nodeID: String, discoveryPrefix: String = "homeassistant", name: String, model: String, softwareVersion: String) {
        self.nodeID = nodeID
        self.discoveryPrefix = discoveryPrefix
        self.name = name
        self.model = model
        self.softwareVersion = softwareVersion
    }

    /// A node id from a host name: each character outside [A-Za-z0-9_-] becomes `_`; "hearth" if
    /// nothing is left.
    public static func nodeID(from hostname: String) -> String {
        let allowed = hostname.unicodeScalars.map { scalar -> Character in
            isNodeCharacter(scalar) ? Character(scalar) : "_"
        }
        let id = String(allowed)
        return id.isEmpty ? "hearth" : id
    }

    /// Whether `text` may be a node id or object id in a discovery topic.
    public static func isValidID(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy(isNodeCharacter)
    }

    private static func isNodeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
        default: false
        }
    }

    // MARK: Topics

    /// The root of the heater's own topics: `hearth/<node>`.
    public var root: String { "hearth/\(nodeID)" }
    /// `online` or `offline`, retained; the last will says `offline`.
    public var availabilityTopic: String { "\(root)/status" }
    public var setpointTopic: String { "\(root)/setpoint" }
    public var setpointCommandTopic: String { "\(root)/setpoint/set" }
    /// `off` or `heat` (Home Assistant's HVAC modes).
    public var modeTopic: String { "\(root)/mode" }
    public var modeCommandTopic: String { "\(root)/mode/set" }
    /// `eco`, `boost`, `night`, or `none` (plain heat, or off).
    public var presetTopic: String { "\(root)/preset" }
    public var presetCommandTopic: String { "\(root)/preset/set" }
    /// `heating`, `idle` or `off`.
    public var actionTopic: String { "\(root)/action" }
    /// The room temperature the thermostat holds, °C.
    public var roomTopic: String { "\(root)/room" }
    public var powerTopic: String { "\(root)/power" }
    public var energyTopic: String { "\(root)/energy" }
    public var hashRateTopic: String { "\(root)/hashrate" }
    public var fanTopic: String { "\(root)/fan" }
    public var sharesTopic: String { "\(root)/shares" }
    /// `ON` while a fault is latched, `OFF` otherwise.
    public var problemTopic: String { "\(root)/problem" }
    /// `{"faults": [...], "count": n}`: the latched faults' text, as the problem sensor's attributes.
    public var faultsTopic: String { "\(root)/faults" }
    /// `PRESS` clears the latched faults.
    public var clearFaultsCommandTopic: String { "\(root)/faults/clear" }
    /// Home Assistant's own status (`online` when it starts): the device then publishes its
    /// discovery and state again.
    public var homeAssistantStatusTopic: String { "\(discoveryPrefix)/status" }

    /// The topic of one temperature sensor's reading, by its name on the board.
    public func temperatureTopic(_ sensor: String) -> String { "\(root)/temperature/\(Self.nodeID(from: sensor))" }

    /// The topics the heater takes commands on.
    public var commandTopics: [String] { [setpointCommandTopic, modeCommandTopic, presetCommandTopic, clearFaultsCommandTopic] }

    /// Where an entity's discovery message goes.
    public func discoveryTopic(component: String, object: String) -> String {
        "\(discoveryPrefix)/\(component)/\(nodeID)/\(object)/config"
    }

    // MARK: Discovery

    /// What discovery says of the heater's parts: its temperature sensors (names and roles, in
    /// board order) and whether it has a fan.
    public struct Parts: Hashable, Sendable {
        public var sensors: [Sensor]
        public var hasFan: Bool

        public struct Sensor: Hashable, Sendable {
            public var name: String
            public var role: SensorRole
            public init(name: String, role: SensorRole) {
                self.name = name
                self.role = role
            }
        }

        public init(sensors: [Sensor], hasFan: Bool) {
            self.sensors = sensors
            self.hasFan = hasFan
        }

        /// The parts a tick's snapshot shows.
        public init(_ snapshot: TickSnapshot) {
            self.init(sensors: snapshot.readings.map { Sensor(name: $0.name, role: $0.role) }, hasFan: snapshot.fanSpeed != nil)
        }
    }

    /// Where the discovery of one entity goes, and what it says.
    public struct Entity: Hashable, Sendable {
        /// `climate`, `sensor`, `binary_sensor` or `button`.
        public var component: String
        /// Unique within the node.
        public var object: String
        public var config: [String: JSONValue]
    }

    /// The `device` block every entity carries, so that Home Assistant groups them as one device.
    public var deviceBlock: JSONValue {
        [
            "identifiers": [.string("hearth_\(nodeID)")], "name": .string(name), "manufacturer": "Hearth",
            "model": .string(model), "sw_version": .string(softwareVersion),
        ]
    }

    /// Every entity of the heater with these parts: the climate entity, a sensor per temperature,
    /// power, energy, hash rate, fan speed (with a fan), shares, the fault sensor and the button
    /// that clears faults.
    public func entities(_ parts: Parts) -> [Entity] {
        let range = Thermostat.setpointRange
        var entities: [Entity] = [
            entity(
                "climate", "thermostat", name: "Thermostat",
                [
                    "current_temperature_topic": .string(roomTopic),
                    "temperature_state_topic": .string(setpointTopic), "temperature_command_topic": .string(setpointCommandTopic),
                    "min_temp": .number(range.lowerBound), "max_temp": .number(range.upperBound), "temp_step": .number(0.5),
                    "precision": .number(0.1), "temperature_unit": "C",
                    "modes": ["off", "heat"], "mode_state_topic": .string(modeTopic), "mode_command_topic": .string(modeCommandTopic),
                    "preset_modes": ["eco", "boost", "night"], "preset_mode_state_topic": .string(presetTopic),
                    "preset_mode_command_topic": .string(presetCommandTopic),
                    "action_topic": .string(actionTopic), "optimistic": false, "retain": false, "qos": .number(1),
                ])
        ]
        for sensor in parts.sensors {
            let id = Self.nodeID(from: sensor.name)
            entities.append(entity(
                "sensor", "temperature_\(id)", name: "\(sensor.name) temperature",
                [
                    "state_topic": .string(temperatureTopic(sensor.name)), "device_class": "temperature", "unit_of_measurement": "°C",
                    "state_class": "measurement", "suggested_display_precision": .number(1),
                ]))
        }
        entities.append(entity(
            "sensor", "power", name: "Power",
            ["state_topic": .string(powerTopic), "device_class": "power", "unit_of_measurement": "W", "state_class": "measurement"]))
        entities.append(entity(
            "sensor", "energy", name: "Energy",
            [
                "state_topic": .string(energyTopic), "device_class": "energy", "unit_of_measurement": "kWh",
                "state_class": "total_increasing", "suggested_display_precision": .number(3),
            ]))
        entities.append(entity(
            "sensor", "hash_rate", name: "Hash rate",
            ["state_topic": .string(hashRateTopic), "unit_of_measurement": "GH/s", "state_class": "measurement", "icon": "mdi:pickaxe"]))
        if parts.hasFan {
            entities.append(entity(
                "sensor", "fan_speed", name: "Fan speed",
                ["state_topic": .string(fanTopic), "unit_of_measurement": "rpm", "state_class": "measurement", "icon": "mdi:fan"]))
        }
        entities.append(entity(
            "sensor", "shares_accepted", name: "Shares accepted",
            ["state_topic": .string(sharesTopic), "state_class": "total_increasing", "icon": "mdi:check-decagram"]))
        entities.append(entity(
            "binary_sensor", "fault", name: "Fault",
            [
                "state_topic": .string(problemTopic), "device_class": "problem", "payload_on": "ON", "payload_off": "OFF",
                "json_attributes_topic": .string(faultsTopic),
            ]))
        entities.append(entity(
            "button", "clear_faults", name: "Clear faults",
            ["command_topic": .string(clearFaultsCommandTopic), "payload_press": "PRESS", "qos": .number(1), "icon": "mdi:restart-alert"]))
        return entities
    }

    private func entity(_ component: String, _ object: String, name: String, _ fields: [String: JSONValue]) -> Entity {
        var config = fields
        config["name"] = .string(name)
        config["unique_id"] = .string("hearth_\(nodeID)_\(object)")
        config["device"] = deviceBlock
        config["availability_topic"] = .string(availabilityTopic)
        config["payload_available"] = "online"
        config["payload_not_available"] = "offline"
        config["origin"] = ["name": "Hearth", "sw_version": .string(softwareVersion)]
        return Entity(component: component, object: object, config: config)
    }

    /// The discovery messages for these parts: retained, QoS 1.
    public func discovery(_ parts: Parts) -> [MQTTMessage] {
        entities(parts).map { entity in
            MQTTMessage(
                topic: discoveryTopic(component: entity.component, object: entity.object), text: JSONValue.object(entity.config).text,
                qos: .atLeastOnce, retain: true)
        }
    }

    /// The last will and the `offline` a clean stop says: retained.
    public var offline: MQTTMessage { MQTTMessage(topic: availabilityTopic, text: "offline", qos: .atLeastOnce, retain: true) }
    /// Said on every connection: retained.
    public var online: MQTTMessage { MQTTMessage(topic: availabilityTopic, text: "online", qos: .atLeastOnce, retain: true) }
}
