import ArgumentParser
import Foundation
import HearthMining

extension Hearth {
    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block hashing tools.", subcommands: [Header.self])

        struct Header: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Prints the hash of an 80-byte block header (display order), its target and difficulty.")

            @Argument(help: "The header: 160 hexadecimal characters.") var header: String
            @Flag(help: "Print one JSON object.") var json = false

            func run() throws {
                let parsed: BlockHeader
                do {
                    parsed = try BlockHeader(hex: header)
                } catch {
                    throw ValidationError("header: \(error)")
                }
                let difficulty = Target.difficulty(of: parsed.hash)
                let meets = parsed.target.isMet(by: parsed.hash)
                if json {
                    let object: [String: Any] = [
                        "hash": parsed.displayHash, "difficulty": difficulty, "meets_target": meets,
                        "target_difficulty": parsed.target.difficulty,
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(parsed.displayHash)
                    print("difficulty \(difficulty); target (bits 0x\(String(parsed.bits, radix: 16))) difficulty \(parsed.target.difficulty): \(meets ? "met" : "not met")")
                }
            }
        }
    }
}
