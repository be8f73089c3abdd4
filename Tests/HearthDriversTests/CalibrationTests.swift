import HearthHAL
import HearthHALTesting
import Testing

@testable import HearthDrivers

@Suite struct CalibrationTests {
    @Test func linear() {
        let calibration = Calibration.linear(gain: 1.02, offset: Celsius(-0.5))
        #expect(calibration.apply(Celsius(20)) == Celsius(19.9))
        #expect(Calibration.identity.apply(Celsius(21.3)) == Celsius(21.3))
    }

    @Test func tableInterpolatesAndExtrapolatesFromItsEnds() throws {
        let points = [(10.0, 10.4), (30.0, 30.0), (60.0, 59.1)].map {
            Calibration.Point(raw: Celsius($0.0), reference: Celsius($0.1))
        }
        let table = try #require(Calibration.table(checking: points))
        #expect(table.apply(Celsius(10)) == Celsius(10.4))
        #expect(abs(table.apply(Celsius(20)).value - 20.2) < 1e-9)
        #expect(abs(table.apply(Celsius(45)).value - 44.55) < 1e-9)
        #expect(abs(table.apply(Celsius(0)).value - 0.6) < 1e-9, "below the table: the first segment's line")
        #expect(abs(table.apply(Celsius(70)).value - 68.8) < 1e-9, "above the table: the last segment's line")
    }

    @Test func aTableMustRiseAndHaveTwoPoints() {
        let p = { (raw: Double, reference: Double) in Calibration.Point(raw: Celsius(raw), reference: Celsius(reference)) }
        #expect(Calibration.table(checking: [p(10, 10)]) == nil)
        #expect(Calibration.table(checking: [p(10, 10), p(10, 11)]) == nil)
        #expect(Calibration.table(checking: [p(20, 20), p(10, 10)]) == nil)
    }

    @Test func theRawReadingStaysReadable() throws {
        let address = I2CAddress(0x48)!
        let bus = MockI2CBus([.writeRead(address, [0x00], [0x19, 0x00]), .writeRead(address, [0x00], [0x19, 0x00])])
        let sensor = CalibratedSensor(TMP102(bus: bus, name: "room"), calibration: .linear(gain: 1, offset: Celsius(-0.75)))
        #expect(sensor.name == "room")
        #expect(try sensor.readTemperature() == Celsius(24.25))
        #expect(try sensor.readUncalibrated() == Celsius(25))
    }

    @Test func errorsPassThroughUncorrected() {
        let address = I2CAddress(0x48)!
        let bus = MockI2CBus([.writeRead(address, [0x00], [0, 0]).failing(.nackAddress)])
        let sensor = CalibratedSensor(TMP102(bus: bus), calibration: .linear(gain: 1, offset: Celsius(1)))
        #expect { try sensor.readTemperature() } throws: { ($0 as? HALError)?.kind == .nackAddress }
    }

    /// Least squares through points on a known line with known errors: the line comes back,
    /// and each residual is the error put in, less the fit's share of it.
    @Test func fitsGainAndOffsetByLeastSquares() throws {
        // Truth = 1.02 × raw - 0.6, with reference errors that sum to zero and are uncorrelated with raw.
        let raws = [10.0, 20.0, 30.0, 40.0]
        let errors = [0.05, -0.05, -0.05, 0.05]
        let points = zip(raws, errors).map { Calibration.Point(raw: Celsius($0), reference: Celsius(1.02 * $0 - 0.6 + $1)) }
        let fit = try Calibration.fit(points)
        #expect(abs(fit.gain - 1.02) < 1e-12)
        #expect(abs(fit.offset.value - -0.6) < 1e-12)
        for (residual, error) in zip(fit.residuals, errors) { #expect(abs(residual.value - error) < 1e-12) }
        #expect(abs(fit.worstResidual.value - 0.05) < 1e-12)
        #expect(fit.calibration.apply(Celsius(25)).value == 1.02 * 25 - 0.6)
    }

    @Test func refusesAFitFromOnePointOrFromPointsTooClose() {
        let one = [Calibration.Point(raw: Celsius(20), reference: Celsius(20.4))]
        #expect(throws: Calibration.FitError.tooFewPoints(1)) { try Calibration.fit(one) }
        #expect(throws: Calibration.FitError.tooFewPoints(0)) { try Calibration.fit([]) }
        let close = [
            Calibration.Point(raw: Celsius(20), reference: Celsius(20.4)), Calibration.Point(raw: Celsius(22), reference: Celsius(22.5)),
            Calibration.Point(raw: Celsius(21), reference: Celsius(21.3)),
        ]
        #expect(throws: Calibration.FitError.tooClose(spread: Celsius(2), minimum: Celsius(5))) { try Calibration.fit(close) }
        #expect(throws: Never.self) { try Calibration.fit(close, minimumSpread: Celsius(1)) }
        let swapped = [Calibration.Point(raw: Celsius(20), reference: Celsius(40)), Calibration.Point(raw: Celsius(40), reference: Celsius(20))]
        #expect(throws: Calibration.FitError.implausibleGain(-1)) { try Calibration.fit(swapped) }
    }
}

