import ArgumentParser
import HearthConfig
import HearthStratum

extension Hearth {
    struct Stratum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stratum pool tools.", subcommands: [Check.self])

        struct Check: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Connects to a pool, subscribes and authorizes, prints the first job and difficulty, and exits.",
                discussion: "Exits 1 with the reason when the pool cannot be reached, refuses the worker or sends no work.")

            @Option(help: "The pool: stratum+tcp://HOST:PORT.") var url: String
            @Option(help: "The worker name (usually a Bitcoin address, optionally .worker).") var user: String
            @Option(help: "The worker password.") var password = "x"
            @Option(help: "Seconds to wait for each step.") var timeout: Double = 15

            func run() async throws {
                let address: PoolAddress
                do {
                    address = try PoolAddress(url: url)
                } catch {
                    throw ValidationError("--url: \(error)")
                }
                guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
                let pool = Pool(name: address.host, address: address, user: user, password: password)
                var configuration = StratumConfiguration(pools: [pool], userAgent: "hearth/\(HearthVersion.current)")
                configuration.responseTimeout = .milliseconds(Int64(timeout * 1000))
                configuration.connectTimeout = configuration.responseTimeout
                do {
                    guard let work = try await StratumClient.firstWork(from: pool, configuration: configuration) else { return }
                    print("\(address): worker \(user) authorized")
                    print("job        \(work.jobID)")
                    print("previous   \(Array(work.previousHash.reversed()).hex)")
                    print("version    \(String(work.version, radix: 16)), bits \(String(work.bits, radix: 16)), time \(work.time)")
                    print("extranonce1 \(work.extranonce1.hex), extranonce2 \(work.extranonce2Size) bytes, merkle branch \(work.merkleBranch.count)")
                    print("difficulty \(work.shareTarget.difficulty)")
                } catch {
                    print("error: \(address): \(error)")
                    throw ExitCode(1)
                }
            }
        }
    }
}
