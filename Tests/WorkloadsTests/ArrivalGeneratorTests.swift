import Foundation
import SimKernel
import SimRandom
import Testing
import Workloads

let second: Int64 = 1_000_000_000

/// Every arrival of `process` up to `until` (ns), drawn from fixed-seed GSL streams.
func arrivals(_ process: ArrivalProcess, seed: UInt64 = 1, until: Int64 = Int64.max, limit: Int = 5_000_000) -> [Int64] {
    let a = RandomStream(master: seed, replication: 0, name: "workload.test.arrivals")
    let s = RandomStream(master: seed, replication: 0, name: "workload.test.states")
    guard var g = ArrivalGenerator(process) else { return [] }
    g.start(arrivals: a.rng, states: s.rng)
    var out: [Int64] = []
    var next = g.next(after: 0, first: true, arrivals: a.rng, states: s.rng)
    while let t = next, t <= until, out.count < limit {
        out.append(t)
        next = g.next(after: t, first: false, arrivals: a.rng, states: s.rng)
    }
    return out
}

/// Whether a Poisson count is within 5σ of its mean (σ = √mean).
func withinFiveSigma(_ count: Int, mean: Double, varianceFactor: Double = 1) -> Bool {
    abs(Double(count) - mean) <= 5 * (mean * varianceFactor).squareRoot()
}

@Suite struct ArrivalGeneratorTests {
    // MARK: Constant

    @Test func constantRateIsEvenlySpaced() {
        let t = arrivals(.open(shape: .constant, rate: 4), until: 10 * second)
        #expect(t == (1...40).map { Int64($0) * 250_000_000 })
    }

    @Test func constantRateWithAnInexactGapStaysEven() {
        // 1/3 s is 333 333 333.3 ns: every gap is the same whole number of ns.
        let t = arrivals(.open(shape: .constant, rate: 3), until: 1000 * second)
        #expect(t.count == 3000)
        let gaps = Set(zip(t.dropFirst(), t).map { $0 - $1 })
        #expect(gaps == [333_333_333])
        #expect(t.first == 333_333_333)
    }

    // MARK: Poisson

    @Test func poissonCountOverALongWindow() {
        // λ = 100/s over 1000 s: N ~ Poisson(10⁵), σ ≈ 316.
        let t = arrivals(.open(shape: .poisson, rate: 100), seed: 7, until: 1000 * second)
        #expect(withinFiveSigma(t.count, mean: 100_000), "count \(t.count)")
        #expect(zip(t.dropFirst(), t).allSatisfy { $0 > $1 }, "strictly increasing")
        // Exponential gaps: P(gap > mean) = e^−1; the fraction over 10⁵ gaps has σ ≈ 0.0015.
        let longer = zip(t.dropFirst(), t).filter { $0 - $1 > 10_000_000 }.count
        let p = Double(longer) / Double(t.count - 1)
        #expect(abs(p - exp(-1.0)) < 5 * 0.0015, "fraction of gaps over the mean: \(p)")
    }

    @Test func poissonIsReproducibleForASeed() {
        let a = arrivals(.open(shape: .poisson, rate: 50), seed: 3, until: 20 * second)
        let b = arrivals(.open(shape: .poisson, rate: 50), seed: 3, until: 20 * second)
        let c = arrivals(.open(shape: .poisson, rate: 50), seed: 4, until: 20 * second)
        #expect(a == b)
        #expect(a != c)
    }

    // MARK: Profiles

    /// 10/s until 100 s, a ramp to 50/s over 100–200 s, 50/s until 300 s, then 0 for ever.
    /// Λ: 1000 by 100 s, + 3000 (mean rate 30 over the ramp) by 200 s, + 5000 by 300 s = 9000.
    static let ramp: [ProfilePoint] = [
        ProfilePoint(at: 0, rate: 10),
        ProfilePoint(at: 100 * second, rate: 50, ramp: 100 * second),
        ProfilePoint(at: 300 * second, rate: 0),
    ]

