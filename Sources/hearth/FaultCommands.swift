import ArgumentParser
import Foundation
import HearthConfig
import HearthNet

extension Hearth {
    struct Fault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Latched safety faults.", subcommands: [Clear.self])

        struct Clear: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Clears the running heater's latched faults, through its HTTP API.",
                discussion: """
                    A fault latches until a person clears it: look at the heater first. The token is the
                    [api] token of the configuration file (read from --config), or --token.
                    """)

            @Option(help: "The heater's API.") var api = "http://127.0.0.1:8080"
            @Option(help: "The configuration file holding the API token.") var config = HearthConfig.defaultPath
            @Option(help: "The API token (default: the configuration file's).") var token: String?

            func run() async throws {
                let token = try token ?? HearthConfig.load(file: config).apiToken
                guard let token else {
                    throw ValidationError("no API token: \(config) has no [api] token; give --token")
                }
                let data: Data
                let status: Int
                do {
                    let response = try await PlainHTTP.send(
                        .POST, url: api + "/api/faults/clear", headers: [("Authorization", "Bearer \(token)")])
                    status = response.status
                    data = Data(response.body)
                } catch {
                    print("error: \(error)")
                    throw ExitCode(1)
                }
                let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                guard status == 200, let cleared = body?["cleared"] as? [String] else {
                    let message = ((body?["error"] as? [String: Any])?["message"] as? String) ?? String(decoding: data, as: UTF8.self)
                    print("error: \(api) answered \(status): \(message)")
                    throw ExitCode(1)
                }
                print(cleared.isEmpty ? "no fault was latched" : "cleared: " + cleared.joined(separator: "; "))
            }
        }
    }
}
