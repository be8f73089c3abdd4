import TOMLKit

/// Reads one TOML table strictly: every value is checked for type and range as it is taken, and
/// `finish()` refuses any key that nothing took, so a misspelt key is an error rather than a
/// silently ignored setting. Every error names the file, the dotted key and the reason.
struct TOMLReader {
    let file: String
    /// The dotted path of this table, e.g. `fan` or `sensor[2]`; empty for the document.
    let path: String
    private let table: TOMLTable
    private var taken: Set<String> = []

    /// Parses a whole document.
    init(file: String, text: String) throws(ConfigError) {
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, key: "",
                reason: "not valid TOML at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: "", reason: "not valid TOML: \(error)")
        }
        self.file = file
        self.path = ""
    }

    private init(file: String, path: String, table: TOMLTable) {
        self.file = file
        self.path = path
        self.table = table
    }

    /// The full dotted name of `key` in this table.
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key` of this table.
    func error(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, key: name(key), reason: reason)
    }

    /// An error for a required key that is absent, pointing at a present key that looks like a
    /// misspelling of it.
    func missing(_ key: String, _ what: String) -> ConfigError {
        var reason = "missing (\(what))"
        if let near = table.keys.filter({ !taken.contains($0) && editDistance($0, key) <= 2 }).sorted().first {
            reason += "; is \"\(near)\" a misspelling of it?"
        }
        return error(key, reason)
    }

    /// Whether the table has `key` (without taking it).
    func has(_ key: String) -> Bool { table.contains(key: key) }

    private mutating func take(_ key: String) -> TOMLValueConvertible? {
        taken.insert(key)
        return table[key]
    }

    private func typeMismatch(_ key: String, _ expected: String, _ value: TOMLValueConvertible) -> ConfigError {
        error(key, "expected \(expected), found \(value.type) \(value.debugDescription)")
    }

    // MARK: Scalars

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = take(key) else { return nil }
        guard let string = value.string else { throw typeMismatch(key, "a string", value) }
        return string
    }

    mutating func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key) else { throw missing(key, "a string is required") }
        guard !value.isEmpty else { throw error(key, "must not be empty") }
        return value
    }

    /// A string that must be one of `allowed`.
    mutating func choice<T: RawRepresentable<String> & CaseIterable>(_ key: String, _ type: T.Type) throws(ConfigError) -> T? {
        guard let raw = try string(key) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw error(key, "\"\(raw)\" is not one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return value
    }

    mutating func choice<T: RawRepresentable<String> & CaseIterable>(_ key: String, required type: T.Type) throws(ConfigError) -> T {
        guard let value = try choice(key, type) else {
            throw missing(key, "one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return value
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = take(key) else { return nil }
        guard let int = value.int else { throw typeMismatch(key, "an integer", value) }
        guard range.contains(int) else { throw error(key, "\(int) is outside the allowed \(range.lowerBound)…\(range.upperBound)") }
        return int
    }

    mutating func int(_ key: String, required range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = try int(key, in: range) else {
            throw missing(key, "an integer in \(range.lowerBound)…\(range.upperBound) is required")
        }
        return value
    }

    /// A number; TOML integers are accepted where a float is expected (`safe_duty = 1`).
    mutating func double(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let value = take(key) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else { throw typeMismatch(key, "a number", value) }
        guard number.isFinite, range.contains(number) else {
            throw error(key, "\(number) is outside the allowed \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    mutating func double(_ key: String, required range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let value = try double(key, in: range) else {
            throw missing(key, "a number in \(range.lowerBound)…\(range.upperBound) is required")
        }
        return value
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = take(key) else { return nil }
        guard let bool = value.bool else { throw typeMismatch(key, "true or false", value) }
        return bool
    }

    /// An integer or a string, for things named either way (a GPIO line: offset or name).
    mutating func intOrString(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Either? {
        guard let value = take(key) else { return nil }
        if let int = value.int {
            guard range.contains(int) else { throw error(key, "\(int) is outside the allowed \(range.lowerBound)…\(range.upperBound)") }
            return .int(int)
        }
        if let string = value.string, !string.isEmpty { return .string(string) }
        throw typeMismatch(key, "an integer or a non-empty string", value)
    }

    enum Either: Hashable { case int(Int), string(String) }

    /// A list of strings, `["a", "b"]`.
    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = take(key) else { return nil }
        guard let array = value.array else { throw typeMismatch(key, "a list of strings", value) }
        var strings: [String] = []
        for index in 0..<array.count {
            guard let string = array[index].string else {
                throw error("\(key)[\(index)]", "expected a string, found \(array[index].debugDescription)")
            }
            strings.append(string)
        }
        return strings
    }

    /// A list of number pairs, `[[a, b], [c, d], …]`.
    mutating func numberPairs(_ key: String) throws(ConfigError) -> [(Double, Double)]? {
        guard let value = take(key) else { return nil }
        guard let array = value.array else { throw typeMismatch(key, "a list of [number, number] pairs", value) }
        var pairs: [(Double, Double)] = []
        for index in 0..<array.count {
            let element = array[index]
            guard let pair = element.array, pair.count == 2,
                let first = pair[0].double ?? pair[0].int.map(Double.init),
                let second = pair[1].double ?? pair[1].int.map(Double.init),
                first.isFinite, second.isFinite
            else {
                throw error("\(key)[\(index)]", "expected a pair of numbers, found \(element.debugDescription)")
            }
            pairs.append((first, second))
        }
        return pairs
    }

    // MARK: Tables

    /// The keys of this table, sorted.
    var keys: [String] { table.keys.sorted() }

    /// A sub-table, or `nil` when absent.
    mutating func table(_ key: String) throws(ConfigError) -> TOMLReader? {
        guard let value = take(key) else { return nil }
        guard let table = value.table else { throw typeMismatch(key, "a table [\(name(key))]", value) }
        return TOMLReader(file: file, path: name(key), table: table)
    }

    /// An array of tables (`[[key]]`), empty when absent.
    mutating func tables(_ key: String) throws(ConfigError) -> [TOMLReader] {
        guard let value = take(key) else { return [] }
        guard let array = value.array else { throw typeMismatch(key, "an array of tables [[\(name(key))]]", value) }
        var readers: [TOMLReader] = []
        for index in 0..<array.count {
            guard let table = array[index].table else {
                throw error("\(key)[\(index)]", "expected a table, found \(array[index].type)")
            }
            readers.append(TOMLReader(file: file, path: "\(name(key))[\(index)]", table: table))
        }
        return readers
    }

    /// Refuses every key nothing took, naming the keys that are allowed here.
    func finish() throws(ConfigError) {
        let unknown = table.keys.filter { !taken.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let allowed = taken.sorted().joined(separator: ", ")
        throw error(first, "unknown key (allowed here: \(allowed))")
    }
}

/// The Levenshtein distance between two short strings.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, y) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
