import Testing
@testable import ScenarioSpec

@Suite struct UnitsTests {
    private func ns(_ s: String) -> Int64? { try? Units.duration(s).get() }

    @Test func durationsAreExactNanoseconds() {
        #expect(ns("1.5ms") == 1_500_000)
        #expect(ns("250us") == 250_000)
        #expect(ns("30s") == 30_000_000_000)
        #expect(ns("10m") == 600_000_000_000)
        #expect(ns("2h") == 7_200_000_000_000)
        #expect(ns("7ns") == 7)
        #expect(ns("0s") == 0)
        #expect(ns("0.1s") == 100_000_000)          // 0.1 is not a binary fraction: still exact
        #expect(ns("0.000000001s") == 1)
        #expect(ns("1.000000001s") == 1_000_000_001)
        #expect(ns("0.5m") == 30_000_000_000)
        #expect(ns("1e3ms") == 1_000_000_000)
        #expect(ns("2.5e-3s") == 2_500_000)
        #expect(ns(".5s") == 500_000_000)
        #expect(ns("5 ms") == 5_000_000)
        #expect(ns("+5ms") == 5_000_000)
        #expect(ns("9223372036854775807ns") == Int64.max)
        #expect(ns("2562048h") == nil)                  // past Int64 nanoseconds (about 292 years)
    }

    @Test func durationProblems() throws {
        let bare = try #require(Units.duration("600").failure)
        #expect(bare.message == #"duration "600" has no unit"#)
        #expect(bare.hint == #"write a duration with a unit, e.g. "5ms" or "2s""#)
        let unit = try #require(Units.duration("5sec").failure)
        #expect(unit.message == #"unknown duration unit "sec" in "5sec""#)
        #expect(unit.hint?.hasPrefix(#"did you mean "5s"?"#) == true)
        #expect(Units.duration("-5ms").failure?.message == #"duration "-5ms" is negative"#)
        #expect(Units.duration("0.5ns").failure?.message == #"duration "0.5ns" is not a whole number of nanoseconds"#)
        #expect(Units.duration("300y").failure != nil)
        #expect(Units.duration("fast").failure?.message == #"expected a duration, found "fast""#)
        #expect(Units.duration("9223372036854775808ns").failure?.message.contains("too long") == true)
    }

    @Test func ratesPerSecond() throws {
        #expect(try Units.rate("500/s").get() == 500)
        #expect(try Units.rate("30000/m").get() == 500)
        #expect(try Units.rate("7200/h").get() == 2)
        #expect(try Units.rate("1.5/s").get() == 1.5)
        #expect(try Units.rate("-5/s").get() == -5)   // the sign is checked by the caller
        #expect(Units.rate("500").failure?.hint == #"write a rate with a unit, e.g. "500/s" or "30000/m""#)
        #expect(Units.rate("500/sec").failure?.hint?.hasPrefix(#"did you mean "500/s"?"#) == true)
        #expect(Units.rate("500rps").failure != nil)
    }

    @Test func sizesAndBandwidths() throws {
        #expect(try Units.size("512B").get() == 512)
        #expect(try Units.size("4KiB").get() == 4096)
        #expect(try Units.size("1.5KiB").get() == 1536)
        #expect(try Units.size("2MB").get() == 2_000_000)
        #expect(try Units.size("1GiB").get() == 1 << 30)
        #expect(Units.size("0.3B").failure != nil)
        #expect(Units.size("12").failure?.message == #"size "12" has no unit"#)
        #expect(try Units.bandwidth("10Gbps").get() == 10e9)
        #expect(try Units.bandwidth("100Mbps").get() == 100e6)
        #expect(Units.bandwidth("10").failure != nil)
    }

    @Test func fractionsAndPercentages() throws {
        #expect(try Units.fraction("0.25").get() == 0.25)
        #expect(try Units.fraction("25%").get() == 0.25)
        #expect(try Units.fraction("0.01%").get() == 0.0001)
        #expect(try Units.fraction("100%").get() == 1)
        #expect(try Units.fraction("0").get() == 0)
        #expect(Units.fraction("1.5").failure != nil)
        #expect(Units.fraction("150%").failure != nil)
        #expect(Units.fraction("half").failure != nil)
    }

    @Test func integers() {
        #expect(Units.integer("42") == 42)
        #expect(Units.integer("-3") == -3)
        #expect(Units.integer("2_000_000") == 2_000_000)
        #expect(Units.integer("4.0") == nil)
        #expect(Units.integer("99999999999999999999") == nil)
        #expect(Units.unsignedInteger("18446744073709551615") == UInt64.max)
        #expect(Units.unsignedInteger("-1") == nil)
    }

    @Test func exactDecimalRounding() {
        let d = ExactDecimal("1.2345678905")
        #expect(d?.scaled(by: 1_000_000_000, rounding: true) == .value(1_234_567_891))
        #expect(d?.scaled(by: 1_000_000_000, rounding: false) == .inexact)
        #expect(ExactDecimal("12345678901234567890123") == nil)   // more than 19 significant digits
        #expect(ExactDecimal("1000000000000000000000000")?.significand == 1)
        #expect(ExactDecimal("1e") == nil)
    }

    @Test func suggestions() {
        #expect(Suggest.closest(to: "exponentail", in: DistributionKind.allCases.map(\.rawValue)) == "exponential")
        #expect(Suggest.closest(to: "replica", in: ["replicas", "instance"]) == "replicas")
        #expect(Suggest.closest(to: "round_robbin", in: ["round_robin", "random"]) == "round_robin")
        #expect(Suggest.closest(to: "zzzz", in: ["replicas", "instance"]) == nil)
        #expect(Suggest.hint(for: "hom", in: ["home", "cart"]) == #"did you mean "home"? known: home, cart"#)
    }
}

extension Result {
    var failure: Failure? { if case .failure(let f) = self { return f } else { return nil } }
}