    @Test func rampProfileExpectedCounts() {
        let t = arrivals(.profile(shape: .poisson, points: Self.ramp), seed: 11)
        // The rate is 0 after 300 s: the generator ends by itself.
        #expect(t.last! < 300 * second)
        #expect(withinFiveSigma(t.count, mean: 9000), "total \(t.count)")
        #expect(withinFiveSigma(t.filter { $0 < 100 * second }.count, mean: 1000))
        #expect(withinFiveSigma(t.filter { $0 >= 100 * second && $0 < 200 * second }.count, mean: 3000))
        // Λ(250 s) = 1000 + 3000 + 2500; in the first half of the ramp 10u + 0.2u² at u = 50: 1000.
        #expect(withinFiveSigma(t.filter { $0 < 250 * second }.count, mean: 6500))
        #expect(withinFiveSigma(t.filter { $0 >= 100 * second && $0 < 150 * second }.count, mean: 1000))
        #expect(withinFiveSigma(t.filter { $0 >= 150 * second && $0 < 200 * second }.count, mean: 2000))
    }

    @Test func rampProfileOverManySeedsHasTheRightMean() {
        // 20 replications of Λ(∞) = 9000: the mean count is within 5σ/√20.
        let total = (1...20).map { arrivals(.profile(shape: .poisson, points: Self.ramp), seed: UInt64($0)).count }.reduce(0, +)
        #expect(withinFiveSigma(total, mean: 20 * 9000))
    }

    @Test func constantShapeProfileArrivesAtEachWholeExpectedCount() {
        let t = arrivals(.profile(shape: .constant, points: Self.ramp))
        // 10/s: every 0.1 s exactly at first.
        #expect(Array(t.prefix(10)) == (1...10).map { Int64($0) * 100_000_000 })
        #expect(t.filter { $0 <= 100 * second }.count == 1000)
        // One arrival per unit of Λ: 9000 in all (the last may round past 300 s and be lost).
        #expect(t.count == 9000 || t.count == 8999, "\(t.count)")
        // The 1120th arrival is where Λ = 1120: 120 into the ramp, at 110 s (10u + 0.2u² = 120 at u = 10).
        #expect(abs(t[1119] - 110 * second) <= 1_000, "\(t[1119])")
    }

    @Test func timeAfterInvertsOnAConstantSegment() {
        let p = RateProfile(Self.ramp)
        #expect(p.timeAfter(0, expectedArrivals: 5) == 500_000_000)
        #expect(p.timeAfter(20 * second, expectedArrivals: 1) == 20 * second + 100_000_000)
        // Exactly to the end of the segment.
        #expect(p.timeAfter(50 * second, expectedArrivals: 500) == 100 * second)
        // On the last constant segment (50/s from 200 s).
        #expect(p.timeAfter(200 * second, expectedArrivals: 100) == 202 * second)
    }

    @Test func timeAfterInvertsOnALinearSegment() {
        let p = RateProfile(Self.ramp)
        // From 100 s the rate is 10 + 0.4u: Λ = 10u + 0.2u².
        #expect(p.timeAfter(100 * second, expectedArrivals: 120) == 110 * second)   // u = 10
        #expect(p.timeAfter(100 * second, expectedArrivals: 280) == 120 * second)   // u = 20
        #expect(p.timeAfter(100 * second, expectedArrivals: 3000) == 200 * second)  // u = 100
        // From the middle of the ramp (rate 30 at 150 s): 30u + 0.2u² = 320 at u = 10.
        #expect(p.timeAfter(150 * second, expectedArrivals: 320) == 160 * second)
        // Across segments: 500 to finish the first, then 120 on the ramp.
        #expect(p.timeAfter(50 * second, expectedArrivals: 620) == 110 * second)
        // Λ(250 s) = 6500 from 0.
        #expect(p.timeAfter(0, expectedArrivals: 6500) == 250 * second)
        // Down-ramp: 50/s to 10/s over 100–200 s: Λ = 50u − 0.2u² from 100 s.
        let down = RateProfile([ProfilePoint(at: 0, rate: 50), ProfilePoint(at: 100 * second, rate: 10, ramp: 100 * second)])
        #expect(down.timeAfter(100 * second, expectedArrivals: 480) == 110 * second)    // u = 10
        #expect(down.timeAfter(100 * second, expectedArrivals: 2000) == 150 * second)   // u = 50
        // The ramp holds 3000; 100 more at 10/s take 10 s.
        #expect(down.timeAfter(100 * second, expectedArrivals: 3100) == 210 * second)
        // A ramp up from zero: rate 2u from 0 at 10 s: Λ = u², so 25 arrivals take 5 s.
        let fromZero = RateProfile([ProfilePoint(at: 0, rate: 0), ProfilePoint(at: 10 * second, rate: 200, ramp: 100 * second)])
        #expect(fromZero.timeAfter(0, expectedArrivals: 25) == 15 * second)
    }

