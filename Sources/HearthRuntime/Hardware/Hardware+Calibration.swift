import HearthDrivers
import HearthHAL

extension Hardware {
    /// The same hardware with each named sensor's readings corrected by its calibration.
    public func calibrated(_ calibrations: [String: Calibration]) -> Hardware {
        var copy = self
        copy.sensors = sensors.map { sensor in
            guard let calibration = calibrations[sensor.spec.name] else { return sensor }
            return Sensor(spec: sensor.spec, device: CalibratedSensor(sensor.device, calibration: calibration))
        }
        return copy
    }
}
