extension Double {
    /// This value to `places` decimal places, for what people read: reports, messages, and the
    /// files `hearth calibrate` and `hearth autotune` write.
    public func rounded(toPlaces places: Int) -> Double {
        let scale = (0..<max(places, 0)).reduce(1.0) { scale, _ in scale * 10 }
        return (self * scale).rounded() / scale
    }
}
