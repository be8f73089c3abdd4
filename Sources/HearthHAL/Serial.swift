/// A serial port (UART), as the ASIC chain is spoken to.
public protocol SerialPort: Sendable {
    /// The port's name for messages, e.g. `/dev/ttyAMA0`.
    var name: String { get }
    /// Changes the line speed, in bits per second.
    func setBaudRate(_ baud: Int) throws(HALError)
    /// Sends all the bytes.
    func write(_ bytes: [UInt8]) throws(HALError)
    /// Returns what arrives within `timeout`, at most `maxCount` bytes; an empty array when nothing did.
    func read(maxCount: Int, timeout: Duration) throws(HALError) -> [UInt8]
    /// Drops whatever has been received and not yet read.
    func discardInput() throws(HALError)
}
