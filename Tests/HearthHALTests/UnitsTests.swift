import Foundation
import HearthHAL
import Testing

@Suite struct UnitsTests {
    @Test func dutyCycleClampsAndTreatsNaNAsFull() {
        #expect(DutyCycle(0.4).value == 0.4)
        #expect(DutyCycle(-0.2) == .off)
        #expect(DutyCycle(1.7) == .full)
        #expect(DutyCycle(.nan) == .full, "a duty computed from bad data must drive the fan at full speed")
        #expect(DutyCycle(.infinity) == .full)
        #expect(DutyCycle(0.25).description == "25.0 %")
    }

    @Test func arithmeticStaysInTheUnit() {
        let total = Watts(120) + Watts(30.5)
        #expect(total == Watts(150.5))
        #expect(Watts(100) / Watts(400) == 0.25)
        #expect(Celsius(21.5) - Celsius(20) == Celsius(1.5))
        #expect(Watts(50) * 2 == Watts(100))
        #expect(Celsius(-3) < Celsius(2))
        #expect(Celsius(21.5).description == "21.5 °C")
    }

    @Test func hertzGivesAPeriodOnlyWhenPositive() {
        #expect(Hertz(25_000).period == .nanoseconds(40_000))
        #expect(Hertz(0).period == nil)
        #expect(Hertz(-5).period == nil)
        #expect(Hertz(.nan).period == nil)
    }

    @Test func pwmSettingActiveTime() throws {
        let setting = try #require(PWMSetting(frequency: Hertz(25_000), duty: DutyCycle(0.4)))
        #expect(setting.period == .nanoseconds(40_000))
        #expect(setting.activeNanoseconds == 16_000)
        #expect(PWMSetting(frequency: Hertz(0), duty: .full) == nil)
    }

    @Test func durationConversions() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.microseconds(40).nanoseconds == 40_000)
    }

    @Test func quantitiesRoundTripThroughCodable() throws {
        struct Box: Codable, Equatable { var limit: Watts; var duty: DutyCycle }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(Box(limit: Watts(400), duty: DutyCycle(0.5)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"duty":0.5,"limit":400}"#)
        #expect(try JSONDecoder().decode(Box.self, from: data) == Box(limit: Watts(400), duty: DutyCycle(0.5)))
        let clamped = try JSONDecoder().decode(Box.self, from: Data(#"{"duty":3,"limit":1}"#.utf8))
        #expect(clamped.duty == .full)
    }
}
