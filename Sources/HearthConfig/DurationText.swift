/// Durations as people write them in files and on the command line: `90s`, `15m`, `8h`, `2d`,
/// and combinations such as `1h30m`. Returns `nil` for anything else.
public func parseDuration(_ text: String) -> Duration? {
    var total = 0.0
    var number = ""
    var sawUnit = false
    for character in text {
        if character.isNumber || character == "." {
            number.append(character)
            continue
        }
        let unit: Double
        switch character {
        case "s": unit = 1
        case "m": unit = 60
        case "h": unit = 3600
        case "d": unit = 86_400
        default: return nil
        }
        guard let value = Double(number) else { return nil }
        total += value * unit
        number = ""
        sawUnit = true
    }
    guard number.isEmpty, sawUnit, total.isFinite else { return nil }
    return .milliseconds(Int64((total * 1000).rounded()))
}
