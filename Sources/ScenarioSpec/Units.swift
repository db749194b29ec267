/// Parsing of the spec's unit-bearing scalars (scenario-format.md, "Units and scalars").
///
/// Pure functions on text: they know nothing of YAML nodes or locations. Each returns either the
/// value in the base unit or a ``UnitProblem`` whose message and hint end up in a ``Diagnostic``.

/// Why a scalar could not be read as the quantity asked for.
struct UnitProblem: Error, Equatable {
    var message: String
    var hint: String?
    init(_ message: String, hint: String? = nil) { self.message = message; self.hint = hint }
}

enum Units {
    /// Duration units and their length in nanoseconds.
    static let durationUnits: [(name: String, ns: UInt64)] = [
        ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]
    static let durationHint = #"write a duration with a unit, e.g. "5ms" or "2s""#
    static let durationUnitList = "units: ns, us, ms, s, m, h"

    /// Rate units and their length in seconds.
    static let rateUnits: [(name: String, seconds: Double)] = [("s", 1), ("m", 60), ("h", 3600)]
    static let rateHint = #"write a rate with a unit, e.g. "500/s" or "30000/m""#

    static let sizeUnits: [(name: String, bytes: UInt64)] = [
        ("B", 1), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
    ]
    static let sizeHint = #"write a size with a unit, e.g. "512B" or "4KiB""#

    static let bandwidthUnits: [(name: String, bitsPerSecond: Double)] = [
        ("bps", 1), ("Kbps", 1e3), ("Mbps", 1e6), ("Gbps", 1e9),
    ]
    static let bandwidthHint = #"write a bandwidth with a unit, e.g. "10Gbps" or "100Mbps""#

    // MARK: - Splitting number and unit

