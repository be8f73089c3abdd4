import Foundation

extension Double {
    /// This value to `places` decimal places, for what people read: reports, and the files
    /// `hearth calibrate` and `hearth autotune` write.
    public func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
