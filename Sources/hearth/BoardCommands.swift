import ArgumentParser
import HearthConfig
import HearthHAL
import HearthRuntime

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
                    hardware = try Hardware.open(board, scenario: .room400W, use: .heater(hashing: true))
                } catch {
                    print("cannot open \(board.name)'s devices: \(error)")
                    throw ExitCode(1)
                }
                defer {
                    for failure in hardware.enterSafeState() { print("safe state: \(failure)") }
                    hardware.shutdown()
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
}
