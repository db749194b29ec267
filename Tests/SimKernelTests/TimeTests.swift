import Testing
@testable import SimKernel

@Suite struct TimeTests {
    @Test func durationFromSecondsRoundsToNearestNanosecond() {
        #expect(SimDuration(seconds: 1).ns == 1_000_000_000)
        #expect(SimDuration(seconds: 1.5).ns == 1_500_000_000)
        #expect(SimDuration(seconds: 0.001).ns == 1_000_000)
        #expect(SimDuration(seconds: 1e-9).ns == 1)
        #expect(SimDuration(seconds: 1.4e-9).ns == 1)
        #expect(SimDuration(seconds: 1.6e-9).ns == 2)
        #expect(SimDuration(seconds: 0.4e-9).ns == 0)
        #expect(SimDuration(seconds: 0.6e-9).ns == 1)
        #expect(SimDuration(seconds: 2.7e-9).ns == 3)
        #expect(SimDuration(seconds: 123.4567891234).ns == 123_456_789_123)
        #expect(SimDuration(seconds: 123.4567891236).ns == 123_456_789_124)
        #expect(SimDuration(seconds: 3600).ns == 3_600_000_000_000)
        #expect(SimDuration(seconds: .leastNonzeroMagnitude).ns == 0)
    }

    @Test func durationFromSecondsClampsNegativesAndNaNToZero() {
        #expect(SimDuration(seconds: 0).ns == 0)
        #expect(SimDuration(seconds: -0.0).ns == 0)
        #expect(SimDuration(seconds: -1e-9).ns == 0)
        #expect(SimDuration(seconds: -5).ns == 0)
        #expect(SimDuration(seconds: -.infinity).ns == 0)
        #expect(SimDuration(seconds: .nan).ns == 0)
    }

    @Test func durationFromSecondsSaturates() {
        #expect(SimDuration(seconds: .infinity).ns == .max)
        #expect(SimDuration(seconds: 1e10).ns == .max)          // 1e19 ns > Int64.max ≈ 9.22e18
        #expect(SimDuration(seconds: 1e300).ns == .max)
        #expect(SimDuration(seconds: 9.3e9).ns == .max)
        // 2⁶³ ns is the first Double that does not fit: it saturates…
        #expect(SimDuration(seconds: 9_223_372_036.854775808).ns == .max)
        // …while values just below Int64.max are representable and kept, not saturated early.
        #expect(SimDuration(seconds: 9.2e9).ns == 9_200_000_000_000_000_000)
        #expect(SimDuration(seconds: 9.22e9).ns == 9_220_000_000_000_000_000)
        // The largest Double below 2⁶³ (2⁶³ − 1024) converts exactly.
        let justBelow = (9_223_372_036_854_775_808.0).nextDown
        #expect(SimDuration(seconds: justBelow / 1e9).ns <= .max)
        #expect(SimDuration(seconds: justBelow / 1e9).ns > 9_223_372_036_854_770_000)
    }

    @Test func integerConstructorsAndSeconds() {
        #expect(SimDuration.seconds(3).ns == 3_000_000_000)
        #expect(SimDuration.milliseconds(250).ns == 250_000_000)
        #expect(SimDuration(ns: 1_500_000_000).seconds == 1.5)
        #expect(SimTime(ns: 2_000_000_000).seconds == 2)
        #expect(SimDuration.zero.ns == 0 && SimTime.zero.ns == 0)
        #expect(SimTime.never.ns == Int64.max)
    }

    @Test func timeArithmetic() {
        let t = SimTime(ns: 1_000)
        #expect((t + SimDuration(ns: 500)).ns == 1_500)
        #expect((SimTime(ns: 2_000) - t) == SimDuration(ns: 1_000))
        #expect((t - SimTime(ns: 2_000)).ns == -1_000)
        #expect(SimTime.never + SimDuration(ns: 1) == .never, "adding to never saturates")
        #expect(SimTime(ns: .max - 5) + SimDuration(ns: 10) == .never)
        #expect(SimDuration(ns: 2) + SimDuration(ns: 3) == SimDuration(ns: 5))
        #expect(SimTime(ns: 1) < SimTime(ns: 2) && !(SimTime(ns: 2) < SimTime(ns: 2)))
        #expect(SimDuration(ns: -1) < SimDuration.zero)
    }

    @Test func descriptionsPickTheLargestExactUnit() {
        #expect(SimDuration(ns: 0).description == "0s")
        #expect(SimDuration.seconds(2).description == "2s")
        #expect(SimDuration.milliseconds(1_500).description == "1500ms")
        #expect(SimDuration(ns: 250_000).description == "250us")
        #expect(SimDuration(ns: 7).description == "7ns")
        #expect(SimDuration(ns: 1_000_001).description == "1000001ns")
        #expect(SimTime(ns: 3_000_000).description == "3ms")
    }
}
