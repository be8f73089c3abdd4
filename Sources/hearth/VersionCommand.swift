import ArgumentParser
import Foundation
import HearthConfig
import HearthControl
import HearthDrivers
import HearthHAL
import HearthLinux
import HearthMining
import HearthNet
import HearthRuntime
import HearthStratum
import HearthTools
import Synchronization

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
