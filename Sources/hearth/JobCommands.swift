import ArgumentParser
import HearthMining
import HearthStratum

extension Hearth {
    struct Job: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stratum job tools.", subcommands: [Header.self])

        struct Header: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Builds the 80-byte header a share of a Stratum job names, and its hash and share difficulty.",
                discussion: """
                    How to check why a pool rejected a share: give the job's mining.notify params and the
                    share's fields as they were submitted, and compare the difficulty with the pool's.
                    """)

            @Option(help: "The params array of a mining.notify, as JSON.") var notify: String
            @Option(help: "The session's extranonce1, hex.") var extranonce1: String
            @Option(help: "The share's extranonce2, hex.") var extranonce2: String
            @Option(help: "The share's nonce, 8 hex digits as submitted.") var nonce: String
            @Option(help: "The share's ntime, 8 hex digits (default: the job's).") var ntime: String?
            @Option(help: "The share's version bits, 8 hex digits (BIP 310, mask 1fffe000).") var versionBits: String?
            @Flag(help: "Print one JSON object with header, hash and difficulty.") var json = false

            func run() throws {
                let job: StratumJob
                do {
                    guard let params = try JSON(parsing: notify).array else {
                        throw StratumError("--notify is not a JSON array (the params of a mining.notify)")
                    }
                    job = try StratumJob(params: params)
                } catch {
                    throw ValidationError("--notify: \(error)")
                }
                func bytes(_ hex: String, _ name: String) throws -> [UInt8] {
                    guard let bytes = [UInt8](hex: hex) else { throw ValidationError("--\(name) \(hex) is not hexadecimal") }
                    return bytes
                }
                func word(_ hex: String, _ name: String) throws -> UInt32 {
                    let value = try bytes(hex, name)
                    guard value.count == 4 else { throw ValidationError("--\(name) \(hex) is \(value.count) bytes, 4 expected") }
                    return value.reduce(0) { $0 << 8 | UInt32($1) }
                }
                let header = job.header(
                    extranonce1: try bytes(extranonce1, "extranonce1"), extranonce2: try bytes(extranonce2, "extranonce2"),
                    nonce: try word(nonce, "nonce"), time: try ntime.map { try word($0, "ntime") },
                    versionBits: try versionBits.map { try word($0, "version-bits") })
                let difficulty = HearthMining.Target.difficulty(of: header.hash)
                if json {
                    print(HearthStratum.JSON.object([
                        "header": .string(header.bytes.hex), "hash": .string(header.displayHash), "difficulty": .number(difficulty),
                    ]).text)
                } else {
                    print("header     \(header.bytes.hex)")
                    print("hash       \(header.displayHash)")
                    print("difficulty \(difficulty)")
                }
            }
        }
    }
}
