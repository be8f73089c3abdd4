/// A packet that cannot be MQTT 3.1.1, or one this client will not send: which packet, and why.
///
/// Printed as `malformed PUBLISH: QoS 3 is not a QoS (the flags are 0x6)`.
public struct MQTTPacketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The packet's name ("PUBLISH"), or "packet" when its type is not known.
    public var packet: String
    /// What is wrong, with the values found.
    public var reason: String

    public init(_ packet: String, _ reason: String) {
        self.packet = packet
        self.reason = reason
    }

    public var description: String { "malformed \(packet): \(reason)" }
}

/// MQTT 3.1.1's wire format: pure functions from packets to bytes and back. No I/O; the
/// connection's channel handlers call these.
public enum MQTTCodec {
    /// The largest remaining length four bytes can say (2.2.3): 256 MiB − 1.
    public static let maxRemainingLength = 268_435_455

    // MARK: Remaining length

    /// The remaining length as MQTT writes it: seven bits a byte, least significant first, the
    /// top bit set on every byte but the last; 1 to 4 bytes.
    public static func encodeRemainingLength(_ length: Int) throws(MQTTPacketError) -> [UInt8] {
        guard (0...maxRemainingLength).contains(length) else {
            throw MQTTPacketError("packet", "a remaining length of \(length) bytes is outside 0…\(maxRemainingLength)")
        }
        var bytes: [UInt8] = []
        var rest = length
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            bytes.append(byte)
        } while rest > 0
        return bytes
    }

    /// The remaining length at the front of `bytes` and how many bytes said it; `nil` while the
    /// bytes end before it does. A fifth length byte is an error.
    public static func decodeRemainingLength(_ bytes: some Collection<UInt8>) throws(MQTTPacketError) -> (value: Int, size: Int)? {
        var value = 0
        var size = 0
        for byte in bytes {
            value |= Int(byte & 0x7F) << (7 * size)
            size += 1
            if byte & 0x80 == 0 { return (value, size) }
            if size == 4 {
                throw MQTTPacketError("packet", "the remaining length runs past four bytes (its fourth byte is 0x\(hex(byte)), with the continuation bit set)")
            }
        }
        return nil
    }

    // MARK: Decoding

    /// The length of the whole packet at the front of `bytes` (fixed header included), once its
    /// fixed header is complete; `nil` before. A packet longer than `maxPacketSize` is refused
    /// here, before any of its body is kept.
    public static func frameLength(of bytes: some Collection<UInt8>, maxPacketSize: Int) throws(MQTTPacketError) -> Int? {
        guard let first = bytes.first else { return nil }
        guard let (remaining, size) = try decodeRemainingLength(bytes.dropFirst()) else { return nil }
        let total = 1 + size + remaining
        guard total <= maxPacketSize else {
            throw MQTTPacketError(
                typeName(first >> 4), "\(total) bytes is more than the \(maxPacketSize) bytes this client accepts in one packet")
        }
        return total
    }

    /// The first packet in `bytes` and its length, or `nil` while it is incomplete.
    public static func decode(_ bytes: [UInt8], maxPacketSize: Int = maxRemainingLength + 5) throws(MQTTPacketError) -> (packet: MQTTPacket, length: Int)? {
        guard let length = try frameLength(of: bytes, maxPacketSize: maxPacketSize), bytes.count >= length else { return nil }
        return (try decode(packet: bytes[..<length]), length)
    }

    /// Exactly one whole packet, fixed header included.
    public static func decode(packet bytes: ArraySlice<UInt8>) throws(MQTTPacketError) -> MQTTPacket {
        guard let first = bytes.first else { throw MQTTPacketError("packet", "no bytes") }
        guard let (remaining, size) = try decodeRemainingLength(bytes.dropFirst()) else {
            throw MQTTPacketError(typeName(first >> 4), "the fixed header ends inside the remaining length")
        }
        let body = bytes.dropFirst(1 + size)
        guard body.count == remaining else {
            throw MQTTPacketError(typeName(first >> 4), "the remaining length says \(remaining) bytes, but \(body.count) follow")
        }
        return try decodeBody(type: first >> 4, flags: first & 0x0F, body: body)
    }

    private static func decodeBody(type: UInt8, flags: UInt8, body: ArraySlice<UInt8>) throws(MQTTPacketError) -> MQTTPacket {
        let name = typeName(type)
        var reader = Reader(packet: name, bytes: body)
        func expectFlags(_ expected: UInt8) throws(MQTTPacketError) {
            guard flags == expected else {
                throw MQTTPacketError(name, "the fixed header's flags are 0x\(hex(flags)); MQTT 3.1.1 requires 0x\(hex(expected))")
            }
        }
        func empty(_ packet: MQTTPacket) throws(MQTTPacketError) -> MQTTPacket {
            try expectFlags(0)
            try reader.finish()
            return packet
        }
        switch type {
        case 1:
            try expectFlags(0)
            return .connect(try decodeConnect(&reader))
        case 2:
            try expectFlags(0)
            guard body.count == 2 else { throw MQTTPacketError(name, "the remaining length is \(body.count); CONNACK's is 2") }
            let acknowledge = try reader.byte("acknowledge flags")
            guard acknowledge & 0xFE == 0 else {
                throw MQTTPacketError(name, "reserved bits of the acknowledge flags are set (0x\(hex(acknowledge)))")
            }
            let code = try reader.byte("return code")
            guard let returnCode = ConnectReturnCode(rawValue: code) else {
                throw MQTTPacketError(name, "return code \(code) is reserved (MQTT 3.1.1 defines 0…5)")
            }
            if returnCode != .accepted, acknowledge != 0 {
                throw MQTTPacketError(name, "session present is set with the refusal \(code) (it must be 0 then)")
            }
            return .connack(.init(sessionPresent: acknowledge == 1, returnCode: returnCode))
        case 3:
            return .publish(try decodePublish(flags: flags, &reader))
        case 4:
            try expectFlags(0)
            let id = try reader.packetID()
            try reader.finish()
            return .puback(packetID: id)
        case 5, 6, 7:
            throw MQTTPacketError(name, "QoS 2's handshake is not used by this client, which never asks for QoS 2")
        case 8:
            try expectFlags(2)
            let id = try reader.packetID()
            var filters: [MQTTSubscription] = []
            while !reader.isEmpty {
                let filter = try reader.string("topic filter \(filters.count + 1)")
                let level = try reader.byte("requested QoS of \"\(filter)\"")
                guard level & 0xFC == 0 else {
                    throw MQTTPacketError(name, "reserved bits are set in the requested QoS of \"\(filter)\" (0x\(hex(level)))")
                }
                guard let qos = MQTTQoS(rawValue: level) else {
                    throw MQTTPacketError(name, "\"\(filter)\" asks for QoS \(level); this client speaks QoS 0 and 1")
                }
                filters.append(MQTTSubscription(filter, qos: qos))
            }
            guard !filters.isEmpty else { throw MQTTPacketError(name, "no topic filter (at least one is required)") }
            return .subscribe(.init(packetID: id, filters: filters))
        case 9:
            try expectFlags(0)
            let id = try reader.packetID()
            var granted: [MQTTQoS?] = []
            while !reader.isEmpty {
                let code = try reader.byte("return code")
                switch code {
                case 0x80: granted.append(nil)
                case 0, 1: granted.append(MQTTQoS(rawValue: code))
                case 2: throw MQTTPacketError(name, "the broker granted QoS 2, more than this client ever asks for")
                default: throw MQTTPacketError(name, "return code 0x\(hex(code)) is not 0x00, 0x01, 0x02 or 0x80")
                }
            }
            guard !granted.isEmpty else { throw MQTTPacketError(name, "no return code (one per topic filter is required)") }
            return .suback(.init(packetID: id, granted: granted))
        case 10:
            try expectFlags(2)
            let id = try reader.packetID()
            var filters: [String] = []
            while !reader.isEmpty { filters.append(try reader.string("topic filter \(filters.count + 1)")) }
            guard !filters.isEmpty else { throw MQTTPacketError(name, "no topic filter (at least one is required)") }
            return .unsubscribe(.init(packetID: id, filters: filters))
        case 11:
            try expectFlags(0)
            let id = try reader.packetID()
            try reader.finish()
            return .unsuback(packetID: id)
        case 12: return try empty(.pingreq)
        case 13: return try empty(.pingresp)
        case 14: return try empty(.disconnect)
        default:
            throw MQTTPacketError(name, "packet type \(type) is reserved")
        }
    }

    private static func decodeConnect(_ reader: inout Reader) throws(MQTTPacketError) -> MQTTPacket.Connect {
        let protocolName = try reader.string("protocol name")
        guard protocolName == "MQTT" else {
            throw MQTTPacketError("CONNECT", "the protocol name is \"\(protocolName)\", not \"MQTT\"")
        }
        let level = try reader.byte("protocol level")
        guard level == 4 else { throw MQTTPacketError("CONNECT", "protocol level \(level) is not MQTT 3.1.1's 4") }
        let flags = try reader.byte("connect flags")
        guard flags & 0x01 == 0 else { throw MQTTPacketError("CONNECT", "the reserved connect flag is set") }
        let hasUsername = flags & 0x80 != 0
        let hasPassword = flags & 0x40 != 0
        let willRetain = flags & 0x20 != 0
        let willLevel = (flags >> 3) & 0x03
        let hasWill = flags & 0x04 != 0
        if !hasWill, willRetain || willLevel != 0 {
            throw MQTTPacketError("CONNECT", "will QoS or will retain is set without the will flag")
        }
        guard let willQoS = MQTTQoS(rawValue: willLevel) else {
            throw MQTTPacketError("CONNECT", "will QoS \(willLevel) is not one this client speaks (0 or 1)")
        }
        if hasPassword, !hasUsername {
            throw MQTTPacketError("CONNECT", "a password without a username (MQTT 3.1.1 allows a password only after a username)")
        }
        let keepAlive = try reader.u16("keep alive")
        var connect = MQTTPacket.Connect(clientID: try reader.string("client identifier"), cleanSession: flags & 0x02 != 0, keepAlive: keepAlive)
        if hasWill {
            let topic = try reader.string("will topic")
            connect.will = MQTTMessage(topic: topic, payload: try reader.binary("will message"), qos: willQoS, retain: willRetain)
        }
        if hasUsername { connect.username = try reader.string("user name") }
        if hasPassword { connect.password = try reader.binary("password") }
        try reader.finish()
        return connect
    }

    private static func decodePublish(flags: UInt8, _ reader: inout Reader) throws(MQTTPacketError) -> MQTTPacket.Publish {
        let level = (flags >> 1) & 0x03
        let duplicate = flags & 0x08 != 0
        guard level != 3 else { throw MQTTPacketError("PUBLISH", "QoS 3 is not a QoS (the flags are 0x\(hex(flags)))") }
        guard let qos = MQTTQoS(rawValue: level) else {
            throw MQTTPacketError("PUBLISH", "QoS 2 is not used by this client, which never subscribes above QoS 1")
        }
        if qos == .atMostOnce, duplicate { throw MQTTPacketError("PUBLISH", "the DUP flag is set on a QoS 0 message") }
        let topic = try reader.string("topic name")
        try checkTopicName(topic, packet: "PUBLISH")
        let id = qos == .atMostOnce ? nil : try reader.packetID()
        let payload = reader.rest()
        return .init(message: MQTTMessage(topic: topic, payload: payload, qos: qos, retain: flags & 0x01 != 0), packetID: id, duplicate: duplicate)
    }

    /// A topic name to publish on: not empty, no wildcard (4.7.1).
    static func checkTopicName(_ topic: String, packet: String) throws(MQTTPacketError) {
        guard !topic.isEmpty else { throw MQTTPacketError(packet, "the topic name is empty") }
        guard !topic.contains("+"), !topic.contains("#") else {
            throw MQTTPacketError(packet, "the topic name \"\(topic)\" holds a wildcard (+ or #), which only a subscription may use")
        }
    }

    // MARK: Encoding

    /// The packet's bytes; a field MQTT cannot carry (a string over 65,535 bytes, a packet over
    /// 256 MiB, a QoS 1 message without a packet identifier, a wildcard in a topic name) is an error.
    public static func encode(_ packet: MQTTPacket) throws(MQTTPacketError) -> [UInt8] {
        var writer = Writer(packet: packet.name)
        let header: UInt8
        switch packet {
        case .connect(let connect):
            header = 0x10
            try writer.string("MQTT", "protocol name")
            writer.byte(4)
            var flags: UInt8 = connect.cleanSession ? 0x02 : 0
            if let will = connect.will {
                flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
            }
            if connect.username != nil { flags |= 0x80 }
            if connect.password != nil {
                guard connect.username != nil else {
                    throw MQTTPacketError("CONNECT", "a password without a username (MQTT 3.1.1 allows a password only after a username)")
                }
                flags |= 0x40
            }
            writer.byte(flags)
            writer.u16(connect.keepAlive)
            try writer.string(connect.clientID, "client identifier")
            if let will = connect.will {
                try checkTopicName(will.topic, packet: "CONNECT")
                try writer.string(will.topic, "will topic")
                try writer.binary(will.payload, "will message")
            }
            if let username = connect.username { try writer.string(username, "user name") }
            if let password = connect.password { try writer.binary(password, "password") }
        case .connack(let ack):
            header = 0x20
            writer.byte(ack.sessionPresent ? 1 : 0)
            writer.byte(ack.returnCode.rawValue)
        case .publish(let publish):
            let message = publish.message
            try checkTopicName(message.topic, packet: "PUBLISH")
            header = 0x30 | (publish.duplicate ? 0x08 : 0) | (message.qos.rawValue << 1) | (message.retain ? 0x01 : 0)
            try writer.string(message.topic, "topic name")
            switch (message.qos, publish.packetID) {
            case (.atMostOnce, nil): break
            case (.atMostOnce, .some): throw MQTTPacketError("PUBLISH", "a QoS 0 message carries no packet identifier")
            case (.atLeastOnce, let id?) where id != 0: writer.u16(id)
            case (.atLeastOnce, _): throw MQTTPacketError("PUBLISH", "a QoS 1 message needs a packet identifier other than 0")
            }
            if publish.duplicate, message.qos == .atMostOnce { throw MQTTPacketError("PUBLISH", "the DUP flag is set on a QoS 0 message") }
            writer.bytes.append(contentsOf: message.payload)
        case .puback(let id):
            header = 0x40
            try writer.packetID(id)
        case .subscribe(let subscribe):
            header = 0x82
            try writer.packetID(subscribe.packetID)
            guard !subscribe.filters.isEmpty else { throw MQTTPacketError("SUBSCRIBE", "no topic filter (at least one is required)") }
            for entry in subscribe.filters {
                guard !entry.filter.isEmpty else { throw MQTTPacketError("SUBSCRIBE", "an empty topic filter") }
                try writer.string(entry.filter, "topic filter")
                writer.byte(entry.qos.rawValue)
            }
        case .suback(let ack):
            header = 0x90
            try writer.packetID(ack.packetID)
            guard !ack.granted.isEmpty else { throw MQTTPacketError("SUBACK", "no return code (one per topic filter is required)") }
            for granted in ack.granted { writer.byte(granted?.rawValue ?? 0x80) }
        case .unsubscribe(let unsubscribe):
            header = 0xA2
            try writer.packetID(unsubscribe.packetID)
            guard !unsubscribe.filters.isEmpty else { throw MQTTPacketError("UNSUBSCRIBE", "no topic filter (at least one is required)") }
            for filter in unsubscribe.filters { try writer.string(filter, "topic filter") }
        case .unsuback(let id):
            header = 0xB0
            try writer.packetID(id)
        case .pingreq: header = 0xC0
        case .pingresp: header = 0xD0
        case .disconnect: header = 0xE0
        }
        return [header] + (try encodeRemainingLength(writer.bytes.count)) + writer.bytes
    }

    // MARK: Helpers

    static func typeName(_ type: UInt8) -> String {
        switch type {
        case 1: "CONNECT"
        case 2: "CONNACK"
        case 3: "PUBLISH"
        case 4: "PUBACK"
        case 5: "PUBREC"
        case 6: "PUBREL"
        case 7: "PUBCOMP"
        case 8: "SUBSCRIBE"
        case 9: "SUBACK"
        case 10: "UNSUBSCRIBE"
        case 11: "UNSUBACK"
        case 12: "PINGREQ"
        case 13: "PINGRESP"
        case 14: "DISCONNECT"
        default: "packet"
        }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
}

