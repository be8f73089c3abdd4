import ArgumentParser
import HearthLinux

extension Hearth {
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
}