    @Test func timeAfterEndsWhenTheRateStaysZero() {
        let p = RateProfile(Self.ramp)
        #expect(p.timeAfter(250 * second, expectedArrivals: 2500) == 300 * second)
        #expect(p.timeAfter(250 * second, expectedArrivals: 2501) == nil)
        #expect(p.timeAfter(300 * second, expectedArrivals: 0.001) == nil)
        #expect(p.timeAfter(1_000_000 * second, expectedArrivals: 1) == nil)
    }

    @Test func rateAtPoints() {
        let p = RateProfile(Self.ramp)
        #expect(p.rate(at: 0) == 10)
        #expect(p.rate(at: 100 * second - 1) == 10)
        #expect(p.rate(at: 100 * second) == 10)
        #expect(p.rate(at: 125 * second) == 20)
        #expect(p.rate(at: 150 * second) == 30)
        #expect(p.rate(at: 200 * second) == 50)
        #expect(p.rate(at: 299 * second) == 50)
        #expect(p.rate(at: 300 * second) == 0)
        #expect(p.rate(at: 10_000_000 * second) == 0)
    }

    @Test func aRampCutShortByTheNextPoint() {
        // The ramp to 50/s would take 200 s, but the next point comes after 100 s: the rate reached
        // is 30/s, and the next ramp starts from there.
        let cut = RateProfile([
            ProfilePoint(at: 0, rate: 10),
            ProfilePoint(at: 100 * second, rate: 50, ramp: 200 * second),
            ProfilePoint(at: 200 * second, rate: 20),
        ])
        #expect(cut.rate(at: 150 * second) == 20)
        #expect(abs(cut.rate(at: 200 * second - 1) - 30) < 1e-6)
        #expect(cut.rate(at: 200 * second) == 20)
        // Λ over the cut ramp: mean rate 20 for 100 s.
        #expect(cut.timeAfter(100 * second, expectedArrivals: 2000) == 200 * second)
        let chained = RateProfile([
            ProfilePoint(at: 0, rate: 10),
            ProfilePoint(at: 100 * second, rate: 50, ramp: 200 * second),
            ProfilePoint(at: 200 * second, rate: 10, ramp: 100 * second),
        ])
        #expect(chained.rate(at: 250 * second) == 20)   // halfway from 30 down to 10
        #expect(chained.rate(at: 300 * second) == 10)
    }

    @Test func aRampOnTheFirstPointStartsFromZero() {
        // Before the first point the rate is 0: a ramp there rises from 0 (to 100/s over 10 s).
        let p = RateProfile([ProfilePoint(at: 0, rate: 100, ramp: 10 * second)])
        #expect(p.rate(at: 0) == 0)
        #expect(p.rate(at: 5 * second) == 50)
        #expect(p.rate(at: 10 * second) == 100)
        // Λ = 5u² over the ramp: 500 by 10 s, then 100/s.
        #expect(p.timeAfter(0, expectedArrivals: 500) == 10 * second)
        #expect(p.timeAfter(0, expectedArrivals: 20) == 2 * second)
        #expect(p.timeAfter(0, expectedArrivals: 600) == 11 * second)
    }

    // MARK: Rate 0

    @Test func zeroRateForEverGivesNoArrivals() {
        #expect(arrivals(.profile(shape: .poisson, points: [ProfilePoint(at: 0, rate: 0)])).isEmpty)
        #expect(arrivals(.profile(shape: .constant, points: [ProfilePoint(at: 0, rate: 0)])).isEmpty)
        // 4/s for one second, then nothing: a few arrivals, all in the first second, then nil.
        let t = arrivals(.profile(shape: .poisson, points: [ProfilePoint(at: 0, rate: 4), ProfilePoint(at: second, rate: 0)]), seed: 2)
        #expect(t.allSatisfy { $0 < second })
        #expect(t.count < 20)
    }

