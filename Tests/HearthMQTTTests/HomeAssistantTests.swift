import Foundation
import HearthAPI
import HearthControl
import HearthHAL
import HearthMQTT
import Testing

/// The heater as Home Assistant sees it, without a broker: discovery payloads checked against
/// Home Assistant's documented schema, state from a snapshot, commands checked like the API's.
@Suite struct HomeAssistantTests {
    let device = HomeAssistantDevice(nodeID: "den", name: "Hearth den", model: "Hearth space heater (sim)", softwareVersion: "9.9.9")

    static func json(_ message: MQTTMessage) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(message.payload))) as? [String: Any]
    }

    @Test func discoveryIsOneCompleteDeviceInHomeAssistantsSchema() throws {
        let snapshot = try #require(FakeHeater().snapshot())
        let messages = device.discovery(HomeAssistantDevice.Parts(snapshot))
        var devices: Set<String> = []
        var unique: Set<String> = []
        for message in messages {
            #expect(message.retain && message.qos == .atLeastOnce, "\(message.topic): retained, at least once")
            #expect(HomeAssistantSchema.checkTopic(message.topic, prefix: "homeassistant") == [])
            let config = try #require(Self.json(message), "\(message.topic): JSON")
            let component = message.topic.split(separator: "/")[1]
            #expect(HomeAssistantSchema.check(component: String(component), config) == [], "\(message.topic)")
            #expect(config["availability_topic"] as? String == "hearth/den/status")
            devices.insert(String(decoding: try JSONSerialization.data(withJSONObject: config["device"]!, options: .sortedKeys), as: UTF8.self))
            #expect(unique.insert(config["unique_id"] as! String).inserted, "unique ids are unique")
        }
        #expect(devices.count == 1, "one device block, the same on every entity")
        let block = try #require(Self.json(messages[0])?["device"] as? [String: Any])
        #expect(block["identifiers"] as? [String] == ["hearth_den"])
        #expect(block["name"] as? String == "Hearth den" && block["model"] as? String == "Hearth space heater (sim)")
        #expect(block["sw_version"] as? String == "9.9.9")

        let byTopic = Dictionary(uniqueKeysWithValues: messages.map { ($0.topic, Self.json($0) ?? [:]) })
        #expect(Set(byTopic.keys) == [
            "homeassistant/climate/den/thermostat/config", "homeassistant/sensor/den/temperature_room/config",
            "homeassistant/sensor/den/temperature_heat_sink/config", "homeassistant/sensor/den/temperature_exhaust/config",
            "homeassistant/sensor/den/power/config", "homeassistant/sensor/den/energy/config", "homeassistant/sensor/den/hash_rate/config",
            "homeassistant/sensor/den/fan_speed/config", "homeassistant/sensor/den/shares_accepted/config",
            "homeassistant/binary_sensor/den/fault/config", "homeassistant/button/den/clear_faults/config",
        ])
        let climate = try #require(byTopic["homeassistant/climate/den/thermostat/config"])
        #expect(climate["modes"] as? [String] == ["off", "heat"])
        #expect(climate["preset_modes"] as? [String] == ["eco", "boost", "night"])
        #expect(Set(Mode.allCases.map(\.rawValue)) == Set(["off", "heat"] + (climate["preset_modes"] as? [String] ?? [])), "every Hearth mode is reachable")
        #expect(climate["min_temp"] as? Double == Thermostat.setpointRange.lowerBound)
        #expect(climate["max_temp"] as? Double == Thermostat.setpointRange.upperBound)
        #expect(climate["temp_step"] as? Double == 0.5 && climate["temperature_unit"] as? String == "C")
        for key in ["current_temperature_topic", "temperature_state_topic", "temperature_command_topic", "mode_state_topic", "mode_command_topic",
            "preset_mode_state_topic", "preset_mode_command_topic", "action_topic"]
        {
            #expect((climate[key] as? String)?.hasPrefix("hearth/den/") == true, "climate: \(key)")
        }
        let energy = try #require(byTopic["homeassistant/sensor/den/energy/config"])
        #expect(energy["device_class"] as? String == "energy" && energy["unit_of_measurement"] as? String == "kWh")
        #expect(energy["state_class"] as? String == "total_increasing", "the Energy dashboard takes it")
        let power = try #require(byTopic["homeassistant/sensor/den/power/config"])
        #expect(power["device_class"] as? String == "power" && power["unit_of_measurement"] as? String == "W")
        let room = try #require(byTopic["homeassistant/sensor/den/temperature_room/config"])
        #expect(room["device_class"] as? String == "temperature" && room["unit_of_measurement"] as? String == "°C")
        let fault = try #require(byTopic["homeassistant/binary_sensor/den/fault/config"])
        #expect(fault["device_class"] as? String == "problem" && fault["json_attributes_topic"] as? String == "hearth/den/faults")
        let button = try #require(byTopic["homeassistant/button/den/clear_faults/config"])
        #expect(button["command_topic"] as? String == "hearth/den/faults/clear" && button["payload_press"] as? String == "PRESS")
    }

    @Test func theSchemaCheckCatchesWhatHomeAssistantRefuses() {
        let base: [String: Any] = ["unique_id": "x", "device": ["identifiers": ["d"]]]
        func with(_ fields: [String: Any]) -> [String: Any] { base.merging(fields) { _, new in new } }
        #expect(!HomeAssistantSchema.check(component: "sensor", with([:])).isEmpty, "no state_topic")
        #expect(!HomeAssistantSchema.check(component: "sensor", with(["state_topic": "t", "device_class": "energy", "unit_of_measurement": "W", "state_class": "total_increasing"])).isEmpty)
        #expect(!HomeAssistantSchema.check(component: "sensor", with(["state_topic": "t", "device_class": "energy", "unit_of_measurement": "kWh", "state_class": "measurement"])).isEmpty)
        #expect(!HomeAssistantSchema.check(component: "climate", with(["modes": ["off", "warm"]])).isEmpty)
        #expect(!HomeAssistantSchema.check(component: "climate", with(["preset_modes": ["none", "eco"]])).isEmpty)
        #expect(!HomeAssistantSchema.check(component: "button", with([:])).isEmpty)
        #expect(!HomeAssistantSchema.check(component: "sensor", ["state_topic": "t"]).isEmpty, "no unique_id, no device")
        #expect(!HomeAssistantSchema.checkTopic("homeassistant/sensor/my den/x/config", prefix: "homeassistant").isEmpty)
    }

    @Test func nodeIDsFromHostNames() {
        #expect(HomeAssistantDevice.nodeID(from: "den.local") == "den_local")
        #expect(HomeAssistantDevice.nodeID(from: "Hearth-2") == "Hearth-2")
        #expect(HomeAssistantDevice.nodeID(from: "") == "hearth")
        #expect(HomeAssistantDevice.isValidID("den_local") && !HomeAssistantDevice.isValidID("a/b"))
    }

    @Test func stateFromASnapshot() throws {
        let heater = FakeHeater()
        heater.state.withLock { $0.setpoint = 21.25 }
        var values = HomeAssistantState(try #require(heater.snapshot()), device: device, energyOffsetKWh: 10).values
        func value(_ topic: String) -> String? { values[topic]?.payload }
        #expect(value("hearth/den/setpoint") == "21.25")
        #expect(value("hearth/den/mode") == "heat" && value("hearth/den/preset") == "none" && value("hearth/den/action") == "heating")
        #expect(value("hearth/den/room") == "19.5")
        #expect(value("hearth/den/temperature/heat_sink") == "55.25")
        #expect(value("hearth/den/temperature/exhaust") == "None", "an unread sensor is unknown, not 0")
        #expect(value("hearth/den/power") == "362.5", "the meter's power")
        #expect(value("hearth/den/energy") == "10.35", "this run's energy on top of the earlier runs'")
        #expect(value("hearth/den/hashrate") == "1.5" && value("hearth/den/fan") == "2100" && value("hearth/den/shares") == "41")
        #expect(value("hearth/den/problem") == "OFF" && value("hearth/den/faults") == #"{"count":0,"faults":[]}"#)
        #expect(values["hearth/den/setpoint"]?.pace == .onChange && values["hearth/den/power"]?.pace == .measurement)

        heater.state.withLock { state in
            state.mode = .eco
            state.faults = ["sensor heatsink lost (NACK on address)"]
        }
        values = HomeAssistantState(try #require(heater.snapshot()), device: device).values
        #expect(value("hearth/den/mode") == "heat" && value("hearth/den/preset") == "eco")
        #expect(value("hearth/den/problem") == "ON")
        #expect(value("hearth/den/faults") == #"{"count":1,"faults":["sensor heatsink lost (NACK on address)"]}"#)
        heater.state.withLock { $0.mode = .off }
        values = HomeAssistantState(try #require(heater.snapshot()), device: device).values
        #expect(value("hearth/den/mode") == "off" && value("hearth/den/preset") == "none" && value("hearth/den/action") == "off")
    }

    @Test func commandsAreCheckedAsTheAPIChecksThem() throws {
        func command(_ topic: String, _ payload: String, current: Mode = .heat) throws(HeaterRequest.Refusal) -> HomeAssistantCommand? {
            try HomeAssistantCommand(topic: "hearth/den/\(topic)", payload: payload, device: device, current: current)
        }
        #expect(try command("setpoint/set", "23.5") == .set(setpoint: Celsius(23.5), mode: nil))
        #expect(try command("setpoint/set", " 5 \n") == .set(setpoint: Celsius(5), mode: nil))
        #expect(try command("mode/set", "off") == .set(setpoint: nil, mode: .off))
        #expect(try command("mode/set", "heat", current: .off) == .set(setpoint: nil, mode: .heat))
        #expect(try command("mode/set", "heat", current: .eco) == .set(setpoint: nil, mode: nil), "heat keeps the heating preset")
        #expect(try command("mode/set", "night") == .set(setpoint: nil, mode: .night), "Hearth's own mode names, as the API takes them")
        #expect(try command("preset/set", "boost") == .set(setpoint: nil, mode: .boost))
        #expect(try command("preset/set", "none", current: .eco) == .set(setpoint: nil, mode: .heat))
        #expect(try command("faults/clear", "PRESS") == .clearFaults)
        #expect(try command("setpoint", "23") == nil, "a state topic is no command")

        let refusals: [(String, String, String)] = [
            ("setpoint/set", "hot", "setpoint \"hot\" is not a number (°C)"),
            ("setpoint/set", "99", "setpoint 99.0 is outside 5.0…30.0 °C"),
            ("setpoint/set", "nan", "setpoint nan is outside 5.0…30.0 °C"),
            ("setpoint/set", "", "setpoint \"\" is not a number (°C)"),
            ("mode/set", "cool", "mode \"cool\" is not one of off, heat, eco, boost, night"),
            ("preset/set", "turbo", "preset \"turbo\" is not one of eco, boost, night, none"),
            ("faults/clear", "please", "the clear-faults button takes \"PRESS\", not \"please\""),
        ]
        for (topic, payload, reason) in refusals {
            let error = #expect(throws: HeaterRequest.Refusal.self) { try command(topic, payload) }
            #expect(error?.message == reason)
        }
        // The very words the HTTP API answers with.
        #expect(throws: HeaterRequest.Refusal("setpoint 99.0 is outside 5.0…30.0 °C")) { try HeaterRequest.setpoint(99) }
    }
}
