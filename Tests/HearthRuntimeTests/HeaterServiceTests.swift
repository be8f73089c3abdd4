import Dispatch
import Foundation
import HearthControl
import HearthDrivers
import HearthHAL
import Logging
import Synchronization
import Testing

import HearthConfig
import HearthTestFixtures
@testable import HearthRuntime

/// A sensor that returns scripted readings, then repeats the last.
final class ScriptedSensor: TemperatureSensor {
    let name: String
    private let script: Mutex<[Result<Celsius, HALError>]>
    init(_ name: String, _ script: [Result<Celsius, HALError>]) {
        self.name = name
        self.script = Mutex(script)
    }
    func readTemperature() throws(HALError) -> Celsius {
        try script.withLock { script in
            script.count > 1 ? script.removeFirst() : script[0]
        }.get()
    }
}

/// A sensor on a bus that hangs: once `hang()` is called, its next read blocks until `release()`.
final class HangingSensor: TemperatureSensor {
    let name = "room"
    private let hanging = Mutex(false)
    let entered = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)

    func hang() { hanging.withLock { $0 = true } }
    func release() { released.signal() }

    func readTemperature() throws(HALError) -> Celsius {
        if hanging.withLock({ state in defer { state = false }; return state }) {
            entered.signal()
            released.wait()
        }
        return Celsius(19.5)
    }
}

/// An output that remembers every value it was set to.
final class RecordingOutput: DigitalOutput {
    let history = Mutex<[Bool]>([])
    func set(active: Bool) throws(HALError) { history.withLock { $0.append(active) } }
    var last: Bool? { history.withLock { $0.last } }
}

/// A PWM channel that remembers every setting.
final class RecordingPWM: PWMOutput {
    let history = Mutex<[PWMSetting]>([])
    func apply(_ setting: PWMSetting) throws(HALError) { history.withLock { $0.append(setting) } }
    var last: PWMSetting? { history.withLock { $0.last } }
}

@Suite struct HeaterServiceTests {
    let reset = RecordingOutput()
    let power = RecordingOutput()
    let pwm = RecordingPWM()
    let clock = ManualClock()
    let safeFan = PWMSetting(frequency: Hertz(25_000), duty: .full)!

    func hardware(_ sensors: [any TemperatureSensor]) -> Hardware {
        var hardware = Hardware()
        let line = BoardProfile.Line(chip: .number(0), line: .offset(5))
        hardware.outputs = [
            .init(spec: .init(name: "asic-reset", line: line, activeLow: true, safeActive: true), device: reset),
            .init(spec: .init(name: "asic-power", line: line, activeLow: false, safeActive: false), device: power),
        ]
        hardware.fan = .init(fan: GPIOFan(name: "fan", pwm: pwm, tach: nil, now: { .zero }), safe: .full)
        hardware.sensors = sensors.enumerated().map { index, sensor in
            .init(spec: .init(name: sensor.name, role: index == 0 ? .room : .chip, source: .thermalZone("x")), device: sensor)
        }
        return hardware
    }

    func waitUntilSleeping() async {
        while clock.sleeperCount == 0 { await Task.yield() }
    }