    @Test func zeroRateStretchIsSkipped() {
        let t = arrivals(.profile(shape: .constant, points: [ProfilePoint(at: 0, rate: 0), ProfilePoint(at: 10 * second, rate: 1)]),
                         until: 15 * second)
        #expect(t == [11, 12, 13, 14, 15].map { $0 * second })
    }

    // MARK: MMPP

    @Test func mmppLongRunRate() {
        // Rates 10/s and 100/s, mean holding 2 s and 0.5 s: Σrᵢhᵢ/Σhᵢ = (20 + 50)/2.5 = 28/s.
        // The count is overdispersed; its asymptotic index of dispersion (Heffes & Lucantoni 1986)
        // is 1 + 2σ₁σ₂(r₁ − r₂)² / ((σ₁ + σ₂)²(r₁σ₂ + r₂σ₁)) with σᵢ = 1/hᵢ: 1 + 16200/437.5 ≈ 38.
        let r1 = 10.0, r2 = 100.0, s1 = 1 / 2.0, s2 = 1 / 0.5
        let idc = 1 + 2 * s1 * s2 * (r1 - r2) * (r1 - r2) / ((s1 + s2) * (s1 + s2) * (r1 * s2 + r2 * s1))
        let T = 40_000.0
        let t = arrivals(.mmpp(rates: [r1, r2], meanHolding: [2, 0.5]), seed: 21, until: Int64(T) * second)
        #expect(withinFiveSigma(t.count, mean: 28 * T, varianceFactor: idc), "count \(t.count), expected \(28 * T)")
        #expect(abs(Double(t.count) / T - 28) / 28 < 0.03)
    }

    @Test func mmppWithAnIdleStateArrivesInBursts() {
        // Off (0/s) and on (100/s) for a mean of 1 s each: 50/s in the long run, with long gaps.
        let T = 4_000.0
        let t = arrivals(.mmpp(rates: [0, 100], meanHolding: [1, 1]), seed: 5, until: Int64(T) * second)
        let r1 = 0.0, r2 = 100.0, s1 = 1.0, s2 = 1.0
        let idc = 1 + 2 * s1 * s2 * (r1 - r2) * (r1 - r2) / ((s1 + s2) * (s1 + s2) * (r1 * s2 + r2 * s1))
        #expect(withinFiveSigma(t.count, mean: 50 * T, varianceFactor: idc), "count \(t.count)")
        // Poisson at 100/s almost never leaves a 1-s gap (e^−100); off periods do, often.
        let longGaps = zip(t.dropFirst(), t).filter { $0 - $1 > second }.count
        #expect(longGaps > 100)
    }

    @Test func mmppWithEqualRatesIsPoisson() {
        let T = 1_000.0
        let t = arrivals(.mmpp(rates: [30, 30], meanHolding: [0.5, 2]), seed: 8, until: Int64(T) * second)
        #expect(withinFiveSigma(t.count, mean: 30 * T))
    }

    // MARK: Trace

    @Test func traceReplaysTheGivenTimes() {
        let times: [Int64] = [0, second, second, 2_500_000_000, 7 * second]
        #expect(arrivals(.trace(times: times, speedup: 1)) == times)
        #expect(arrivals(.trace(times: times, speedup: 2)) == [0, 500_000_000, 500_000_000, 1_250_000_000, 3_500_000_000])
        #expect(arrivals(.trace(times: times, speedup: 0.5)) == [0, 2 * second, 2 * second, 5 * second, 14 * second])
        #expect(arrivals(.trace(times: [], speedup: 1)).isEmpty)
    }

    @Test func traceEndsWithNil() {
        let a = RandomStream(master: 1, replication: 0, name: "a"), s = RandomStream(master: 1, replication: 0, name: "s")
        var g = ArrivalGenerator(.trace(times: [3 * second], speedup: 1))!
        g.start(arrivals: a.rng, states: s.rng)
        #expect(g.next(after: 0, first: true, arrivals: a.rng, states: s.rng) == 3 * second)
        #expect(g.next(after: 3 * second, first: false, arrivals: a.rng, states: s.rng) == nil)
        #expect(g.next(after: 3 * second, first: false, arrivals: a.rng, states: s.rng) == nil)
    }

    @Test func closedWorkloadsHaveNoGenerator() {
        #expect(ArrivalGenerator(.closed(users: 3, think: .constant(1))) == nil)
    }
}
