import HearthHAL
import HearthSim
import Logging
import Testing

import HearthConfig
import HearthTestFixtures
@testable import HearthRuntime

/// The simulated board as the daemon runs it: real drivers against the twins, the world moved
/// by the control task's clock.
@Suite struct SimHardwareTests {
    let world = SimWorld(model: ThermalModel(start: Celsius(18)))
    let clock = ManualClock()

    func waitUntilSleeping() async {
        while clock.sleeperCount == 0 { await Task.yield() }
    }

    @Test func theSimBoardRunsOnTheSameDriversAndFollowsVirtualTime() async throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/sim.toml")
        var disturbances = Disturbances()
        disturbances.outdoor = Celsius(-5)
        world.setDisturbances(disturbances)
        let hardware = try Hardware.openSim(board, world: world)
        #expect(hardware.sensors.map(\.spec.name) == ["room", "exhaust", "heatsink", "outdoor"])
        #expect(world.line("ASIC_RST").isActive == true, "the hash board starts held in reset")
        #expect(world.line("ASIC_PWR").isActive == false)
        #expect(world.fan.setting?.duty == .full)

        let service = HeaterService(
            hardware: hardware, clock: clock, period: .seconds(1), maxTicks: 601, logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        for _ in 0..<600 {
            await waitUntilSleeping()
            clock.advance(by: .seconds(1))
        }
        try await running.value

        #expect(world.model.elapsed == .seconds(600), "ten minutes of virtual time, tick by tick")
        let readings = try #require(service.latest).readings
        let room = try readings[0].reading.get()
        #expect(abs(room.value - world.model.air.value) <= 0.032, "the TMP102 driver reads the twin of the room air")
        #expect(service.latest?.temperatures.outdoor == Celsius(-5), "the outdoor probe reads the scenario's outdoor air")
        let report = try #require(service.latest)
        #expect(report.safety.events.isEmpty && !report.safety.computeOff)
        #expect(report.appliedPower == Watts(400), "a cold room below its setpoint: the heater runs flat out")
        #expect(room > Celsius(18), "the room warms")
        #expect(report.output.fanDuty == DutyCycle(0.25), "a cool heat sink: the fan at its least while hashing")
        #expect(world.fan.setting?.duty == .full, "and back at its safe duty once the service ended")
        #expect(world.power == .zero, "compute off once the service ended")
        let power = try #require(try report.power?.get())
        #expect(abs(power.power.value - 400 - SimWorld.baselinePower.value) < 0.1, "the supply carries the load, the board and the fan")
        #expect(abs(power.voltage.value - 48) < 0.01)
        let fanSpeed = try #require(try service.latest?.fanSpeed?.get())
        #expect(abs(fanSpeed.value - world.fan.rpm.value) < 60, "the tach, counted by the GPIO fan driver, shows the rotor's speed")
    }

    @Test func aSensorThatDisappearsIsReportedAsItsError() throws {
        let board = try BoardProfile.load(file: "\(boardFolder)/sim.toml")
        let hardware = try Hardware.openSim(board, world: world)
        world.bus.detach(I2CAddress(0x48)!)
        #expect {
            try hardware.sensors[0].device.readTemperature()
        } throws: { error in
            (error as? HALError)?.kind == .nackAddress && (error as? HALError)?.address == I2CAddress(0x48)
        }
    }
}

@Suite struct SimThermistorBoardTests {
    @Test func twoThermistorsShareOneADS1115() throws {
        let board = try BoardProfile.parse(
            TestBoards.simHeader
                + TestBoards.thermistor("intake", role: "intake", channel: 0, curve: "beta = 3950")
                + TestBoards.thermistor(
                    "sink", role: "chip", channel: 1, seriesOhms: 4700,
                    curve: """
                        steinhart_a = 1.009249522e-3
                        steinhart_b = 2.378405444e-4
                        steinhart_c = 2.019202697e-7
                        supply_volts = 5.0
                        """),
            file: "ntc.toml")
        let world = SimWorld(model: ThermalModel(start: Celsius(19)))
        let hardware = try Hardware.openSim(board, world: world)
        #expect(abs(try hardware.sensors[0].device.readTemperature().value - 19) < 0.01)
        #expect(abs(try hardware.sensors[1].device.readTemperature().value - 19) < 0.01, "a Steinhart–Hart part on a 5 V divider")
    }

    @Test func aThermistorNeedsItsCurve() {
        #expect {
            try BoardProfile.parse(
                TestBoards.simHeader + TestBoards.thermistor("intake", role: "intake", channel: 0, curve: "steinhart_a = 1e-3"),
                file: "ntc.toml")
        } throws: { ($0 as? ConfigError)?.description.hasPrefix("ntc.toml: sensor[0].steinhart_a: give all three") == true }
    }
}

@Suite struct SimEMC2101BoardTests {
    @Test func anEMC2101DrivesTheFanAndReadsTheHeatSink() async throws {
        let board = try BoardProfile.parse(TestBoards.emc2101, file: "emc.toml")
        let world = SimWorld(model: ThermalModel(start: Celsius(22)))
        let hardware = try Hardware.openSim(board, world: world)
        #expect(world.fan.setting?.duty == .full, "the controller put the fan at its safe duty")
        world.advance(by: .seconds(10))
        let fan = try #require(hardware.fan)
        #expect(try fan.fan.speed()!.value > 2800)
        try fan.fan.setDuty(DutyCycle(0.5))
        #expect(world.fan.setting?.duty == DutyCycle(0.5))
        #expect(try hardware.sensors[0].device.readTemperature() == Celsius(22))
    }
}
