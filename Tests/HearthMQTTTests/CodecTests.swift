import HearthMQTT
import Testing

/// MQTT 3.1.1's wire format: round trips, the remaining length at its edges, and malformed
/// packets refused with the packet and the reason named.
@Suite struct CodecTests {
    @Test(arguments: [
        (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
        (2_097_151, [0xFF, 0xFF, 0x7F]), (2_097_152, [0x80, 0x80, 0x80, 0x01]), (268_435_455, [0xFF, 0xFF, 0xFF, 0x7F]),
    ] as [(Int, [UInt8])])
    func remainingLengthAtItsEdges(value: Int, bytes: [UInt8]) throws {
        #expect(try MQTTCodec.encodeRemainingLength(value) == bytes)
        let decoded = try #require(try MQTTCodec.decodeRemainingLength(bytes + [0x42]))
        #expect(decoded.value == value && decoded.size == bytes.count)
        #expect(try MQTTCodec.decodeRemainingLength(bytes.dropLast()) == nil, "incomplete: more bytes needed")
    }

    @Test func remainingLengthPastItsLimits() {
        #expect(throws: MQTTPacketError.self) { try MQTTCodec.encodeRemainingLength(268_435_456) }
        #expect(throws: MQTTPacketError.self) { try MQTTCodec.encodeRemainingLength(-1) }
        let error = #expect(throws: MQTTPacketError.self) { try MQTTCodec.decodeRemainingLength([0xFF, 0xFF, 0xFF, 0xFF, 0x01]) }
        #expect(error?.description.contains("past four bytes") == true)
    }

    static let packets: [MQTTPacket] = [
        .connect(.init(clientID: "hearth-den")),
        .connect(.init(
            clientID: "hearth-den", cleanSession: false, keepAlive: 65_535, username: "hearth", password: Array("sécret".utf8),
            will: MQTTMessage(topic: "hearth/den/status", text: "offline", qos: .atLeastOnce, retain: true))),
        .connect(.init(clientID: "", keepAlive: 0, username: "only-user")),
        .connack(.init(sessionPresent: true, returnCode: .accepted)),
        .connack(.init(returnCode: .badUsernameOrPassword)),
        .connack(.init(returnCode: .notAuthorized)),
        .publish(.init(message: MQTTMessage(topic: "a/b", text: "21.5", retain: true))),
        .publish(.init(message: MQTTMessage(topic: "a/b", payload: []))),
        .publish(.init(message: MQTTMessage(topic: "températures/°C", payload: Array(repeating: 0xAB, count: 300), qos: .atLeastOnce), packetID: 65_535, duplicate: true)),
        .puback(packetID: 7),
        .subscribe(.init(packetID: 1, filters: [MQTTSubscription("hearth/+/set"), MQTTSubscription("homeassistant/#", qos: .atMostOnce)])),
        .suback(.init(packetID: 1, granted: [.atLeastOnce, nil, .atMostOnce])),
        .unsubscribe(.init(packetID: 2, filters: ["a/#", "b"])),
        .unsuback(packetID: 2),
        .pingreq, .pingresp, .disconnect,
    ]

    @Test(arguments: packets)
    func roundTrip(packet: MQTTPacket) throws {
        let bytes = try MQTTCodec.encode(packet)
        let decoded = try #require(try MQTTCodec.decode(bytes))
        #expect(decoded.packet == packet)
        #expect(decoded.length == bytes.count)
        #expect(try MQTTCodec.decode(Array(bytes.dropLast())) == nil, "a cut packet waits for more")
    }

    @Test func bytesAsTheSpecificationWritesThem() throws {
        #expect(try MQTTCodec.encode(.pingreq) == [0xC0, 0x00])
        #expect(try MQTTCodec.encode(.disconnect) == [0xE0, 0x00])
        #expect(try MQTTCodec.encode(.puback(packetID: 0x1234)) == [0x40, 0x02, 0x12, 0x34])
        #expect(
            try MQTTCodec.encode(.publish(.init(message: MQTTMessage(topic: "a/b", text: "hi", qos: .atLeastOnce, retain: true), packetID: 10)))
                == [0x33, 0x09, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x0A, 0x68, 0x69])
        // CONNECT: "MQTT", level 4, flags user+password+will retain+will QoS 1+will+clean, keep alive 30.
        let connect = try MQTTCodec.encode(.connect(.init(
            clientID: "c", keepAlive: 30, username: "u", password: [0x70],
            will: MQTTMessage(topic: "w", text: "x", qos: .atLeastOnce, retain: true))))
        #expect(Array(connect.prefix(12)) == [0x10, 0x19, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0xEE, 0x00, 0x1E])
        #expect(try MQTTCodec.encode(.subscribe(.init(packetID: 1, filters: [MQTTSubscription("a")]))) == [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01])
    }

