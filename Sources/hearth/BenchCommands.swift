import ArgumentParser
import Foundation
import HearthConfig
import HearthMining
import HearthTools

extension Hearth {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks.", subcommands: [World.self, HashRate.self, Engine.self, History.self])

        /// A kernel by the name `--kernel` takes: auto, simd or a kernel's own name.
        static func kernel(named name: String) throws -> NonceScanner.Kernel {
            if name == "auto" { return .best }
            if name == "simd", let widest = NonceScanner.Kernel.widestSIMD { return widest }
            if let named = NonceScanner.Kernel(rawValue: name), NonceScanner.Kernel.available.contains(named) { return named }
            throw ValidationError(
                "--kernel: \"\(name)\" is not one this CPU runs (\(NonceScanner.Kernel.available.map(\.rawValue).joined(separator: ", ")), auto, or all for bench hash)")
        }

        struct HashRate: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "hash", abstract: "Measures SHA-256d hashes per second on the CPU.")

            @Option(help: "auto, all, scalar, simd, avx2, avx512, shani or armv8 (auto: the fastest this CPU has, measured; all: each this CPU runs, in turn; simd: its widest vectors).")
            var kernel = "auto"
            @Option(help: "Threads (default: every core).") var threads = ProcessInfo.processInfo.activeProcessorCount
            @Option(help: "Seconds to run each kernel.") var seconds: Double = 3
            @Flag(help: "Print one JSON object a kernel, a line each.") var json = false

            func run() throws {
                guard threads >= 1, seconds > 0 else { throw ValidationError("--threads and --seconds must be positive") }
                let kernels = kernel == "all" ? NonceScanner.Kernel.available : [try Bench.kernel(named: kernel)]
                if kernel == "auto" && !json { print("auto took \(KernelChoice.measured)") }
                for chosen in kernels {
                    let rate = HashRateBenchmark(kernel: chosen, threads: threads, duration: .milliseconds(Int64(seconds * 1000))).run()
                    if json {
                        print("{\"hashes_per_second\":\(Int(rate)),\"kernel\":\"\(chosen.rawValue)\",\"threads\":\(threads)}")
                    } else {
                        print("\(String(format: "%.2f", rate / 1e6)) MH/s on \(threads) thread(s), \(chosen.rawValue) kernel (\(String(format: "%.2f", rate / 1e6 / Double(threads))) MH/s per thread)")
                    }
                }
            }
        }

        struct Engine: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Measures the CPU hash engine on real time: the duty it realises for power targets, and how long a new job takes to reach every thread.",
                discussion: """
                    The engine's power model here is one watt a thread, so a target of d × threads watts asks for \
                    duty d; the duty realised is the share of the threads' time spent hashing (what draws the \
                    power), shown with the hash rate over the rate flat out. A job switch lasts from setting the \
                    new work until no thread is hashing the old.
                    """)

            @Option(help: "auto, scalar, simd, avx2, avx512, shani or armv8.") var kernel = "auto"
            @Option(help: "Threads (default: every core).") var threads = ProcessInfo.processInfo.activeProcessorCount
            @Option(help: "Seconds to measure each duty.") var seconds: Double = 3
            @Option(help: "Job switches to time.") var switches = 100
            @Flag(help: "Print one JSON object.") var json = false

            func run() throws {
                let chosen = try Bench.kernel(named: kernel)
                guard threads >= 1, seconds > 0, switches >= 1 else { throw ValidationError("--threads, --seconds and --switches must be positive") }
                let result = EngineBenchmark(
                    kernel: chosen, threads: threads, duration: .milliseconds(Int64(seconds * 1000)), switches: switches
                ).run()
                let (full, median, worst) = (result.hashesPerSecond, result.medianSwitch, result.worstSwitch)
                let duties = result.duties.map { ($0.asked, $0.realised, $0.hashRateRatio) }
                func ms(_ duration: Duration) -> String { String(format: "%.3f", duration.seconds * 1000) }
                if json {
                    let realised = duties.map { "\"\($0.0)\":\(String(format: "%.4f", $0.1))" }.joined(separator: ",")
                    let byRate = duties.map { "\"\($0.0)\":\(String(format: "%.4f", $0.2))" }.joined(separator: ",")
                    print("{\"kernel\":\"\(chosen.rawValue)\",\"threads\":\(threads),\"hashes_per_second\":\(Int(full)),\"realised_duty\":{\(realised)},\"hash_rate_ratio\":{\(byRate)},\"switch_ms_p50\":\(ms(median)),\"switch_ms_max\":\(ms(worst))}")
                } else {
                    print("\(chosen.rawValue) kernel, \(threads) thread(s): \(String(format: "%.2f", full / 1e6)) MH/s flat out")
                    for (duty, realised, byRate) in duties {
                        print(
                            "duty \(duty): realised \(String(format: "%.4f", realised)) (\(String(format: "%+.1f", (realised - duty) / duty * 100)) %), "
                                + "hash rate \(String(format: "%.4f", byRate)) of flat out")
                    }
                    print("job switch over \(switches): p50 \(ms(median)) ms, max \(ms(worst)) ms")
                }
            }
        }

        struct World: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Times the simulated world with a twin of every chip, read by the real drivers at 2 Hz.")

            @Option(help: "Simulated time to run, e.g. 24h.") var duration = "24h"
            @Option(help: "Runs to make; the best is reported.") var runs = 3
            @Flag(help: "Advance the world only; do not read the devices.") var worldOnly = false

            func run() throws {
                guard let simulated = parseDuration(duration) else {
                    throw ValidationError("--duration: \"\(duration)\" is not a duration such as 90s, 15m, 8h or 1h30m")
                }
                var result = try WorldBenchmark().run(for: simulated, read: !worldOnly)
                for _ in 1..<max(runs, 1) {
                    let next = try WorldBenchmark().run(for: simulated, read: !worldOnly)
                    if next.wall < result.wall { result = next }
                }
                print("simulated \(duration) in \(result.wall) wall: \(Int(result.speed)) simulated seconds per wall second")
                print("\(result.readings) driver readings, \(result.failures) failed")
                if result.failures > 0 { throw ExitCode(1) }
            }
        }

        struct History: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Writes weeks of 30 s history samples as hearthd does: the database's size on disk after each week, and what a write costs.",
                discussion: """
                    Each sample is written alone, with the week's retention after it, through the same code as \
                    hearthd's (HistoryDatabase.write). With --database the file is kept, its samples ending now: \
                    a week of history for hearthd's dashboard to show (hearthd keeps it as history.sqlite beside \
                    its state file).
                    """)

            @Option(help: "Weeks of samples to write (20 160 a week).") var weeks = 2
            @Option(help: "The database to write and keep (an old file there is replaced); default: a temporary one.")
            var database: String?
            @Flag(help: "Print one JSON object.") var json = false

            func run() async throws {
                guard weeks >= 1 else { throw ValidationError("--weeks must be 1 or more") }
                let result = try await HistoryBenchmark(weeks: weeks, path: database).run()
                func us(_ duration: Duration) -> String { String(format: "%.1f", duration.seconds * 1e6) }
                if json {
                    let sizes = result.bytesAfterWeek.map(String.init).joined(separator: ",")
                    print("{\"samples\":\(result.samples),\"rows\":\(result.rows),\"bytes_after_week\":[\(sizes)],\"write_us_mean\":\(us(result.meanWrite)),\"write_us_p50\":\(us(result.write(at: 0.5))),\"write_us_p99\":\(us(result.write(at: 0.99))),\"write_us_max\":\(us(result.write(at: 1)))}")
                } else {
                    print("\(result.samples) samples written to \(result.path)\(database == nil ? " (removed)" : ""); \(result.rows) rows kept")
                    for (week, bytes) in result.bytesAfterWeek.enumerated() {
                        print("on disk after week \(week + 1): \(bytes) bytes (\(String(format: "%.2f", Double(bytes) / 1_048_576)) MiB)")
                    }
                    print("a write: mean \(us(result.meanWrite)) µs, p50 \(us(result.write(at: 0.5))) µs, p99 \(us(result.write(at: 0.99))) µs, max \(us(result.write(at: 1))) µs")
                }
            }
        }
    }
}
