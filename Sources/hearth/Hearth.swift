import ArgumentParser
import Foundation
import HearthNet
import HearthControl
import HearthDaemon
import HearthDrivers
import HearthHAL
import HearthLinux
import HearthMining
import HearthStratum
import Synchronization

/// `hearth`: the heater's command-line tool.
@main
struct Hearth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "Looks after a Hearth heater: checks board files, lists sensors, reports versions.",
        version: HearthVersion.current,
        subcommands: [
            Board.self, Config.self, Fault.self, Sensors.self, Calibrate.self, Simulate.self, Autotune.self, Hash.self, Job.self, Stratum.self, Bench.self, Version.self,
        ])
}

extension Hearth {
    struct Board: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Board files.", subcommands: [Check.self, Probe.self])

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Checks board files and prints what each describes; exits 1 if any is refused.")

            @Argument(help: "Board files, e.g. Board/raspberry-pi-4b.toml.")
            var files: [String]

            func run() throws {
                var refused = 0
                for file in files {
                    do {
                        let board = try BoardProfile.load(file: file)
                        print("\(file): ok")
                        print(board.summary.map { "  " + $0 }.joined(separator: "\n"))
                    } catch {
                        print("\(error)")
                        refused += 1
                    }
                }
                if refused > 0 { throw ExitCode(1) }
            }
        }

        struct Probe: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Opens a board's devices as hearthd does, reads each once, asks the hash board for its chips, and leaves everything in its safe state.",
                discussion: "Stop hearthd first: the devices are its while it runs. Exits 1 if a device the heater needs cannot be opened.")

            @Argument(help: "The board file, e.g. /usr/share/hearth/Board/raspberry-pi-5.toml.")
            var file: String

            func run() throws {
                let board = try BoardProfile.load(file: file)
                let hardware: Hardware
                do {
                    hardware = try Daemon.open(board, scenario: .room400W, hashing: true)
                } catch {
                    print("cannot open \(board.name)'s devices: \(error)")
                    throw ExitCode(1)
                }
                defer {
                    for failure in hardware.enterSafeState() { print("safe state: \(failure)") }
                    hardware.shutdown?()
                }
                for sensor in hardware.sensors {
                    let reading = Result { () throws(HALError) in try sensor.device.readTemperature() }
                    print("sensor \(sensor.spec.name) (\(sensor.spec.role.rawValue)): \(reading.map { "\($0)" }.description(failure: "unreadable"))")
                }
                if let fan = hardware.fan {
                    let speed = Result { () throws(HALError) in try fan.fan.speed() }
                    print("fan: \(speed.map { $0.map { "\($0)" } ?? "no tach" }.description(failure: "unreadable"))")
                }
                if let meter = hardware.powerMeter {
                    let reading = Result { () throws(HALError) in try meter.readPower() }
                    print("power meter: \(reading.map { "\($0.power) at \($0.voltage)" }.description(failure: "unreadable"))")
                }
                for note in hardware.notes { print(note) }
                for part in hardware.missing { print("not driven: \(part)") }
                print("hashing on: \(hardware.engine?.status ?? "nothing (no hash board answered and no [cpu] power model)")")
            }
        }
    }

    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The heater's configuration file.", subcommands: [Check.self])

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Checks a configuration file (and the board and calibration files it names) and prints what it sets; exits 1 if refused.")

            @Argument(help: "The configuration file, e.g. /etc/hearth/hearth.toml.")
            var file: String = HearthConfig.defaultPath

            func run() throws {
                do {
                    let config = try HearthConfig.load(file: file)
                    print("\(file): ok")
                    for line in try config.summary() { print("  " + line) }
                } catch {
                    print("\(error)")
                    throw ExitCode(1)
                }
            }
        }
    }

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
                let token = try token ?? HearthConfig.load(file: config).api?.token
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

    struct Sensors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists every temperature the kernel measures (thermal zones, hwmon) with a reading.")

        @Option(help: "Where thermal zones are.") var thermalRoot = "/sys/class/thermal"
        @Option(help: "Where hwmon devices are.") var hwmonRoot = "/sys/class/hwmon"

        func run() throws {
            let sensors = SysfsTemperatureSensor.discover(thermalRoot: thermalRoot, hwmonRoot: hwmonRoot)
            if sensors.isEmpty {
                print("no thermal zones under \(thermalRoot) and no hwmon temperatures under \(hwmonRoot)")
                return
            }
            for sensor in sensors {
                let reading: String
                do {
                    reading = "\(try sensor.readTemperature())"
                } catch {
                    reading = "unreadable: \(error)"
                }
                print("\(sensor.name)\t\(reading)\t\(sensor.path)")
            }
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calibrates a temperature sensor against a reference: fits gain and offset through several points.",
            discussion: """
                For each point, bring the sensor and the reference to one steady temperature; the raw reading \
                (the mean of --samples readings) is paired with the reference, typed in or read from another \
                sensor of the board (--reference-sensor). Type "done" after the last point. The fit is by \
                least squares, shown with each point's residual, and written into the calibration file \
                (the other sensors' entries kept). It is refused from fewer than two points or from points \
                closer together than --min-spread. With --point RAW=REFERENCE (repeated) nothing is asked.
                """)

        @Option(help: "The board file.") var board: String?
        @Option(help: "The sensor to calibrate, by its name in the board file.") var sensor: String
        @Option(help: "A sensor of the board to read the reference from, instead of typing it.") var referenceSensor: String?
        @Option(name: .customLong("point"), help: "A point measured already: RAW=REFERENCE, in °C. Repeat for each point.")
        var points: [String] = []
        @Option(help: "Readings averaged for each point.") var samples = 5
        @Option(help: "The least span of the raw readings, °C.") var minSpread: Double = 5
        @Option(help: "The calibration file to write.") var output = "/etc/hearth/calibration.toml"
        @Flag(help: "Show the fit; write nothing.") var dryRun = false

        func run() throws {
            let file = DaemonOptions(boardFile: board).resolvedBoardFile()
            let profile = try BoardProfile.load(file: file)
            let names = profile.sensors.map(\.name)
            guard names.contains(sensor) else {
                throw ValidationError("--sensor: \(file) has no sensor \"\(sensor)\" (it has: \(names.joined(separator: ", ")))")
            }
            var collected: [Calibration.Point] = []
            for text in points {
                let parts = text.split(separator: "=")
                guard parts.count == 2, let raw = Double(parts[0]), let reference = Double(parts[1]) else {
                    throw ValidationError("--point: \"\(text)\" is not RAW=REFERENCE (two temperatures in °C, e.g. 20.8=21.3)")
                }
                collected.append(Calibration.Point(raw: Celsius(raw), reference: Celsius(reference)))
            }
            if points.isEmpty { collected = try measure(profile, file: file) }
            let fit: Calibration.Fit
            do {
                fit = try Calibration.fit(collected, minimumSpread: Celsius(minSpread))
            } catch {
                print("not calibrated: \(error)")
                throw ExitCode(1)
            }
            let sign = fit.offset.value < 0 ? "" : "+"
            print("fit: gain \(fit.gain.rounded(toPlaces: 5)), offset \(sign)\(fit.offset.value.rounded(toPlaces: 3)) °C (true = raw × gain + offset)")
            for (index, (point, residual)) in zip(collected, fit.residuals).enumerated() {
                print("  point \(index + 1): raw \(point.raw.value.rounded(toPlaces: 3)) °C, reference \(point.reference.value.rounded(toPlaces: 3)) °C, residual \(residual.value.rounded(toPlaces: 3)) °C")
            }
            print("worst residual \(fit.worstResidual.value.rounded(toPlaces: 3)) °C\(fit.worstResidual.value > 0.5 ? ": large; is the sensor well coupled to the reference?" : "")")
            if dryRun { return }
            try CalibrationFile.save(
                .linear(gain: fit.gain.rounded(toPlaces: 5), offset: Celsius(fit.offset.value.rounded(toPlaces: 3))), for: sensor, file: output,
                sensors: names, header: ["Sensor calibrations written by `hearth calibrate`; see README, Calibration."])
            print("wrote [\(sensor)] to \(output); hearthd uses it with calibration = \"\(output)\" in its configuration")
        }

        /// Points taken now: the sensor's raw reading and the reference, one point per prompt.
        private func measure(_ profile: BoardProfile, file: String) throws -> [Calibration.Point] {
            if let referenceSensor, !profile.sensors.contains(where: { $0.name == referenceSensor }) {
                throw ValidationError("--reference-sensor: \(file) has no sensor \"\(referenceSensor)\"")
            }
            let hardware = try Daemon.open(profile, scenario: try ScenarioFile.load("400w"), hashing: false)
            func mean(_ name: String) throws -> Celsius {
                let device = hardware.sensors.first { $0.spec.name == name }!.device
                var sum = 0.0
                for index in 0..<max(samples, 1) {
                    if index > 0 { usleep(200_000) }
                    sum += try device.readTemperature().value
                }
                return Celsius(sum / Double(max(samples, 1)))
            }
            print("Calibrating \"\(sensor)\" against \(referenceSensor.map { "the board's \"\($0)\"" } ?? "a reference you read").")
            print("For each point, bring the sensor and the reference to one steady temperature, at least \(minSpread) °C apart from the others.")
            var points: [Calibration.Point] = []
            while true {
                if referenceSensor == nil {
                    print("point \(points.count + 1): the reference's reading in °C (or done): ", terminator: "")
                } else {
                    print("point \(points.count + 1): press Enter to take it (or type done): ", terminator: "")
                }
                fflush(nil)
                guard let line = readLineUnbuffered()?.trimmingCharacters(in: .whitespaces), line != "done" else { break }
                let reference: Celsius
                if let referenceSensor {
                    reference = try mean(referenceSensor)
                } else {
                    guard let typed = Double(line.replacingOccurrences(of: ",", with: ".")), (-40...150).contains(typed) else {
                        print("\"\(line)\" is not a temperature in °C; type the reference's reading, e.g. 21.4")
                        continue
                    }
                    reference = Celsius(typed)
                }
                let raw = try mean(sensor)
                points.append(Calibration.Point(raw: raw, reference: reference))
                print("  raw \(raw.value.rounded(toPlaces: 3)) °C ↔ reference \(reference.value.rounded(toPlaces: 3)) °C")
            }
            return points
        }
    }

    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs the whole control stack on the simulated heater, on virtual time, and reports how it held the room.")

        @Option(help: "A built-in scenario (see --list) or a scenario file.") var scenario = "cold-start"
        @Option(help: "Simulated time, e.g. 24h.") var duration = "24h"
        @Option(help: "pid, or hysteresis (the ±0.5 °C on/off thermostat, as a baseline).") var controller = "pid"
        @Option(help: "The simulated board file.") var board: String?
        @Option(help: "Room-loop gains to try instead of the defaults: kp,ki,kd (W/°C, W/(°C·s), W·s/°C).")
        var gains: String?
        @Flag(help: "Print one JSON object.") var json = false
        @Flag(help: "List the built-in scenarios.") var list = false

        func run() throws {
            if list {
                print(ScenarioFile.builtIn.keys.sorted().joined(separator: "\n"))
                return
            }
            guard let simulated = parseDuration(duration) else {
                throw ValidationError("--duration: \"\(duration)\" is not a duration such as 90s, 15m, 8h or 1h30m")
            }
            guard let law = RoomLaw(rawValue: controller) else {
                throw ValidationError("--controller: \"\(controller)\" is not one of pid, hysteresis")
            }
            let file = DaemonOptions(boardFile: board).resolvedBoardFile()
            let profile = try BoardProfile.load(file: file)
            guard profile.backend == .sim else { throw ValidationError("\(file) is not a simulated board") }
            var roomGains: PIDGains?
            if let gains {
                let parts = gains.split(separator: ",").compactMap { Double($0) }
                guard parts.count == 3 else { throw ValidationError("--gains: expected kp,ki,kd, got \"\(gains)\"") }
                roomGains = PIDGains(kp: parts[0], ki: parts[1], kd: parts[2])
            }
            let report = try Simulation(
                scenario: try ScenarioFile.load(scenario), law: law, board: profile, roomGains: roomGains
            ).run(for: simulated)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.summary)
            }
        }
    }

    struct Autotune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finds room-loop gains by relay autotuning (Åström–Hägglund), on the simulated room.")

        @Option(help: "A built-in scenario or a scenario file: the room and heater to tune for (the heater must be able to pass the setpoint).")
        var scenario = "1200w"
        @Option(help: "The setpoint to oscillate around, °C.") var setpoint: Double = 20
        @Option(help: "The simulated board file.") var board: String?
        @Option(help: "Also write the gains into this configuration file ([heater] kp, ki, kd), keeping the rest of it.")
        var writeConfig: String?

        func run() throws {
            let file = DaemonOptions(boardFile: board).resolvedBoardFile()
            let profile = try BoardProfile.load(file: file)
            guard profile.backend == .sim else {
                throw ValidationError("autotune runs on the simulated board; \(file) is not one (on real hardware it arrives with the daemon's API)")
            }
            let tuning = try SimulatedAutotune(
                scenario: try ScenarioFile.load(scenario), board: profile, setpoint: Celsius(setpoint)
            ).run()
            guard let result = tuning.result else {
                print("no oscillation around \(setpoint) °C in \(tuning.took): can the heater reach it, and leave it?")
                if !tuning.faults.isEmpty { print("faults: \(tuning.faults.joined(separator: "; "))") }
                throw ExitCode(1)
            }
            let g = result.gains
            print("period \(Int(result.period.seconds)) s, amplitude \(result.amplitude), ultimate gain \(Int(result.ultimateGain)) W/°C (\(tuning.took) simulated)")
            print("gains: kp \(g.kp) W/°C, ki \(g.ki) W/(°C·s), kd \(g.kd) W·s/°C")
            print("try them: hearth simulate --scenario \(scenario) --gains \(g.kp),\(g.ki),\(g.kd)")
            if let writeConfig {
                let written = PIDGains(kp: g.kp.rounded(toPlaces: 3), ki: g.ki.rounded(toPlaces: 5), kd: g.kd.rounded(toPlaces: 1))
                try HearthConfig.save(written, file: writeConfig)
                print("wrote kp \(written.kp), ki \(written.ki), kd \(written.kd) into [heater] of \(writeConfig); restart hearthd to use them")
            }
        }
    }

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
                func word(_ hex: String?, _ name: String) throws -> UInt32? {
                    guard let hex else { return nil }
                    let value = try bytes(hex, name)
                    guard value.count == 4 else { throw ValidationError("--\(name) \(hex) is \(value.count) bytes, 4 expected") }
                    return value.reduce(0) { $0 << 8 | UInt32($1) }
                }
                let header = job.header(
                    extranonce1: try bytes(extranonce1, "extranonce1"), extranonce2: try bytes(extranonce2, "extranonce2"),
                    nonce: try word(nonce, "nonce")!, time: try word(ntime, "ntime"), versionBits: try word(versionBits, "version-bits"))
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

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmarks.", subcommands: [World.self, HashRate.self, Engine.self])

        /// A kernel by the name `--kernel` takes: auto, simd or a kernel's own name.
        static func kernel(named name: String) throws -> NonceScanner.Kernel {
            if name == "auto" { return .best }
            if name == "simd", let widest = NonceScanner.Kernel.widestSIMD { return widest }
            if let named = NonceScanner.Kernel(rawValue: name), NonceScanner.Kernel.available.contains(named) { return named }
            throw ValidationError(
                "--kernel: \"\(name)\" is not one this CPU runs (\(NonceScanner.Kernel.available.map(\.rawValue).joined(separator: ", ")), or auto)")
        }

        struct HashRate: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "hash", abstract: "Measures SHA-256d hashes per second on the CPU.")

            @Option(help: "auto, scalar, simd, avx2, avx512, shani or armv8 (auto: the fastest this CPU has; simd: its widest vectors).")
            var kernel = "auto"
            @Option(help: "Threads (default: every core).") var threads = ProcessInfo.processInfo.activeProcessorCount
            @Option(help: "Seconds to run.") var seconds: Double = 3
            @Flag(help: "Print one JSON object.") var json = false

            func run() throws {
                let chosen = try Bench.kernel(named: kernel)
                guard threads >= 1, seconds > 0 else { throw ValidationError("--threads and --seconds must be positive") }
                let header = try BlockHeader(hex: String(repeating: "00", count: 80))
                let scanner = NonceScanner(header: header)
                let clock = ContinuousClock()
                let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
                let counts = Mutex([Int](repeating: 0, count: threads))
                let start = clock.now
                DispatchQueue.concurrentPerform(iterations: threads) { thread in
                    var done = 0
                    var nonce = UInt32(thread) << 28
                    while clock.now < deadline {
                        _ = scanner.scan(nonce...nonce &+ 9_999, kernel: chosen)
                        nonce &+= 10_000
                        done += 10_000
                    }
                    counts.withLock { $0[thread] = done }
                }
                let elapsed = start.duration(to: clock.now).seconds
                let total = Double(counts.withLock { $0.reduce(0, +) })
                let rate = total / elapsed
                if json {
                    print("{\"hashes_per_second\":\(Int(rate)),\"kernel\":\"\(chosen.rawValue)\",\"threads\":\(threads)}")
                } else {
                    print("\(String(format: "%.2f", rate / 1e6)) MH/s on \(threads) thread(s), \(chosen.rawValue) kernel (\(String(format: "%.2f", rate / 1e6 / Double(threads))) MH/s per thread)")
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
                let engine = CPUHashEngine(
                    model: CPUPowerModel(idle: .zero, fullLoad: Watts(Double(threads)), cores: threads), kernel: chosen, onShare: { _ in })
                func work(_ time: UInt32) -> WorkTemplate {
                    WorkTemplate(
                        jobID: "bench-\(time)", previousHash: [UInt8](repeating: 0, count: 32), coinbase1: Array("hearth".utf8),
                        extranonce1: [0, 0, 0, 0], extranonce2Size: 4, coinbase2: Array("bench".utf8), merkleBranch: [],
                        version: 0x2000_0000, bits: 0x1703_0ECD, time: time, shareTarget: Target(difficulty: 1e15))
                }
                engine.setWork(work(0))
                engine.start()
                defer { engine.stop() }
                let clock = ContinuousClock()
                /// The hash rate and the share of the threads' time spent hashing, at a duty.
                func measure(duty: Double) -> (rate: Double, busy: Double) {
                    engine.setPowerTarget(Watts(duty * Double(threads)))
                    Thread.sleep(forTimeInterval: 0.5)  // the threads settle into the new plan
                    let (hashes, busy, start) = (engine.hashes, engine.busyTime, clock.now)
                    Thread.sleep(forTimeInterval: seconds)
                    let wall = start.duration(to: clock.now)
                    return (Double(engine.hashes - hashes) / wall.seconds, (engine.busyTime - busy) / (wall * threads))
                }
                let full = measure(duty: 1).rate
                let duties = [0.1, 0.25, 0.5, 0.75].map { duty in
                    let measured = measure(duty: duty)
                    return (duty, measured.busy, measured.rate / full)
                }
                engine.setPowerTarget(Watts(Double(threads)))
                Thread.sleep(forTimeInterval: 0.2)
                var latencies: [Duration] = []
                for index in 1...switches {
                    let start = clock.now
                    engine.setWork(work(UInt32(index)))
                    while engine.threadsOnStaleWork > 0 { usleep(20) }  // polling, without taking a core from the threads
                    latencies.append(start.duration(to: clock.now))
                    Thread.sleep(forTimeInterval: 0.01)
                }
                latencies.sort()
                let median = latencies[latencies.count / 2], worst = latencies.last!
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
                var best: WorldBenchmark.Result?
                for _ in 0..<max(runs, 1) {
                    let result = try WorldBenchmark().run(for: simulated, read: !worldOnly)
                    if best == nil || result.wall < best!.wall { best = result }
                }
                let result = best!
                print("simulated \(duration) in \(result.wall) wall: \(Int(result.speed)) simulated seconds per wall second")
                print("\(result.readings) driver readings, \(result.failures) failed")
                if result.failures > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints Hearth's version and the libgpiod it uses.")

        func run() {
            let gpio = GPIOLibrary.live.version()
            print("hearth \(HearthVersion.current)")
            print("libgpiod \(gpio.library) (API \(gpio.api))")
        }
    }
}

/// A line from standard input, read a byte at a time so that nothing after it is taken: a script
/// that pipes answers to several `hearth` runs in turn gives each its own lines.
func readLineUnbuffered() -> String? {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while read(0, &byte, 1) == 1 {
        if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
}

extension Result where Success == String {
    /// The value, or what went wrong after `failure`.
    func description(failure: String) -> String {
        switch self {
        case .success(let text): text
        case .failure(let error): "\(failure): \(error)"
        }
    }
}
