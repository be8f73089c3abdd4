import ArgumentParser
import HearthConfig
import HearthLinux

extension Hearth {
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints Hearth's version and the libgpiod it uses.")

        func run() {
            let gpio = GPIOLibrary.live.version()
            print("hearth \(HearthVersion.current)")
            print("libgpiod \(gpio.library) (API \(gpio.api))")
        }
    }
}