/// Reads a packet's variable header and payload, each error naming the packet and the field.
private struct Reader {
    let packet: String
    var bytes: ArraySlice<UInt8>

    init(packet: String, bytes: ArraySlice<UInt8>) {
        self.packet = packet
        self.bytes = bytes
    }

    var isEmpty: Bool { bytes.isEmpty }

    mutating func byte(_ field: String) throws(MQTTPacketError) -> UInt8 {
        guard let byte = bytes.popFirst() else { throw MQTTPacketError(packet, "it ends before its \(field)") }
        return byte
    }

    mutating func u16(_ field: String) throws(MQTTPacketError) -> UInt16 {
        guard bytes.count >= 2 else { throw MQTTPacketError(packet, "it ends before its \(field) (2 bytes, \(bytes.count) left)") }
        let value = UInt16(bytes[bytes.startIndex]) << 8 | UInt16(bytes[bytes.startIndex + 1])
        bytes = bytes.dropFirst(2)
        return value
    }

    mutating func packetID() throws(MQTTPacketError) -> UInt16 {
        let id = try u16("packet identifier")
        guard id != 0 else { throw MQTTPacketError(packet, "the packet identifier is 0 (it must not be)") }
        return id
    }

    mutating func binary(_ field: String) throws(MQTTPacketError) -> [UInt8] {
        let length = Int(try u16("\(field)'s length"))
        guard bytes.count >= length else {
            throw MQTTPacketError(packet, "its \(field)'s length says \(length) bytes, but \(bytes.count) remain")
        }
        let value = Array(bytes.prefix(length))
        bytes = bytes.dropFirst(length)
        return value
    }