    /// Splits `"1.5ms"` into the numeric prefix `"1.5"` and the unit `"ms"` (spaces between allowed).
    /// Returns nil when the text does not start with a number.
    static func splitNumber(_ text: String) -> (number: Substring, unit: Substring)? {
        let s = Substring(text.trimmingSpaces())
        var i = s.startIndex
        func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" }
        if i < s.endIndex, s[i] == "+" || s[i] == "-" { i = s.index(after: i) }
        var sawDigit = false
        while i < s.endIndex, isDigit(s[i]) { i = s.index(after: i); sawDigit = true }
        if i < s.endIndex, s[i] == "." {
            i = s.index(after: i)
            while i < s.endIndex, isDigit(s[i]) { i = s.index(after: i); sawDigit = true }
        }
        guard sawDigit else { return nil }
        // An exponent only when digits follow it, so "5e" is number 5 with unit "e".
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            var j = s.index(after: i)
            if j < s.endIndex, s[j] == "+" || s[j] == "-" { j = s.index(after: j) }
            if j < s.endIndex, isDigit(s[j]) {
                while j < s.endIndex, isDigit(s[j]) { j = s.index(after: j) }
                i = j
            }
        }
        let number = s[s.startIndex..<i]
        var unit = s[i...]
        while unit.first == " " { unit = unit.dropFirst() }
        return (number, unit)
    }

    /// True when the whole text is a plain decimal number (no unit).
    static func isBareNumber(_ text: String) -> Bool {
        guard let (_, unit) = splitNumber(text) else { return false }
        return unit.isEmpty
    }

    // MARK: - Duration

    /// A duration as integer nanoseconds, exactly (`"1.5ms"` → 1 500 000). Negative durations,
    /// bare numbers, unknown units and values finer than 1 ns are problems.
    static func duration(_ text: String) -> Result<Int64, UnitProblem> {
        guard let (number, unit) = splitNumber(text) else {
            return .failure(UnitProblem("expected a duration, found \(quoted(text))", hint: durationHint))
        }
        if unit.isEmpty {
            return .failure(UnitProblem("duration \(quoted(text)) has no unit", hint: durationHint))
        }
        guard let u = durationUnits.first(where: { $0.name == unit }) else {
            var hint = durationUnitList
            if let s = Suggest.closest(to: String(unit), in: durationUnits.map(\.name) + ["sec", "min"]) {
                let fixed = s == "sec" ? "s" : s == "min" ? "m" : s
                hint = "did you mean \(quoted(String(number) + fixed))? " + durationUnitList
            }
            return .failure(UnitProblem("unknown duration unit \(quoted(String(unit))) in \(quoted(text))", hint: hint))
        }
        guard let dec = ExactDecimal(number) else {
            return .failure(UnitProblem("\(quoted(text)) is not a number I can read exactly", hint: durationHint))
        }
        if dec.negative && !dec.isZero {
            return .failure(UnitProblem("duration \(quoted(text)) is negative"))
        }
        switch dec.scaled(by: u.ns, rounding: false) {
        case .value(let ns): return .success(ns)
        case .overflow: return .failure(UnitProblem("duration \(quoted(text)) is too long (the limit is about 292 years)"))
        case .inexact: return .failure(UnitProblem("duration \(quoted(text)) is not a whole number of nanoseconds"))
        }
    }

    /// Seconds written as a plain decimal (trace files), rounded to the nearest nanosecond.
    static func secondsToNanos(_ text: Substring) -> Int64? {
        guard let dec = ExactDecimal(text), !(dec.negative && !dec.isZero) else { return nil }
        if case .value(let ns) = dec.scaled(by: 1_000_000_000, rounding: true) { return ns }
        return nil
    }

    // MARK: - Rate

    /// A rate in events per second (`"30000/m"` → 500). Only the sign is checked here; callers
    /// decide whether zero is allowed.
    static func rate(_ text: String) -> Result<Double, UnitProblem> {
        guard let (number, unit) = splitNumber(text) else {
            return .failure(UnitProblem("expected a rate, found \(quoted(text))", hint: rateHint))
        }
        if unit.isEmpty {
            return .failure(UnitProblem("rate \(quoted(text)) has no unit", hint: rateHint))
        }
        var u = unit
        guard u.first == "/" else {
            return .failure(UnitProblem("unknown rate unit \(quoted(String(unit))) in \(quoted(text))",
                                        hint: "units: /s, /m, /h, e.g. \(quoted(String(number) + "/s"))"))
        }
        u = u.dropFirst()
        while u.first == " " { u = u.dropFirst() }
        guard let r = rateUnits.first(where: { $0.name == u }) else {
            var hint = "units: /s, /m, /h"
            if let s = Suggest.closest(to: String(u), in: ["s", "m", "h", "sec", "min", "hour"]) {
                hint = "did you mean \(quoted(String(number) + "/" + String(s.prefix(1))))? " + hint
            }
            return .failure(UnitProblem("unknown rate unit \(quoted(String(unit))) in \(quoted(text))", hint: hint))
        }
        guard let v = Double(String(number)), v.isFinite else {
            return .failure(UnitProblem("\(quoted(text)) is not a number", hint: rateHint))
        }
        return .success(v / r.seconds)
    }

    // MARK: - Size and bandwidth

    /// A size in bytes, exactly (`"1.5KiB"` → 1536).
    static func size(_ text: String) -> Result<Int64, UnitProblem> {
        guard let (number, unit) = splitNumber(text) else {
            return .failure(UnitProblem("expected a size, found \(quoted(text))", hint: sizeHint))
        }
        if unit.isEmpty { return .failure(UnitProblem("size \(quoted(text)) has no unit", hint: sizeHint)) }
        guard let u = sizeUnits.first(where: { $0.name == unit }) else {
            return .failure(UnitProblem("unknown size unit \(quoted(String(unit))) in \(quoted(text))",
                                        hint: "units: B, KB, MB, GB, KiB, MiB, GiB"))
        }
        guard let dec = ExactDecimal(number), !(dec.negative && !dec.isZero) else {
            return .failure(UnitProblem("size \(quoted(text)) must be a non-negative number", hint: sizeHint))
        }
        switch dec.scaled(by: u.bytes, rounding: false) {
        case .value(let b): return .success(b)
        case .overflow: return .failure(UnitProblem("size \(quoted(text)) is too large"))
        case .inexact: return .failure(UnitProblem("size \(quoted(text)) is not a whole number of bytes"))
        }
    }

    /// A bandwidth in bits per second.
    static func bandwidth(_ text: String) -> Result<Double, UnitProblem> {
        guard let (number, unit) = splitNumber(text) else {
            return .failure(UnitProblem("expected a bandwidth, found \(quoted(text))", hint: bandwidthHint))
        }
        if unit.isEmpty { return .failure(UnitProblem("bandwidth \(quoted(text)) has no unit", hint: bandwidthHint)) }
        guard let u = bandwidthUnits.first(where: { $0.name == unit }) else {
            return .failure(UnitProblem("unknown bandwidth unit \(quoted(String(unit))) in \(quoted(text))",
                                        hint: "units: bps, Kbps, Mbps, Gbps"))
        }
        guard let v = Double(String(number)), v.isFinite, v > 0 else {
            return .failure(UnitProblem("bandwidth \(quoted(text)) must be positive", hint: bandwidthHint))
        }
        return .success(v * u.bitsPerSecond)
    }

    // MARK: - Plain numbers and fractions

    /// A plain decimal number (no unit, no `inf`/`nan`).
    static func number(_ text: String) -> Double? {
        guard let (number, unit) = splitNumber(text), unit.isEmpty else { return nil }
        guard let v = Double(String(number)), v.isFinite else { return nil }
        return v
    }

    /// A fraction in [0, 1]: `0.25` or `"25%"`.
    static func fraction(_ text: String) -> Result<Double, UnitProblem> {
        let hint = #"write a number between 0 and 1 or a percentage, e.g. "0.25" or "25%""#
        guard let (number, unit) = splitNumber(text), unit.isEmpty || unit == "%",
              let v = Double(String(number)), v.isFinite else {
            return .failure(UnitProblem("expected a fraction, found \(quoted(text))", hint: hint))
        }
        let f = unit == "%" ? v / 100 : v
        guard f >= 0, f <= 1 else {
            return .failure(UnitProblem("\(quoted(text)) is not between 0 and 1 (0% and 100%)", hint: hint))
        }
        return .success(f)
    }

    /// A whole number written in decimal digits (an optional sign, `_` separators allowed between
    /// digits). Nil when the text is not one or does not fit.
    static func integer(_ text: String) -> Int64? {
        var s = Substring(text.trimmingSpaces())
        var negative = false
        if s.first == "+" || s.first == "-" { negative = s.first == "-"; s = s.dropFirst() }
        guard let first = s.first, first.isASCIIDigit, s.last?.isASCIIDigit == true else { return nil }
        var v: Int64 = 0
        for c in s {
            if c == "_" { continue }
            guard let d = c.asciiDigit else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            v = a
        }
        return negative ? -v : v
    }

    /// Like ``integer(_:)`` for the full `UInt64` range (seeds).
    static func unsignedInteger(_ text: String) -> UInt64? {
        var s = Substring(text.trimmingSpaces())
        if s.first == "+" { s = s.dropFirst() }
        guard let first = s.first, first.isASCIIDigit, s.last?.isASCIIDigit == true else { return nil }
        var v: UInt64 = 0
        for c in s {
            if c == "_" { continue }
            guard let d = c.asciiDigit else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }
}

/// `"text"` with the quotes, as messages show user text.
func quoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if c.value < 0x20 || c.value == 0x7F { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
        }
    }
    // Keep messages readable when someone pastes a novel into a field.
    if out.count > 82 { out = String(out.prefix(78)) + "…" }
    return out + "\""
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
    var asciiDigit: UInt8? { isASCIIDigit ? (asciiValue.map { $0 - 48 }) : nil }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
