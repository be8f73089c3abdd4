import Foundation
import HearthControl
import HearthHAL
import HearthSim
import HearthStratum
import Logging
import Synchronization
import Testing

import HearthTestFixtures
@testable import HearthConfig

@Suite struct HearthConfigTests {
    let full = """
        board = "\(boardFolder)/raspberry-pi-4b.toml"
        state = "/var/lib/hearth/state.json"

        [heater]
        setpoint = 20.5
        mode = "eco"
        tick_rate = 4

        [[schedule]]
        days = ["mon", "tue", "wed", "thu", "fri"]
        at = "06:30"
        setpoint = 21

        [[schedule]]
        at = "22:30"
        setpoint = 17
        mode = "night"

        [mining]
        offline = "idle"
        suggest_difficulty = 0.001

        [[pool]]
        url = "stratum+tcp://public-pool.io:21496"
        user = "bc1qheater.den"

        [[pool]]
        name = "backup"
        url = "stratum+tcp://10.0.0.2:3333"
        user = "bc1qheater.den"
        password = "p"
        """

    @Test func readsEverySetting() throws {
        let config = try HearthConfig.parse(full, file: "hearth.toml")
        #expect(config.board == "\(boardFolder)/raspberry-pi-4b.toml")
        #expect(config.state == "/var/lib/hearth/state.json")
        #expect(config.setpoint == Celsius(20.5))
        #expect(config.mode == .eco)
        #expect(config.tickRate == 4)
        #expect(config.offline == .idle)
        #expect(config.suggestedDifficulty == 0.001)
        #expect(config.pools == [
            Pool(name: "primary", address: PoolAddress(host: "public-pool.io", port: 21496), user: "bc1qheater.den"),
            Pool(name: "backup", address: PoolAddress(host: "10.0.0.2", port: 3333), user: "bc1qheater.den", password: "p"),
        ])
        let schedule = try #require(config.schedule)
        #expect(schedule.slots.count == 5 + 7, "06:30 on five days, 22:30 on every day")
        let tuesdayMorning = WeekTime(weekday: 2, hour: 7, minute: 0)!
        #expect(schedule.slot(at: tuesdayMorning).setpoint == Celsius(21))
        let saturdayMorning = WeekTime(weekday: 6, hour: 7, minute: 0)!
        #expect(schedule.slot(at: saturdayMorning).mode == .night, "no 06:30 slot at the weekend: the night holds")
    }

    @Test(arguments: [
        ("[heater]\nsetpoint = 45", "hearth.toml: heater.setpoint: 45.0 is outside the allowed 5.0…30.0"),
        ("[heater]\nmode = \"warm\"", "heater.mode"),
        ("[heater]\nsetpiont = 20", "heater.setpiont: unknown key"),
        ("bord = \"x\"", "bord: unknown key"),
        ("[[pool]]\nurl = \"stratum+tcp://p:1\"\nuser = \"u\"\nfingerprint = \"ab\"", "pool[0].fingerprint: only a TLS pool (stratum+ssl://)"),
        ("[[pool]]\nurl = \"stratum+ssl://p:1\"\nuser = \"u\"\nfingerprint = \"ab:cd\"", "pool[0].fingerprint: \"ab:cd\" is not a SHA-256 fingerprint"),
        ("[[pool]]\nurl = \"stratum+ssl://p:1\"\nuser = \"u\"\nca_file = \"/a.pem\"\nfingerprint = \"ab\"", "give ca_file or fingerprint, not both"),
        ("[[pool]]\nurl = \"stratum+tcp://p:1\"", "pool[0].user: missing"),
        ("[[schedule]]\nat = \"25:00\"\nsetpoint = 20", "schedule[0].at: \"25:00\" is not a time of day as HH:MM"),
        ("[[schedule]]\ndays = [\"mon\", \"fun\"]\nat = \"07:00\"\nsetpoint = 20", "schedule[0].days: \"fun\" is not a day"),
        ("[[schedule]]\nat = \"07:00\"\nsetpoint = 20\n[[schedule]]\ndays = [\"sun\"]\nat = \"07:00\"\nsetpoint = 18",
         "schedule[1].at: Sun 07:00 is already the start of schedule[0]"),
        ("[mining]\noffline = \"sleep\"", "mining.offline"),
        ("[economics]\ncurrency = \"EUR\"", "economics.price: missing"),
        ("[heater]\noptimal_start_limit = \"20h\"", "heater.optimal_start_limit: \"20h\" is not a duration from 15m to 12h"),
        ("[economics]\nprice = 0.3\n[[economics.tariff]]\nfrom = \"07:00\"\nprice = 0.35", "give one price for the whole day, or [[economics.tariff]] periods, not both"),
        ("[[economics.tariff]]\nfrom = \"7h\"\nprice = 0.35", "economics.tariff[0].from: \"7h\" is not a time of day"),
        ("[economics]\nprice = 0.3\nheat_pump_cop = 0.5", "economics.heat_pump_cop: 0.5 is outside"),
        ("board = \"\"", "board: must not be empty"),
        ("[heater", "hearth.toml: not valid TOML at line 1"),
        ("[heater]\nkp = 800\nki = 2", "heater.kd: missing (kp, ki and kd go together"),
        ("[heater]\nkp = -1\nki = 2\nkd = 0", "heater.kp: -1.0 is outside the allowed 0.0…1000000.0"),
    ])
    func everyMistakeIsNamed(text: String, expected: String) {
        #expect { try HearthConfig.parse(text, file: "hearth.toml") } throws: { error in
            let said = "\(error)"
            return said.contains(expected) && said.hasPrefix("hearth.toml: ")
        }
    }

    @Test func optimalStartIsOnUnlessSwitchedOff() throws {
        func options(_ text: String) throws -> DaemonOptions {
            DaemonOptions(commandLine: .init(), config: try HearthConfig.parse(text, file: "hearth.toml").given)
        }
        #expect(try options("").optimalStart == OptimalStart(), "on by default, 3 h at most")
        #expect(try options("[heater]\noptimal_start = false\n").optimalStart == nil)
        #expect(try options("[heater]\noptimal_start_limit = \"2h\"\n").optimalStart?.limit == .seconds(7200))
    }

    @Test func economicsWithATimeOfUseTariff() throws {
        let config = try HearthConfig.parse(
            """
            [economics]
            currency = "CHF"
            btc_price = 85000
            pool_fee_percent = 1.5
            heat_pump_cop = 3.5
            fee_allowance_sats = 2000000
            [[economics.tariff]]
            from = "23:00"
            price = 0.18
            [[economics.tariff]]
            from = "07:00"
            price = 0.35
            """, file: "hearth.toml")
        let economics = try #require(config.economics)
        #expect(economics.currency == "CHF" && economics.btcPrice == 85_000 && economics.poolFeePercent == 1.5 && economics.heatPumpCOP == 3.5)
        #expect(economics.tariff.price(atMinute: 3 * 60) == 0.18 && economics.tariff.price(atMinute: 12 * 60) == 0.35)
        #expect(config.feeAllowanceSats == 2_000_000)
        #expect(DaemonOptions(commandLine: .init(), config: config.given).economics == economics)
        #expect(try HearthConfig.parse("[economics]\nprice = 0.3\n", file: "hearth.toml").economics == EconomicsSettings(tariff: .flat(0.3), currency: "EUR"))
    }

    @Test func aTLSPoolTrustsTheSystemOrItsFileOrItsFingerprint() throws {
        let pin = String(repeating: "ab:", count: 31) + "ab"
        let config = try HearthConfig.parse(
            """
            [[pool]]
            url = "stratum+ssl://pool.example:4333"
            user = "u"
            [[pool]]
            url = "stratum+ssl://192.168.1.20:2018"
            user = "u"
            fingerprint = "sha256:\(pin)"
            [[pool]]
            url = "stratum+tls://10.0.0.2:2018"
            user = "u"
            ca_file = "/etc/hearth/pool.pem"
            """, file: "hearth.toml")
        #expect(config.pools.map(\.address.tls) == [
            .systemRoots, .pinned(sha256: [UInt8](repeating: 0xAB, count: 32)), .rootsFile("/etc/hearth/pool.pem"),
        ])
    }

    @Test func theAPIListensOnIPv4OrBracketedIPv6() throws {
        let v6 = try HearthConfig.parse("[api]\nlisten = \"[::1]:8081\"\ncgminer = \"0.0.0.0:4028\"\n", file: "hearth.toml")
        #expect(v6.api?.options?.host == "::1" && v6.api?.options?.port == 8081)
        #expect(v6.cgminer?.options?.host == "0.0.0.0" && v6.cgminer?.options?.port == 4028)
        #expect { try HearthConfig.parse("[api]\nlisten = \"localhost\"\n", file: "hearth.toml") } throws: { error in
            "\(error)".contains("api.listen: \"localhost\" is not HOST:PORT")
        }
    }

    @Test func readsTheRoomLoopGains() throws {
        let config = try HearthConfig.parse("[heater]\nkp = 1676.3\nki = 7.446\nkd = 94345\n", file: "hearth.toml")
        #expect(config.roomGains == PIDGains(kp: 1676.3, ki: 7.446, kd: 94345))
        #expect(try HearthConfig.parse("[heater]\nsetpoint = 20\n", file: "hearth.toml").roomGains == nil)
    }

    /// Autotune's gains go into [heater], replacing any there, and nothing else in the file
    /// changes: comments, other tables, the order of things.
    @Test func settingTheGainsKeepsTheRestOfTheFile() throws {
        let example = try String(contentsOfFile: "\(boardFolder)/../Config/hearth.toml", encoding: .utf8)
        let gains = PIDGains(kp: 1676.311, ki: 7.44613, kd: 94344.9)
        let once = try HearthConfig.setting(gains, in: example, file: "hearth.toml")
        #expect(try HearthConfig.parse(once, file: "hearth.toml").roomGains == gains)
        let lines = once.components(separatedBy: "\n")
        let gainLines = lines.filter { ["kp = ", "ki = ", "kd = "].contains(String($0.prefix(5))) }
        #expect(gainLines.count == 3)
        #expect(lines.filter { !gainLines.contains($0) } == example.components(separatedBy: "\n"), "nothing else changed")
        let heater = try #require(lines.firstIndex(of: "[heater]"))
        #expect(lines.firstIndex(of: gainLines[0])! > heater && lines.firstIndex(of: gainLines[0])! < heater + 5, "in [heater]")

        let again = PIDGains(kp: 900, ki: 3, kd: 0)
        let twice = try HearthConfig.setting(again, in: once, file: "hearth.toml")
        #expect(try HearthConfig.parse(twice, file: "hearth.toml").roomGains == again)
        #expect(twice.components(separatedBy: "kp = ").count == 2, "replaced, not added twice")

        // A file without [heater] gets the table at its end.
        let bare = "board = \"/etc/hearth/board.toml\"\n\n[mining]\noffline = \"idle\"\n"
        let grown = try HearthConfig.setting(gains, in: bare, file: "hearth.toml")
        #expect(grown.hasPrefix(bare))
        #expect(try HearthConfig.parse(grown, file: "hearth.toml").offline == .idle)

        // A file that is not a valid configuration is refused, not rewritten.
        #expect { try HearthConfig.setting(gains, in: "[heater]\nsetpiont = 20\n", file: "hearth.toml") } throws: { error in
            "\(error)".contains("heater.setpiont: unknown key")
        }
    }

    /// The gains the relay finds on the simulated 1200 W room, through the whole control stack
    /// (drivers, twins, safety), on virtual time.
    @Test func theShippedExampleIsValid() throws {
        let config = try HearthConfig.load(file: "\(boardFolder)/../Config/hearth.toml")
        #expect(config.pools.count == 1)
        #expect(config.schedule?.slots.count == 5 + 2 + 7)
        #expect(config.offline == .heat)
    }

    @Test func commandLineOverridesTheFile() throws {
        let config = try HearthConfig.parse(full, file: "hearth.toml")
        var given = DaemonOptions.Given()
        given.board = "other.toml"
        given.setpoint = Celsius(19)
        let merged = DaemonOptions(commandLine: given, config: config.given)
        #expect(merged.boardFile == "other.toml")
        #expect(merged.setpoint == Celsius(19))
        #expect(merged.mode == .eco, "not given: the file's")
        #expect(merged.stateFile == "/var/lib/hearth/state.json")
        #expect(merged.pools.count == 2)
        #expect(merged.offline == .idle)
        #expect(merged.period == .milliseconds(250), "tick_rate 4")
        #expect(merged.schedule == config.schedule)
    }

    @Test func theSummaryChecksTheBoardItNames() throws {
        #expect(try HearthConfig.parse(full, file: "hearth.toml").summary().contains { $0.hasPrefix("board: \(boardFolder)/raspberry-pi-4b.toml") })
        let missing = try HearthConfig.parse("board = \"/nonexistent/board.toml\"", file: "hearth.toml")
        #expect { try missing.summary() } throws: { "\($0)".hasPrefix("/nonexistent/board.toml") }
    }
}
