import Foundation
import HearthAPI
import HearthControl
import HearthHAL
import HearthMQTT
import HearthTestFixtures
import Logging
import Synchronization
import Testing

/// A mosquitto of the test's own: on a free port of loopback, with a password file in a temporary
/// folder, no anonymous clients and no persistence (a restart forgets every retained message).
final class Mosquitto: Sendable {
    static let binary = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let port: Int
    let folder: URL
    let user = "hearth"
    let password = "correct horse battery"
    private let process = Mutex<pid_t?>(nil)

    /// The broker's certificate (self-signed, for `localhost`), PEM, when it speaks TLS.
    var certificate: String { folder.appendingPathComponent("broker.pem").path }

    /// Starts a broker, over TLS with a self-signed certificate for `localhost` made by openssl
    /// when `tls`; throws with the reason when mosquitto is missing or does not listen.
    init(tls: Bool = false) throws {
        guard let binary = Self.binary else { throw Failure("mosquitto is not installed (Debian: apt-get install mosquitto)") }
        port = freeLoopbackPort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hearth-mosquitto-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let passwords = folder.appendingPathComponent("passwords").path
        try run(URL(fileURLWithPath: "/usr/bin/mosquitto_passwd"), ["-b", "-c", passwords, user, password])
        var tlsLines = ""
        if tls {
            let key = folder.appendingPathComponent("broker.key").path
            try run(URL(fileURLWithPath: "/usr/bin/openssl"), [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", folder.appendingPathComponent("broker.pem").path,
            ])
            tlsLines = "certfile \(folder.appendingPathComponent("broker.pem").path)\nkeyfile \(key)\n"
        }
        try """
            user \(String(cString: getpwuid(geteuid()).pointee.pw_name))
            listener \(port) 127.0.0.1
            \(tlsLines)allow_anonymous false
            password_file \(passwords)
            persistence false
            log_dest file \(folder.appendingPathComponent("mosquitto.log").path)
            log_type all
            """.write(to: folder.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        _ = binary
        try start()
    }

    /// Starts the broker (again) on the same port, and waits until it listens.
    func start() throws {
        let pid = try spawn(Self.binary!, ["-c", folder.appendingPathComponent("mosquitto.conf").path])
        process.withLock { $0 = pid }
        for _ in 0..<500 {
            if canConnect(port: port) { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw Failure("mosquitto did not listen on \(port): \(log.suffix(500))")
    }

    /// Stops the broker (SIGTERM) and waits for it.
    func stop() {
        guard let pid = process.withLock({ process in defer { process = nil }; return process }) else { return }
        HearthMQTTTests.stop(pid)
    }

    /// Stops the broker and removes its folder.
    func remove() {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// What the broker logged.
    var log: String { (try? String(contentsOf: folder.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "" }

    /// A configuration for a client of this broker.
    func configuration(_ clientID: String, password: String? = nil) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: clientID, username: user, password: password ?? self.password)
        configuration.firstBackoff = .milliseconds(20)
        configuration.maxBackoff = .milliseconds(200)
        return configuration
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Starts a program, its output to `log` (appended) or nowhere, every signal unblocked and at its
/// default: the test runner's threads block some (SIGTERM among them), and a child inherits that
/// (a broker or daemon deaf to SIGTERM would never stop). posix_spawn and waitpid, not Foundation's
/// Process, for the same reason.
func spawn(_ program: String, _ arguments: [String], log: String? = nil) throws -> pid_t {
    var pid: pid_t = 0
    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    var all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var files = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&files)
    defer { posix_spawn_file_actions_destroy(&files) }
    let output = log ?? "/dev/null"
    posix_spawn_file_actions_addopen(&files, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&files, 1, 2)
    let result = posix_spawn(&pid, program, &files, &attributes, argv, environ)
    guard result == 0 else { throw Failure("\(program) could not be started: \(String(cString: strerror(result)))") }
    return pid
}

/// Sends `signal` to a spawned program and waits for it; its exit status, or -1 when it died of a signal.
@discardableResult func stop(_ pid: pid_t, signal: Int32 = SIGTERM) -> Int32 {
    kill(pid, signal)
    return waitForExit(pid)
}

/// Waits for a spawned program to end; its exit status, or -1 when it died of a signal.
func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
}

/// Runs a program to its end; throws when it fails.
func run(_ program: URL, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw Failure("\(program.lastPathComponent) \(arguments) failed: \(process.terminationStatus)") }
}

/// Whether something accepts a TCP connection on loopback's `port`.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Polls `condition` every 20 ms, at most `tries` times; whether it came true. Generous bounds,
/// no timing asserted: the test asserts on what happened.
func eventually(tries: Int = 1500, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<tries {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Home Assistant's side, for the tests: a client of the broker that records every message.
final class Observer: Sendable {
    let client: MQTTClient
    private final class Seen: Sendable { let messages = Mutex<[MQTTMessage]>([]) }
    private let seen = Seen()
    private let task: Task<Void, Never>

    init(_ broker: Mosquitto, subscribe filters: [String]) {
        let seen = self.seen
        let client = MQTTClient(
            configuration: broker.configuration("observer-\(UUID().uuidString.prefix(8))"), logger: Logger(label: "observer"),
            onMessage: { message, _ in seen.messages.withLock { $0.append(message) } })
        client.subscribe(filters.map { MQTTSubscription($0, qos: .atLeastOnce) })
        self.client = client
        task = Task { await client.run() }
    }

    /// Every message so far, oldest first.
    var messages: [MQTTMessage] { seen.messages.withLock { $0 } }

    /// The last payload on `topic`, as text.
    func last(_ topic: String) -> String? { messages.last { $0.topic == topic }?.text }

    /// The last message on each topic.
    var latest: [String: MQTTMessage] {
        var latest: [String: MQTTMessage] = [:]
        for message in messages { latest[message.topic] = message }
        return latest
    }

    func publish(_ topic: String, _ text: String, retain: Bool = false) {
        try? client.publish(MQTTMessage(topic: topic, text: text, qos: .atLeastOnce, retain: retain))
    }

    func stop() async {
        client.stop()
        await task.value
    }
}

/// Collects what is logged, for tests that a refusal is said.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            recorder.lines.withLock { $0.append("\(event.level): \(event.message)") }
        }
    }
}

/// A heater that answers as the daemon's backend does, from values a test sets.
final class FakeHeater: HeaterBackend {
    struct State {
        var setpoint = 21.0
        var mode = Mode.heat
        var faults: [String] = []
        var count = 1
        var room = 19.5
    }
    let state = Mutex(State())
    let identity = HeaterIdentity(version: "9.9.9", hostname: "den.local")

    func snapshot() -> TickSnapshot? {
        let state = state.withLock { state in
            state.count += 1
            return state
        }
        let readings = [
            SensorReading(name: "room", role: .room, reading: .success(Celsius(state.room))),
            SensorReading(name: "heat sink", role: .chip, reading: .success(Celsius(55.25))),
            SensorReading(name: "exhaust", role: .exhaust, reading: .failure(HALError(.nackAddress, "no device answered", device: "/dev/i2c-1", address: I2CAddress(0x49)))),
        ]
        var snapshot = TickSnapshot(
            elapsed: .seconds(60), readings: readings, temperatures: ResolvedTemperatures(readings),
            power: .success(PowerReading(voltage: Volts(12), current: Amperes(362.5 / 12), power: Watts(362.5))),
            fanSpeed: .success(RPM(2100)), fanError: nil, safety: SafetyDecision(maxPower: Watts(400), fansFull: false, events: []),
            output: ControlOutput(demand: Watts(350), powerTarget: Watts(350), fanDuty: DutyCycle(0.4)),
            appliedPower: Watts(state.mode == .off ? 0 : 350), setpoint: Celsius(state.setpoint), mode: state.mode, faults: state.faults,
            energyKWh: 0.35, hashes: 123_456)
        snapshot.count = state.count
        snapshot.engine = .init(description: "CPU", hashRate: 1.5e9)
        snapshot.pool = .init(
            name: "primary", url: "stratum+tcp://pool.example:3333", authorized: true, difficulty: 512, accepted: 41, rejected: 2, stale: 1,
            bestDifficulty: 1_234_567, lastError: nil)
        return snapshot
    }

    func set(setpoint: Celsius?, mode: Mode?) {
        state.withLock { state in
            if let setpoint { state.setpoint = setpoint.value }
            if let mode { state.mode = mode }
        }
    }

    func clearFaults() -> [String] {
        state.withLock { state in
            defer { state.faults = [] }
            return state.faults
        }
    }

    func schedule() -> ScheduleView { ScheduleView(source: "none", slots: []) }
    func setSchedule(_ entries: [ScheduleEntry]?) throws(ScheduleEntry.Problem) {}
}
