/// MQTT 3.1.1's control packets as values (OASIS MQTT 3.1.1, section 3): what the client sends
/// and what a broker answers. QoS 2's handshake (PUBREC, PUBREL, PUBCOMP) is not here: this client
/// never publishes or subscribes above QoS 1, so a broker never starts one with it.
public enum MQTTPacket: Hashable, Sendable {
    case connect(Connect)
    case connack(ConnAck)
    case publish(Publish)
    /// The acknowledgement of a QoS 1 PUBLISH, by its packet identifier.
    case puback(packetID: UInt16)
    case subscribe(Subscribe)
    case suback(SubAck)
    case unsubscribe(Unsubscribe)
    /// The acknowledgement of an UNSUBSCRIBE, by its packet identifier.
    case unsuback(packetID: UInt16)
    case pingreq
    case pingresp
    case disconnect

    /// The packet's name as the specification writes it, for messages: "CONNECT", "PUBLISH".
    public var name: String {
        switch self {
        case .connect: "CONNECT"
        case .connack: "CONNACK"
        case .publish: "PUBLISH"
        case .puback: "PUBACK"
        case .subscribe: "SUBSCRIBE"
        case .suback: "SUBACK"
        case .unsubscribe: "UNSUBSCRIBE"
        case .unsuback: "UNSUBACK"
        case .pingreq: "PINGREQ"
        case .pingresp: "PINGRESP"
        case .disconnect: "DISCONNECT"
        }
    }
}

/// A delivery guarantee. QoS 2 (exactly once) is not offered by this client.
public enum MQTTQoS: UInt8, Hashable, Sendable, CaseIterable, Comparable {
    /// At most once: sent, never acknowledged.
    case atMostOnce = 0
    /// At least once: sent until the broker acknowledges it (PUBACK).
    case atLeastOnce = 1

    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One application message: a topic, a payload and how it is delivered.
public struct MQTTMessage: Hashable, Sendable {
    /// The topic name (no wildcards), e.g. `hearth/den/setpoint`.
    public var topic: String
    /// The payload's bytes (MQTT does not say what they are; here mostly UTF-8 text or JSON).
    public var payload: [UInt8]
    public var qos: MQTTQoS
    /// The broker keeps the topic's last retained message and gives it to every new subscriber.
    public var retain: Bool

    /// A message with a text payload (UTF-8).
    public init(topic: String, text: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.init(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// A message with a payload of bytes.
    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    /// The payload as UTF-8 text; `nil` when it is not valid UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }
}

extension MQTTPacket {
    /// CONNECT: the first packet on a connection (3.1).
    public struct Connect: Hashable, Sendable {
        /// 1…23 characters of [0-9a-zA-Z] are what every broker must accept; longer ones usually are too.
        public var clientID: String
        /// Start without the session a previous connection left (subscriptions, queued QoS 1).
        public var cleanSession: Bool
        /// Seconds of silence after which the broker takes the client for dead; 0: never.
        public var keepAlive: UInt16
        public var username: String?
        /// Bytes, as MQTT 3.1.1 allows; only together with a username.
        public var password: [UInt8]?
        /// What the broker publishes for the client if it goes without a DISCONNECT.
        public var will: MQTTMessage?

        public init(
            clientID: String, cleanSession: Bool = true, keepAlive: UInt16 = 30, username: String? = nil, password: [UInt8]? = nil,
            will: MQTTMessage? = nil
        ) {
            self.clientID = clientID
            self.cleanSession = cleanSession
            self.keepAlive = keepAlive
            self.username = username
            self.password = password
            self.will = will
        }
    }

    /// CONNACK: the broker's answer to CONNECT (3.2).
    public struct ConnAck: Hashable, Sendable {
        /// The broker still had a session for this client id (only without a clean session).
        public var sessionPresent: Bool
        public var returnCode: ConnectReturnCode

        public init(sessionPresent: Bool = false, returnCode: ConnectReturnCode) {
            self.sessionPresent = sessionPresent
            self.returnCode = returnCode
        }
    }

    /// PUBLISH: an application message, either way (3.3).
    public struct Publish: Hashable, Sendable {
        public var message: MQTTMessage
        /// Present exactly when the QoS is above 0; never 0.
        public var packetID: UInt16?
        /// This is a resend of a message that may have arrived before.
        public var duplicate: Bool

        public init(message: MQTTMessage, packetID: UInt16? = nil, duplicate: Bool = false) {
            self.message = message
            self.packetID = packetID
            self.duplicate = duplicate
        }
    }

    /// SUBSCRIBE: topic filters and the most QoS wanted on each (3.8).
    public struct Subscribe: Hashable, Sendable {
        public var packetID: UInt16
        /// At least one.
        public var filters: [MQTTSubscription]

        public init(packetID: UInt16, filters: [MQTTSubscription]) {
            self.packetID = packetID
            self.filters = filters
        }
    }

    /// SUBACK: the QoS granted for each filter of a SUBSCRIBE, in its order, or `nil` where the
    /// broker refused it (return code 0x80) (3.9).
    public struct SubAck: Hashable, Sendable {
        public var packetID: UInt16
        public var granted: [MQTTQoS?]

        public init(packetID: UInt16, granted: [MQTTQoS?]) {
            self.packetID = packetID
            self.granted = granted
        }
    }

    /// UNSUBSCRIBE: topic filters to stop receiving (3.10).
    public struct Unsubscribe: Hashable, Sendable {
        public var packetID: UInt16
        public var filters: [String]

        public init(packetID: UInt16, filters: [String]) {
            self.packetID = packetID
            self.filters = filters
        }
    }
}

/// A topic filter (wildcards `+` and `#` allowed) and the most QoS wanted on it.
public struct MQTTSubscription: Hashable, Sendable {
    public var filter: String
    public var qos: MQTTQoS

    public init(_ filter: String, qos: MQTTQoS = .atLeastOnce) {
        self.filter = filter
        self.qos = qos
    }
}

/// CONNACK's return code (3.2.2.3), named.
public enum ConnectReturnCode: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case accepted = 0
    case unacceptableProtocolVersion = 1
    case identifierRejected = 2
    case serverUnavailable = 3
    case badUsernameOrPassword = 4
    case notAuthorized = 5

    /// What the broker said, in words a person acts on.
    public var description: String {
        switch self {
        case .accepted: "connection accepted"
        case .unacceptableProtocolVersion: "the broker does not speak MQTT 3.1.1 (unacceptable protocol version)"
        case .identifierRejected: "the broker rejected the client id"
        case .serverUnavailable: "the broker is unavailable (server unavailable)"
        case .badUsernameOrPassword: "the broker refused the username or password (bad username or password)"
        case .notAuthorized: "the broker does not authorize this client (not authorized)"
        }
    }
}
