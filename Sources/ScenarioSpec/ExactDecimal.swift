/// A decimal number read digit by digit, so that `1.5ms` becomes exactly 1 500 000 ns without
/// passing through `Double` (DESIGN.md, "The engine": `Double` time only while parsing, and not even
/// there for written durations).
///
/// value = (negative ? −1 : 1) × significand × 10^exponent, with at most 19 significant digits.
struct ExactDecimal: Equatable {
    var negative: Bool
    var significand: UInt64
    var exponent: Int

    var isZero: Bool { significand == 0 }

    /// Parses `[+-]digits[.digits][e[+-]digits]` (or `.digits`). Nil on anything else, or on more
    /// than 19 significant digits, or an exponent beyond ±9999.
    init?(_ text: Substring) {
        var chars = Array(text.utf8)
        var neg = false
        if let f = chars.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            neg = f == UInt8(ascii: "-")
            chars.removeFirst()
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var i = 0
        var sawDigit = false
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while i < chars.count, isDigit(chars[i]) { digits.append(chars[i] - 48); i += 1; sawDigit = true }
        if i < chars.count, chars[i] == UInt8(ascii: ".") {
            i += 1
            while i < chars.count, isDigit(chars[i]) {
                digits.append(chars[i] - 48); fractionDigits += 1; i += 1; sawDigit = true
            }
        }
        guard sawDigit else { return nil }
        var exp = 0
        if i < chars.count, chars[i] == UInt8(ascii: "e") || chars[i] == UInt8(ascii: "E") {
            i += 1
            var expNeg = false
            if i < chars.count, chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") {
                expNeg = chars[i] == UInt8(ascii: "-"); i += 1
            }
            var sawExpDigit = false
            while i < chars.count, isDigit(chars[i]) {
                exp = exp * 10 + Int(chars[i] - 48); i += 1; sawExpDigit = true
                if exp > 9999 { return nil }
            }
            guard sawExpDigit else { return nil }
            if expNeg { exp = -exp }
        }
        guard i == chars.count else { return nil }
        // Normalise: drop leading zeros, move trailing zeros into the exponent.
        var start = 0
        while start < digits.count, digits[start] == 0 { start += 1 }
        var end = digits.count
        var shift = 0
        while end > start, digits[end - 1] == 0 { end -= 1; shift += 1 }
        if end - start > 19 { return nil }
        var sig: UInt64 = 0
        for d in digits[start..<end] { sig = sig * 10 + UInt64(d) }
        negative = neg
        significand = sig
        exponent = sig == 0 ? 0 : exp - fractionDigits + shift
    }

    enum Scaled: Equatable {
        case value(Int64)
        case overflow
        /// Not a whole number after scaling (only when rounding is off).
        case inexact
    }

    /// |value| × multiplier as an `Int64` (the sign is the caller's business). With `rounding`,
    /// fractions round half away from zero; without, a fraction is ``Scaled/inexact``.
    func scaled(by multiplier: UInt64, rounding: Bool) -> Scaled {
        if significand == 0 || multiplier == 0 { return .value(0) }
        // multiplier = m × 10^k with m not divisible by 10.
        var m = multiplier
        var k = 0
        while m % 10 == 0 { m /= 10; k += 1 }
        let e = exponent + k
        var (hi, lo) = significand.multipliedFullWidth(by: m)
        if e >= 0 {
            guard hi == 0 else { return .overflow }
            var v = lo
            for _ in 0..<e {
                let (p, o) = v.multipliedReportingOverflow(by: 10)
                if o { return .overflow }
                v = p
            }
            return v <= UInt64(Int64.max) ? .value(Int64(v)) : .overflow
        }
        // Divide the 128-bit product by 10, −e times, remembering what was dropped.
        var lastDropped: UInt64 = 0
        var droppedNonZero = false
        for _ in 0..<(-e) {
            if hi == 0 && lo == 0 { break }
            let qHi = hi / 10
            let rHi = hi % 10
            let (qLo, r) = UInt64(10).dividingFullWidth((high: rHi, low: lo))
            if lastDropped != 0 { droppedNonZero = true }
            lastDropped = r
            hi = qHi
            lo = qLo
        }
        if lastDropped != 0 || droppedNonZero {
            if !rounding { return .inexact }
            if lastDropped >= 5 {
                let (s, o) = lo.addingReportingOverflow(1)
                lo = s
                if o { hi &+= 1 }
            }
        }
        guard hi == 0, lo <= UInt64(Int64.max) else { return .overflow }
        return .value(Int64(lo))
    }
}
