import Foundation
import HearthNet
import HearthHAL
import NIOCore
import NIOPosix

/// cgminer's API on TCP (port 4028 by convention), read-only: a client sends one command as JSON
/// (`{"command":"summary"}`) or as a bare word (`summary`), gets one JSON reply ended by a NUL
/// byte, and the connection closes. Monitoring tools written for cgminer and Antminers read the
/// heater this way. Commands: `summary`, `devs`, `pools`, `stats`, `version`.
public struct CGMinerAPI: Sendable {
    public var backend: any HeaterBackend

    public init(backend: any HeaterBackend) {
        self.backend = backend
    }

    /// The reply to one request line.
    public func reply(to request: String, now: Date = Date()) -> String {
        let trimmed = request.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "\0")))
        var command = trimmed
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let name = object["command"] as? String
            else {
                return Self.encode(["STATUS": [Self.status("E", code: 23, message: "Invalid JSON", now: now)], "id": 1])
            }
            command = name
        }
        if command == "version" {
            return Self.encode([
                "STATUS": [Self.status("S", code: 22, message: "CGMiner versions", now: now)],
                "VERSION": [["CGMiner": "hearth \(backend.identity.version)", "API": "3.7", "Type": "Hearth heater"]], "id": 1,
            ])
        }
        let invalid = Self.encode([
            "STATUS": [Self.status("E", code: 14, message: "Invalid command \(command.prefix(40))", now: now)], "id": 1,
        ])
        guard Self.commands.contains(command) else { return invalid }
        guard let snapshot = backend.snapshot() else {
            return Self.encode(["STATUS": [Self.status("E", code: 45, message: "the heater is starting: no tick yet", now: now)], "id": 1])
        }
        let status = HeaterStatus(snapshot, identity: backend.identity)
        let mhs = status.hashRate / 1e6
        // cgminer's average is over the whole run: the hashes since start over the time since.
        let elapsed = snapshot.elapsed.seconds
        let average = elapsed > 0 ? Double(status.hashes) / elapsed / 1e6 : 0
        let chip = status.heatSink ?? 0
        let pool = status.pool
        switch command {
        case "summary":
            return Self.encode([
                "STATUS": [Self.status("S", code: 11, message: "Summary", now: now)],
                "SUMMARY": [[
                    "Elapsed": status.uptimeSeconds, "MHS av": average, "MHS 5s": mhs, "Accepted": pool?.accepted ?? 0,
                    "Rejected": pool?.rejected ?? 0, "Stale": pool?.stale ?? 0, "Best Share": pool?.bestDifficulty ?? 0,
                    "Hardware Errors": 0, "Temperature": chip, "Total MH": Double(status.hashes) / 1e6,
                ] as [String: Any]],
                "id": 1,
            ])
        case "devs":
            return Self.encode([
                "STATUS": [Self.status("S", code: 9, message: "1 ASC(s)", now: now)],
                "DEVS": [[
                    "ASC": 0, "Name": status.engine, "ID": 0, "Enabled": "Y",
                    "Status": status.faults.isEmpty ? "Alive" : "Sick", "Temperature": chip, "MHS av": average, "MHS 5s": mhs,
                    "Accepted": pool?.accepted ?? 0, "Rejected": pool?.rejected ?? 0, "Device Elapsed": status.uptimeSeconds,
                ] as [String: Any]],
                "id": 1,
            ])
        case "pools":
            let pools: [[String: Any]] = pool.map { pool in
                [[
                    "POOL": 0, "URL": pool.url ?? "", "Status": pool.authorized ? "Alive" : "Dead", "Priority": 0,
                    "Stratum Active": pool.authorized, "Accepted": pool.accepted, "Rejected": pool.rejected, "Stale": pool.stale,
                    "Diff": pool.difficulty, "Best Share": pool.bestDifficulty, "Last Error": pool.lastError ?? "",
                ]]
            } ?? []
            return Self.encode([
                "STATUS": [Self.status("S", code: 7, message: "\(pools.count) Pool(s)", now: now)], "POOLS": pools, "id": 1,
            ])
        case "stats":
            return Self.encode([
                "STATUS": [Self.status("S", code: 70, message: "CGMiner stats", now: now)],
                "STATS": [[
                    "STATS": 0, "ID": "\(status.engine)0", "Elapsed": status.uptimeSeconds, "temp": chip,
                    "fan1": status.fanRPM ?? 0, "power": status.supplyWatts ?? status.powerWatts, "setpoint": status.setpoint,
                    "mode": status.mode, "faults": status.faults.count,
                ] as [String: Any]],
                "id": 1,
            ])
        default:
            return invalid
        }
    }

    static func status(_ kind: String, code: Int, message: String, now: Date) -> [String: Any] {
        ["STATUS": kind, "When": Int(now.timeIntervalSince1970), "Code": code, "Msg": message, "Description": "hearth"]
    }

    static func encode(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Serves on `host:port` until cancelled. Requests longer than 4 KiB are refused.
    public func serve(host: String, port: Int, onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await TCPServer<ByteBuffer, ByteBuffer>(
            host: host, port: port, childOptions: { $0.childChannelOption(.allowRemoteHalfClosure, value: true) })
        onBound(server.port)
        try await server.run { connection in try? await answer(connection) }
    }

    /// One request, one reply, then the connection closes (as cgminer does). The request ends
    /// with a newline or NUL, when it parses as a whole JSON object or is a bare command word,
    /// or when the client half-closes; a client that sends nothing complete within 5 s, or more
    /// than 4 KiB, gets the "Invalid command" reply.
    private func answer(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            let request = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    var request = ByteBuffer()
                    for try await var chunk in inbound {
                        request.writeBuffer(&chunk)
                        guard request.readableBytes <= 4096 else { return nil }
                        let text = String(decoding: request.readableBytesView, as: UTF8.self)
                        if Self.isComplete(text) { return text }
                    }
                    return String(decoding: request.readableBytesView, as: UTF8.self)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            var reply = ByteBuffer(string: self.reply(to: request ?? ""))
            reply.writeInteger(UInt8(0))
            try await outbound.write(reply)
        }
    }

    static let commands: Set<String> = ["summary", "devs", "pools", "stats", "version"]

    static func isComplete(_ text: String) -> Bool {
        if text.contains("\n") || text.contains("\0") { return true }
        if commands.contains(text) { return true }
        return text.hasPrefix("{") && (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil
    }
}
