import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HearthAPI
import HearthConfig
import HearthControl
import HearthDrivers
import HearthHAL
import HearthHistory
import HearthLinux
import HearthMining
import HearthSim
import HearthStratum
import Logging
import ServiceLifecycle

/// Why the daemon could not run. Each says what, where and why; `exitCode` follows sysexits.h.
public enum DaemonError: Error, CustomStringConvertible {
    case config(ConfigError)
    case hardware(HALError)

    public var description: String {
        switch self {
        case .config(let error): "configuration: \(error)"
        case .hardware(let error): "hardware: \(error)"
        }
    }

    /// EX_CONFIG (78) for a bad file, EX_UNAVAILABLE (69) for a device that cannot be used.
    public var exitCode: Int32 {
        switch self {
        case .config: 78
        case .hardware: 69
        }
    }
}

/// The daemon: load the board, open its devices in their safe state, run the control task until
/// told to stop, and leave every output in its safe state however it stops.
public enum Daemon {
    public static func run(_ options: DaemonOptions, logger: Logger) async throws(DaemonError) {
        let file = options.resolvedBoardFile()
        let board: BoardProfile
        do {
            board = try BoardProfile.load(file: file)
        } catch {
            throw .config(error)
        }
        logger.info("hearth \(HearthVersion.current) starting with board \(board.name) (\(file), backend \(board.backend.rawValue))")

        var calibrations: [String: Calibration] = [:]
        if let file = options.calibrationFile {
            do {
                calibrations = try CalibrationFile.load(file: file, sensors: board.sensors.map(\.name))
            } catch {
                throw .config(error)
            }
            logger.info("calibration from \(file) for \(calibrations.keys.sorted().joined(separator: ", "))")
        }
        var scenario = Scenario.room400W
        if let name = options.scenario {
            guard board.backend == .sim else {
                throw .config(ConfigError(file: file, key: "board.backend", reason: "a scenario is for the simulated board only"))
            }
            do {
                scenario = try ScenarioFile.load(name)
            } catch {
                throw .config(error)
            }
        }
        if board.backend == .sim {
            logger.info("scenario \(scenario.name): \(scenario.parameters.ratedPower) W heater, room at \(scenario.roomStart), \(scenario.initial.outdoor) outdoors")
        }
        let hardware: Hardware
        do {
            // The simulated board hashes as a real one does whenever it heats: with no pool, local
            // work whose shares go nowhere ("no pool: heat only"). `offline = idle` without a pool
            // leaves it a plain heater, which spares the CPU a hashing thread.
            let hashing = !options.pools.isEmpty || options.offline == .heat
            hardware = try Hardware.open(board, scenario: scenario, use: .heater(hashing: hashing)).calibrated(calibrations)
        } catch {
            throw .hardware(error)
        }
        // The owner of the hardware puts it in its safe state however the services end.
        defer {
            hardware.enterSafeState()
            hardware.shutdown()
        }
        for sensor in hardware.sensors {
            logger.info("sensor \(sensor.spec.name) (\(sensor.spec.role.rawValue)): \(sensor.device.name)")
        }
        for output in hardware.outputs {
            logger.info("output \(output.spec.name) on \(output.spec.line): safe state \(output.spec.safeActive ? "active" : "inactive")")
        }
        for part in hardware.missing {
            logger.warning("not driven: \(part)")
        }
        for note in hardware.notes { logger.info("\(note)") }
        // Measured once, at start, so that the log says which kernel heats and why.
        if board.cpuPower != nil || board.backend == .sim { logger.info("CPU kernel: \(KernelChoice.measured)") }
        hardware.engineNotices.connect { notice in logger.critical("\(notice)") }
        if let engine = hardware.engine { logger.info("hashing on \(engine.status)") }

        let store = options.stateFile.map(StateStore.init)
        var remembered = HeaterState()
        if let store {
            let loaded = store.load()
            remembered = loaded.state
            if let warning = loaded.warning {
                // The faults latched before are unknown: the heater stays off until a person looks.
                logger.error("state: \(warning)")
                remembered.latchedFaults.append(Self.unreadableState)
            }
            for fault in remembered.latchedFaults { logger.critical("fault still latched from before the restart: \(fault)") }
        }
        let keeper = store.map { StateKeeper(store: $0, state: remembered) }
        if let keeper, remembered.latchedFaults.contains(Self.unreadableState) {
            // On disk at once: the bad file was moved aside, and a crash now must not start clean.
            do {
                try keeper.update { $0.latchedFaults = remembered.latchedFaults }
            } catch {
                logger.critical("the latched faults could not be saved: \(error)")
            }
        }
        // A schedule set through the API holds instead of the configuration's until the API
        // returns to that one.
        var schedule = options.schedule
        var scheduleFromAPI: [ScheduleEntry]?
        if let saved = remembered.schedule {
            do {
                schedule = try ScheduleEntry.schedule(saved, name: "schedule")
                scheduleFromAPI = saved
                logger.notice("schedule: the one set through the API (\(saved.count) entries, kept in the state file), not the configuration's")
            } catch {
                logger.error("state: its schedule[\(error.index)].\(error.field): \(error.reason); the configuration's schedule holds")
            }
        }
        let setpoint = options.setpoint ?? Celsius(remembered.setpoint)
        let mode = options.mode ?? remembered.mode
        logger.info("holding \(setpoint) in mode \(mode.rawValue); \(hardware.load == nil ? "no hash engine for this board yet (and no [cpu] power model): compute stays off" : "up to \(hardware.ratedPower)")")
        var watchdog: (any Watchdog)?
        let watchdogDevice: String? = switch options.watchdog {
        case .off: nil
        case .device(let path): path
        case nil: board.watchdog
        }
        if let device = watchdogDevice {
            do {
                watchdog = try HardwareWatchdog(path: device)
            } catch {
                // A heater meant to be watched does not run unwatched without a person's word.
                logger.critical("the kernel watchdog \(device) cannot be used (the package's udev rule gives the hearth group its watchdog devices); to run without one, give --watchdog off or watchdog = \"off\" in the configuration")
                throw .hardware(error)
            }
            logger.info("feeding the kernel watchdog \(device) every tick")
        }
        let client = stratumClient(options, engine: hardware.engine, shares: hardware.shares, logger: logger)
        let accounts = options.economics.map { HeatAccounts(settings: $0, lifetime: remembered.lifetimeAccounts ?? .init()) }
        // A week of samples in the database beside the state file; a bad one is replaced and
        // reported, and none at all leaves the history in memory: never a reason not to heat.
        let history = await HistoryRecorder.open(path: options.historyFile, logger: logger)
        let feeds = HeaterService<ContinuousClock>.Feeds(
            engine: { [engine = hardware.engine, simulated = board.backend == .sim] in
                TickSnapshot.Engine(description: engine?.status ?? (simulated ? "simulated" : "none"), hashRate: 0, chain: engine?.chain)
            },
            pool: { client.map { Self.pool($0.status) } },
            accounts: { snapshot in accounts?.record(snapshot) },
            publish: history.record,
            faultsChanged: { faults in
                // On disk before the tick that latched returns: a crash now does not forget them.
                do {
                    try keeper?.update { $0.latchedFaults = faults }
                } catch {
                    logger.critical("the latched faults could not be saved: \(error)")
                }
            })
        let service = HeaterService(
            hardware: hardware, clock: ContinuousClock(), period: options.period, maxTicks: options.maxTicks,
            logger: logger, setpoint: setpoint, mode: mode, restoredFaults: remembered.latchedFaults,
            schedule: schedule, manualAtStart: options.manualAtStart, hardwareWatchdog: watchdog,
            roomGains: options.roomGains, optimalStart: options.optimalStart,
            warmUp: WarmUpModel(observations: remembered.warmUp ?? []), weekTime: localWeekTime, feeds: feeds)
        if let gains = options.roomGains { logger.info("room loop gains: kp \(gains.kp), ki \(gains.ki), kd \(gains.kd)") }
        if let schedule {
            logger.info("schedule: \(schedule.slots.map { "\($0.start) \($0.setpoint) \($0.mode.rawValue)" }.joined(separator: "; "))")
            if let start = options.optimalStart {
                logger.info("optimal start: heating for a scheduled rise begins up to \(start.limit) early (\(remembered.warmUp?.count ?? 0) warm-up windows learned)")
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let client {
            services.append(.init(service: StratumService(client: client), successTerminationBehavior: .ignore))
        }
        let schedules = Schedules(configured: options.schedule, fromAPI: scheduleFromAPI, keeper: keeper)
        let identity = HeaterIdentity(
            version: HearthVersion.current, hostname: hostname, macAddress: machineAddress(), board: board.name)
        let backend = DaemonBackend(service: service, identity: identity, schedules: schedules, accounts: accounts)
        if let cgminer = options.cgminer {
            services.append(.init(
                service: CGMinerService(options: cgminer, api: CGMinerAPI(backend: backend), logger: logger),
                successTerminationBehavior: .ignore))
            logger.info("cgminer API on \(cgminer.host):\(cgminer.port)")
        }
        if let api = options.api {
            let pools = options.pools.map { PoolSetting(host: $0.address.host, port: $0.address.port, user: $0.user) }
            let heaterAPI = HeaterAPI(backend: backend, token: api.token, pools: pools, history: history)
            services.append(.init(service: APIService(options: api, api: heaterAPI, logger: logger), successTerminationBehavior: .ignore))
            logger.info("HTTP API on http://\(api.host):\(api.port)/api/status\(api.token == nil ? " (read-only: no token configured)" : "")")
        }
        if let mqtt = options.mqtt {
            let service = MQTTService(
                options: mqtt, backend: backend, boardName: board.name, lifetimeEnergyKWh: remembered.lifetimeEnergyKWh, logger: logger)
            services.append(.init(service: service, successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        // The history's writer runs beside the services, off the control task, and ends once the
        // control task has stopped and the sample under way is written.
        async let historyWritten: Void = history.run()
        do {
            try await group.run()
        } catch {
            logger.error("service group ended with an error: \(error)")
        }
        history.finish()
        await historyWritten
        if let keeper {
            let snapshot = service.persistent
            do {
                try keeper.update { state in
                    state.setpoint = snapshot.setpoint.value
                    state.mode = snapshot.mode
                    state.latchedFaults = snapshot.faults
                    state.lifetimeEnergyKWh += snapshot.energyKWh
                    state.lifetimeHashes += hardware.hashes ?? 0
                    if let lifetime = service.latest?.accounts?.ledger.lifetime { state.lifetimeAccounts = lifetime }
                    let learned = service.warmUpObservations
                    if !learned.isEmpty { state.warmUp = learned }
                    state.bestShareDifficulty = max(state.bestShareDifficulty, client?.status.bestDifficulty ?? 0)
                }
                logger.info("state saved to \(keeper.store.path)")
            } catch {
                logger.error("state not saved: \(error)")
            }
        }
        if let status = client?.status {
            logger.info("pool: \(status.accepted) shares accepted, \(status.rejected) rejected, \(status.stale) stale, \(status.discarded) found offline")
        }
        logger.info("hearth stopped after \(service.ticks) ticks; outputs in their safe state")
    }

    /// The fault latched when the state file could not be read: what was latched before is unknown.
    static let unreadableState =
        "the state file could not be read: faults latched before the restart may be lost; look at the heater, then clear"

    /// The pool client's status as a snapshot carries it.
    static func pool(_ status: StratumStatus) -> TickSnapshot.Pool {
        TickSnapshot.Pool(
            name: status.pool, url: status.url, authorized: status.authorized, difficulty: status.difficulty,
            accepted: status.accepted, rejected: status.rejected, stale: status.stale, bestDifficulty: status.bestDifficulty,
            lastError: status.lastError, expectedSats: status.expectedSats)
    }

    /// The pool client, when pools are configured and the board hashes; its work goes to the
    /// engine and the engine's shares to it.
    static func stratumClient(
        _ options: DaemonOptions, engine: (any HashEngine)?, shares: ShareSink, logger: Logger
    ) -> StratumClient? {
        guard !options.pools.isEmpty else { return nil }
        guard let engine else {
            logger.warning("pools configured, but this board has no hash engine: not mining")
            return nil
        }
        var configuration = StratumConfiguration(
            pools: options.pools, userAgent: "hearth/\(HearthVersion.current)", suggestedDifficulty: options.suggestedDifficulty)
        configuration.offline = options.offline
        configuration.feeAllowance = UInt64(options.feeAllowanceSats)
        if options.offline == .idle { engine.setWork(nil) }
        let client = StratumClient(configuration: configuration, logger: logger) { work in
            // With `heat`, a lost pool leaves the last work hashing; `idle` gets nil here.
            engine.setWork(work)
        }
        shares.connect(client.submit)
        for pool in options.pools { logger.info("pool \(pool.name): \(pool.address) as \(pool.user)") }
        return client
    }
}

/// The Stratum client as a service of the daemon's group: mines until the group shuts down.
struct StratumService: Service {
    let client: StratumClient

    func run() async throws {
        await cancelWhenGracefulShutdown { await client.run() }
    }
}

/// Where the local wall clock is in the week (the system's time zone).
@Sendable func localWeekTime() -> WeekTime {
    var now = time(nil)
    var local = tm()
    localtime_r(&now, &local)
    let weekday = local.tm_wday == 0 ? 7 : Int(local.tm_wday)  // tm_wday: 0 is Sunday
    return WeekTime(weekday: weekday, hour: Int(local.tm_hour), minute: Int(local.tm_min)) ?? WeekTime(minuteOfWeek: 0)
}
