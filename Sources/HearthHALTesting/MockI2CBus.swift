import HearthHAL
import Synchronization

/// A scripted I²C bus for driver tests: the test lists the transactions it expects, as data, with
/// the bytes each read returns or the error it fails with; the driver runs against it; `verify()`
/// then says whether every expectation was met, in order, and nothing else happened.
///
/// Unlike embedded-hal-mock, nothing panics: a transaction that does not match the next
/// expectation is recorded and answered with a `HALError` of kind `.busError`, so a driver's
/// error path runs as it would on a real fault and the test reports every mismatch at the end.
public final class MockI2CBus: I2CBus {
    /// One expected transaction and its outcome.
    public struct Expectation: Hashable, Sendable, CustomStringConvertible {
        public var address: I2CAddress
        public var operations: [I2COperation]
        /// The bytes of each `.read`, in order; or the error the transaction fails with.
        public var outcome: Result<[[UInt8]], HALError>

        public init(_ address: I2CAddress, _ operations: [I2COperation], outcome: Result<[[UInt8]], HALError>) {
            self.address = address
            self.operations = operations
            self.outcome = outcome
        }

        /// A write of `bytes`.
        public static func write(_ address: I2CAddress, _ bytes: [UInt8]) -> Expectation {
            Expectation(address, [.write(bytes)], outcome: .success([]))
        }

        /// A read that returns `response`.
        public static func read(_ address: I2CAddress, _ response: [UInt8]) -> Expectation {
            Expectation(address, [.read(count: response.count)], outcome: .success([response]))
        }

        /// A write of `bytes` then, after a repeated start, a read that returns `response`.
        public static func writeRead(_ address: I2CAddress, _ bytes: [UInt8], _ response: [UInt8]) -> Expectation {
            Expectation(address, [.write(bytes), .read(count: response.count)], outcome: .success([response]))
        }

        /// Any transaction, with the bytes of each read.
        public static func transaction(
            _ address: I2CAddress, _ operations: [I2COperation], reads: [[UInt8]] = []
        ) -> Expectation {
            Expectation(address, operations, outcome: .success(reads))
        }

        /// The same transaction, failing with an error of `kind` instead of completing.
        public func failing(_ kind: HALError.Kind, _ detail: String = "injected fault") -> Expectation {
            var copy = self
            copy.outcome = .failure(HALError(kind, detail, device: "mock", address: address))
            return copy
        }

        public var description: String { "\(address) \(operations)" }
    }

    private struct State {
        var pending: [Expectation]
        var mismatches: [String] = []
    }

    public let name: String
    private let state: Mutex<State>

    /// A bus that expects `expectations`, in order.
    public init(name: String = "mock-i2c", _ expectations: [Expectation] = []) {
        self.name = name
        self.state = Mutex(State(pending: expectations))
    }

    /// Appends more expectations.
    public func expect(_ expectations: [Expectation]) {
        state.withLock { $0.pending += expectations }
    }

    public func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(HALError) -> [[UInt8]] {
        let outcome: Result<[[UInt8]], HALError> = state.withLock { state in
            guard !state.pending.isEmpty else {
                state.mismatches.append("unexpected \(address) \(operations): no expectation left")
                return .failure(HALError(.busError, "mock: no transaction expected", device: name, address: address))
            }
            let next = state.pending.removeFirst()
            guard next.address == address, next.operations == operations else {
                state.mismatches.append("expected \(next), got \(address) \(operations)")
                return .failure(HALError(.busError, "mock: transaction does not match the script", device: name, address: address))
            }
            if case .success(let reads) = next.outcome {
                let counts = operations.compactMap { if case .read(let count) = $0 { count } else { nil } }
                if counts != reads.map(\.count) {
                    state.mismatches.append("the script's read data for \(next) has lengths \(reads.map(\.count))")
                }
            }
            return next.outcome
        }
        return try outcome.get()
    }

    /// The expectations not yet used.
    public var remaining: [Expectation] { state.withLock { $0.pending } }

    /// Every transaction that did not match the script, in words.
    public var mismatches: [String] { state.withLock { $0.mismatches } }

    /// Every problem: mismatches, then unused expectations. Empty when the script ran exactly.
    public func verify() -> [String] {
        state.withLock { state in
            state.mismatches + state.pending.map { "expected but never happened: \($0)" }
        }
    }
}