    @Test func ticksAtItsRateOnTheInjectedClockAndReportsEveryReading() async throws {
        let room = ScriptedSensor("room", [.success(Celsius(19.5)), .success(Celsius(19.6))])
        let chip = ScriptedSensor("chip", [.success(Celsius(40)), .failure(HALError(.nackAddress, "gone"))])
        let service = HeaterService(
            hardware: hardware([room, chip]), clock: clock, period: .milliseconds(500), maxTicks: 3,
            logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        await waitUntilSleeping()
        #expect(service.ticks == 1)
        #expect(service.latest?.readings.map(\.name) == ["room", "chip"])
        #expect(try service.latest?.readings[0].reading.get() == Celsius(19.5))

        clock.advance(by: .milliseconds(499))
        #expect(service.ticks == 1, "no tick before its time")
        clock.advance(by: .milliseconds(1))
        await waitUntilSleeping()
        #expect(service.ticks == 2)
        #expect(service.latest?.elapsed == .milliseconds(500))
        guard case .failure(let error) = service.latest?.readings[1].reading else {
            Issue.record("a failing sensor must be reported as its error")
            return
        }
        #expect(error.kind == .nackAddress)

        clock.advance(by: .milliseconds(500))
        try await running.value
        #expect(service.ticks == 3)
    }

    @Test func outputsEndInTheirSafeStateWhenTheTaskIsCancelled() async throws {
        let service = HeaterService(
            hardware: hardware([ScriptedSensor("room", [.success(Celsius(20))])]), clock: clock,
            logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        await waitUntilSleeping()
        // Something drove the outputs out of their safe state while running.
        try reset.set(active: false)
        try power.set(active: true)
        try pwm.apply(PWMSetting(period: .microseconds(40), duty: DutyCycle(0.2)))
        running.cancel()
        try await running.value
        #expect(reset.last == true, "the hash board is held in reset")
        #expect(power.last == false, "the hash board's power is off")
        #expect(pwm.last == safeFan, "the fan is at its safe duty")
    }

    @Test func safeStateIsEnteredAtStart() async throws {
        let service = HeaterService(
            hardware: hardware([]), clock: clock, maxTicks: 1, logger: Logger(label: "test"))
        try await service.run()
        #expect(reset.history.withLock { $0 } == [true, true], "outputs: safe at the start and at the end")
        #expect(pwm.history.withLock { $0.first } == safeFan && pwm.history.withLock { $0.last } == safeFan)
    }

    @Test func aFailingOutputDoesNotStopTheOthersFromGoingSafe() {
        struct Broken: DigitalOutput {
            func set(active: Bool) throws(HALError) { throw HALError(.unavailable, "line gone") }
        }
        var hardware = hardware([])
        hardware.outputs.insert(.init(spec: hardware.outputs[0].spec, device: Broken()), at: 0)
        let failures = hardware.enterSafeState()
        #expect(failures.map(\.detail) == ["line gone"])
        #expect(reset.last == true)
        #expect(power.last == false)
        #expect(pwm.last == safeFan)
    }

    /// The tick that latches a fault puts the outputs in their safe state itself, before it
    /// returns; and the latched faults reach whoever keeps them before it returns too.
    @Test func theTickThatLatchesDrivesTheOutputsSafeAndKeepsTheFault() throws {
        let room = ScriptedSensor("room", [.success(Celsius(19.5))])
        let chip = ScriptedSensor("chip", [.success(Celsius(40)), .success(Celsius(40)), .success(Celsius(95))])
        let kept = Mutex<[[String]]>([])
        let service = HeaterService(
            hardware: hardware([room, chip]), clock: clock, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            feeds: .init(faultsChanged: { faults in kept.withLock { $0.append(faults) } }))
        service.tick(elapsed: .zero)
        service.tick(elapsed: .seconds(10))
        // Meanwhile the engine's side had the hash board powered and out of reset.
        try reset.set(active: false)
        try power.set(active: true)
        #expect(kept.withLock { $0 }.isEmpty, "nothing latched yet")
        service.tick(elapsed: .seconds(20))
        let latched = try #require(service.latest)
        #expect(latched.faults.count == 1 && latched.faults[0].contains("chip at 95"), "\(latched.faults)")
        #expect(reset.last == true, "held in reset by the tick that latched")
        #expect(power.last == false, "its supply off by the tick that latched")
        #expect(pwm.last?.duty == .full)
        #expect(kept.withLock { $0 } == [latched.faults], "handed over to be kept before the tick returned")
        _ = service.clearFaults()
        #expect(kept.withLock { $0 }.last == [], "and the clearing too")
    }

    /// A tick stuck in a transfer that does not return: the monitor finds it past its deadline,
    /// puts the outputs in their safe state from its own thread, and shows and keeps the fault,
    /// while the last snapshot stays readable; when the transfer returns the fault latches.
    @Test func aHungTickIsCaughtFromAnotherThread() throws {
        let room = HangingSensor()
        let chip = ScriptedSensor("chip", [.success(Celsius(40))])
        let kept = Mutex<[[String]]>([])
        let service = HeaterService(
            hardware: hardware([room, chip]), clock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            feeds: .init(faultsChanged: { faults in kept.withLock { $0.append(faults) } }))
        #expect(service.tickDeadline == .seconds(2))
        service.tick(elapsed: .zero)
        try power.set(active: true)  // the hash board running, as the engine would have it
        try reset.set(active: false)

        room.hang()
        let done = DispatchSemaphore(value: 0)
        Thread { service.tick(elapsed: .milliseconds(500)); done.signal() }.start()
        try #require(room.entered.wait(timeout: .now() + 10) == .success, "the tick reached the hung read")
        #expect(service.latest?.count == 1, "the API answers from the last snapshot meanwhile")
        clock.advance(by: .seconds(2))
        service.checkForOverrun()
        #expect(power.last == true, "two seconds is not over the deadline yet")
        clock.advance(by: .milliseconds(100))
        service.checkForOverrun()
        #expect(power.last == false && reset.last == true, "the hash board off and in reset, from the monitor")
        #expect(pwm.last == safeFan, "fans full")
        let shown = try #require(service.latest)
        #expect(shown.safety.computeOff && shown.faults.last?.contains("a control tick ran 2.1") == true, "\(shown.faults)")
        #expect(kept.withLock { $0 }.last == shown.faults, "kept while the tick is still stuck")

        room.release()
        try #require(done.wait(timeout: .now() + 10) == .success, "the tick returned once the read did")
        #expect(service.latest?.count == 2)
        #expect(service.latest?.faults == shown.faults, "latched by the supervisor once the tick came back")
        #expect(power.last == false && reset.last == true, "safe again after the late tick")
        service.tick(elapsed: .seconds(3))
        #expect(service.latest?.safety.computeOff == true && service.latest?.appliedPower == .zero)
    }
}
