import Foundation

/// Home Assistant's documented rules for MQTT discovery, written from its documentation
/// (home-assistant.io: "MQTT" discovery, "MQTT HVAC", "MQTT Sensor", "MQTT Binary sensor",
/// "MQTT Button", and the sensor integration's device classes and state classes). A discovery
/// payload that breaks one is one Home Assistant would refuse or misread.
enum HomeAssistantSchema {
    /// `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`; node and object ids of
    /// `[a-zA-Z0-9_-]` only.
    static func checkTopic(_ topic: String, prefix: String) -> [String] {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == prefix, parts[4] == "config" else { return ["\(topic): not <prefix>/<component>/<node>/<object>/config"] }
        var problems: [String] = []
        if !components.contains(parts[1]) { problems.append("\(topic): unknown component \(parts[1])") }
        for id in parts[2...3] where id.isEmpty || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            problems.append("\(topic): \"\(id)\" is not [a-zA-Z0-9_-]+")
        }
        return problems
    }

    static let components: Set = ["climate", "sensor", "binary_sensor", "button"]

    /// Sensor device classes and the units Home Assistant accepts for each (those used here).
    static let sensorUnits: [String: Set<String>] = [
        "temperature": ["°C", "°F", "K"],
        "power": ["W", "kW"],
        "energy": ["Wh", "kWh", "MWh", "MJ", "GJ"],
    ]
    static let stateClasses: Set = ["measurement", "total", "total_increasing"]
    /// The HVAC modes Home Assistant knows (`modes` must be a subset).
    static let hvacModes: Set = ["auto", "off", "cool", "heat", "dry", "fan_only", "heat_cool"]
    /// `action_topic`'s valid values.
    static let hvacActions: Set = ["off", "heating", "cooling", "drying", "idle", "fan", "preheating", "defrosting"]

    /// What is wrong with one entity's discovery payload.
    static func check(component: String, _ config: [String: Any]) -> [String] {
        var problems: [String] = []
        func require(_ key: String) {
            if (config[key] as? String)?.isEmpty != false { problems.append("\(component): \(key) is required") }
        }
        // What makes it an entity of a device in the registry: unique_id and a device block with identifiers.
        require("unique_id")
        if let device = config["device"] as? [String: Any] {
            if (device["identifiers"] as? [String])?.isEmpty != false, device["connections"] == nil {
                problems.append("\(component): device needs identifiers or connections")
            }
        } else {
            problems.append("\(component): no device block")
        }
        if let topic = config["availability_topic"] as? String {
            if topic.isEmpty { problems.append("\(component): empty availability_topic") }
            if config["availability"] != nil { problems.append("\(component): availability and availability_topic together") }
        }
        for (key, value) in config where key.hasSuffix("_topic") {
            if let topic = value as? String, topic.contains("+") || topic.contains("#") { problems.append("\(component): \(key) holds a wildcard") }
        }
        if let stateClass = config["state_class"] as? String, !stateClasses.contains(stateClass) {
            problems.append("\(component): state_class \(stateClass) is not one of \(stateClasses.sorted())")
        }
        switch component {
        case "sensor":
            require("state_topic")
            if let deviceClass = config["device_class"] as? String {
                guard let units = sensorUnits[deviceClass] else {
                    problems.append("sensor: device_class \(deviceClass) not checked here")
                    break
                }
                let unit = config["unit_of_measurement"] as? String ?? "(none)"
                if !units.contains(unit) { problems.append("sensor: \(deviceClass) in \(unit), not one of \(units.sorted())") }
                if deviceClass == "energy", !["total", "total_increasing"].contains(config["state_class"] as? String ?? "") {
                    problems.append("sensor: energy needs state_class total or total_increasing (the Energy dashboard's rule)")
                }
            }
        case "binary_sensor":
            require("state_topic")
            if let deviceClass = config["device_class"] as? String, deviceClass != "problem" {
                problems.append("binary_sensor: unexpected device_class \(deviceClass)")
            }
        case "button":
            require("command_topic")
        case "climate":
            let modes = config["modes"] as? [String] ?? []
            if !Set(modes).isSubset(of: hvacModes) { problems.append("climate: modes \(modes) not a subset of \(hvacModes.sorted())") }
            if let presets = config["preset_modes"] as? [String], presets.contains("none") {
                problems.append("climate: preset_modes must not hold \"none\" (Home Assistant adds it)")
            }
            if let unit = config["temperature_unit"] as? String, !["C", "F"].contains(unit) {
                problems.append("climate: temperature_unit \(unit) is not C or F")
            }
            if let precision = config["precision"] as? Double, ![0.1, 0.5, 1.0].contains(precision) {
                problems.append("climate: precision \(precision) is not 0.1, 0.5 or 1.0")
            }
            if let low = config["min_temp"] as? Double, let high = config["max_temp"] as? Double, !(low < high) {
                problems.append("climate: min_temp \(low) is not below max_temp \(high)")
            }
            if let step = config["temp_step"] as? Double, !(step > 0) { problems.append("climate: temp_step \(step) is not positive") }
        default:
            problems.append("unknown component \(component)")
        }
        return problems
    }
}