    @Test(arguments: [
        ([0x00, 0x00], "packet", "packet type 0 is reserved"),
        ([0xF0, 0x00], "packet", "packet type 15 is reserved"),
        ([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], "PUBLISH", "QoS 3 is not a QoS"),
        ([0x34, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], "PUBLISH", "QoS 2 is not used"),
        ([0x38, 0x03, 0x00, 0x01, 0x61], "PUBLISH", "DUP flag is set on a QoS 0 message"),
        ([0x30, 0x03, 0x00, 0x05, 0x61], "PUBLISH", "length says 5 bytes, but 1 remain"),
        ([0x30, 0x03, 0x00, 0x01, 0xFF], "PUBLISH", "topic name is not valid UTF-8"),
        ([0x30, 0x03, 0x00, 0x01, 0x00], "PUBLISH", "U+0000"),
        ([0x30, 0x03, 0x00, 0x01, 0x23], "PUBLISH", "wildcard"),
        ([0x30, 0x02, 0x00, 0x00], "PUBLISH", "topic name is empty"),
        ([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], "PUBLISH", "packet identifier is 0"),
        ([0x32, 0x04, 0x00, 0x01, 0x61, 0x00], "PUBLISH", "ends before its packet identifier"),
        ([0x20, 0x02, 0x00, 0x06], "CONNACK", "return code 6 is reserved"),
        ([0x20, 0x03, 0x00, 0x00, 0x00], "CONNACK", "CONNACK's is 2"),
        ([0x20, 0x02, 0x02, 0x00], "CONNACK", "reserved bits of the acknowledge flags"),
        ([0x20, 0x02, 0x01, 0x05], "CONNACK", "session present is set with the refusal 5"),
        ([0x21, 0x02, 0x00, 0x00], "CONNACK", "flags are 0x01"),
        ([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01], "SUBSCRIBE", "flags are 0x00; MQTT 3.1.1 requires 0x02"),
        ([0x82, 0x02, 0x00, 0x01], "SUBSCRIBE", "no topic filter"),
        ([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x04], "SUBSCRIBE", "reserved bits are set in the requested QoS"),
        ([0x90, 0x03, 0x00, 0x01, 0x03], "SUBACK", "return code 0x03"),
        ([0x90, 0x03, 0x00, 0x01, 0x02], "SUBACK", "granted QoS 2"),
        ([0x40, 0x03, 0x00, 0x01, 0x00], "PUBACK", "1 bytes follow its last field"),
        ([0x40, 0x02, 0x00, 0x00], "PUBACK", "packet identifier is 0"),
        ([0x50, 0x02, 0x00, 0x01], "PUBREC", "QoS 2's handshake"),
        ([0xC1, 0x00], "PINGREQ", "flags are 0x01"),
        ([0xD0, 0x01, 0x00], "PINGRESP", "1 bytes follow"),
        ([0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x1E, 0x00, 0x00], "CONNECT", "protocol level 3 is not MQTT 3.1.1's 4"),
        ([0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x49, 0x73, 0x04, 0x02, 0x00, 0x1E, 0x00, 0x00], "CONNECT", "protocol name is \"MQIs\""),
        ([0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x42, 0x00, 0x1E, 0x00, 0x00], "CONNECT", "a password without a username"),
        ([0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x03, 0x00, 0x1E, 0x00, 0x00], "CONNECT", "reserved connect flag"),
        ([0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x22, 0x00, 0x1E, 0x00, 0x00], "CONNECT", "without the will flag"),
    ] as [([UInt8], String, String)])
    func malformedPacketsAreNamed(bytes: [UInt8], packet: String, reason: String) {
        let error = #expect(throws: MQTTPacketError.self) { try MQTTCodec.decode(bytes) }
        #expect(error?.packet == packet, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.reason.contains(reason) == true, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.description.hasPrefix("malformed \(packet): ") == true)
    }

    @Test func aLengthThatDisagreesWithItsBytesIsNamed() throws {
        // Five bytes promised, three there: on a stream that is "more to come"; as a whole packet, an error.
        #expect(try MQTTCodec.decode([0x30, 0x05, 0x00, 0x01, 0x61]) == nil)
        let error = #expect(throws: MQTTPacketError.self) { try MQTTCodec.decode(packet: [0x30, 0x05, 0x00, 0x01, 0x61][...]) }
        #expect(error?.reason == "the remaining length says 5 bytes, but 3 follow")
    }

    @Test func aPacketOverTheLimitIsRefusedFromItsHeader() {
        // The header alone says 2 MiB: refused before any of the body arrives.
        let error = #expect(throws: MQTTPacketError.self) { try MQTTCodec.frameLength(of: [0x30, 0x80, 0x80, 0x80, 0x01], maxPacketSize: 1024) }
        #expect(error?.packet == "PUBLISH")
        #expect(error?.reason == "2097157 bytes is more than the 1024 bytes this client accepts in one packet")
    }

    @Test func whatMQTTCannotCarryIsNotEncoded() {
        let tooLong = String(repeating: "a", count: 65_536)
        let cases: [(MQTTPacket, String)] = [
            (.publish(.init(message: MQTTMessage(topic: "a/+", text: ""))), "wildcard"),
            (.publish(.init(message: MQTTMessage(topic: "a", text: "", qos: .atLeastOnce))), "needs a packet identifier"),
            (.publish(.init(message: MQTTMessage(topic: "a", text: ""), packetID: 3)), "carries no packet identifier"),
            (.publish(.init(message: MQTTMessage(topic: tooLong, text: ""))), "65,535"),
            (.connect(.init(clientID: "c", password: [1])), "a password without a username"),
            (.subscribe(.init(packetID: 1, filters: [])), "no topic filter"),
            (.puback(packetID: 0), "packet identifier is 0"),
        ]
        for (packet, reason) in cases {
            let error = #expect(throws: MQTTPacketError.self) { try MQTTCodec.encode(packet) }
            #expect(error?.reason.contains(reason) == true, "\(packet.name): \(error.map { "\($0)" } ?? "no error")")
        }
    }

    /// Random bytes end in a packet, a wait for more, or a named error: never a crash.
    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...24, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if count > 1 { bytes[1] = UInt8(min(count - 2, 127)) }  // mostly whole packets, so the bodies are read
            _ = try? MQTTCodec.decode(bytes, maxPacketSize: 64)
        }
    }
}