    /// A UTF-8 string (1.5.3): valid UTF-8, no U+0000.
    mutating func string(_ field: String) throws(MQTTPacketError) -> String {
        let raw = try binary(field)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw MQTTPacketError(packet, "its \(field) is not valid UTF-8")
        }
        guard !raw.contains(0) else { throw MQTTPacketError(packet, "its \(field) holds the character U+0000, which MQTT forbids") }
        return text
    }

    mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }

    func finish() throws(MQTTPacketError) {
        guard bytes.isEmpty else { throw MQTTPacketError(packet, "\(bytes.count) bytes follow its last field") }
    }
}

/// Writes a packet's variable header and payload.
private struct Writer {
    let packet: String
    var bytes: [UInt8] = []

    init(packet: String) { self.packet = packet }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }

    mutating func packetID(_ id: UInt16) throws(MQTTPacketError) {
        guard id != 0 else { throw MQTTPacketError(packet, "the packet identifier is 0 (it must not be)") }
        u16(id)
    }

    mutating func binary(_ value: [UInt8], _ field: String) throws(MQTTPacketError) {
        guard value.count <= 65_535 else {
            throw MQTTPacketError(packet, "its \(field) is \(value.count) bytes; MQTT's limit is 65,535")
        }
        u16(UInt16(value.count))
        bytes += value
    }

    mutating func string(_ value: String, _ field: String) throws(MQTTPacketError) {
        guard !value.utf8.contains(0) else {
            throw MQTTPacketError(packet, "its \(field) holds the character U+0000, which MQTT forbids")
        }
        try binary(Array(value.utf8), field)
    }
}
