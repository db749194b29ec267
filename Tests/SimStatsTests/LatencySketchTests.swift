import Foundation
import Testing
@testable import SimStats

/// SplitMix64 (Steele, Lea & Flood 2014): a deterministic generator local to the tests, so the test
/// data does not depend on SimRandom or GSL.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on (0, 1): 53 random bits, never 0.
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }
    /// Standard normal by Box–Muller.
    mutating func normal() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
}

/// Test samples in integer nanoseconds, clamped to [1 ns, 10¹² ns].
enum Sample: String, CaseIterable, Sendable {
    case exponentialMicro, exponentialMilli, exponentialMinutes, lognormalWide, logUniformFullRange, constants

    func values(_ n: Int) -> [Int64] {
        var g = SplitMix64(seed: 0x5EED_0000 + UInt64(Sample.allCases.firstIndex(of: self)!))
        func clamp(_ x: Double) -> Int64 { Int64(min(max(x.rounded(), 1), 1e12)) }
        switch self {
        case .exponentialMicro: return (0..<n).map { _ in clamp(-2_000 * log(g.uniform())) }          // mean 2 µs
        case .exponentialMilli: return (0..<n).map { _ in clamp(-5e6 * log(g.uniform())) }            // mean 5 ms
        case .exponentialMinutes: return (0..<n).map { _ in clamp(-1e11 * log(g.uniform())) }         // mean 100 s
        case .lognormalWide: return (0..<n).map { _ in clamp(exp(log(1e6) + 3 * g.normal())) }         // median 1 ms, σ = 3
        case .logUniformFullRange: return (0..<n).map { _ in clamp(exp(g.uniform() * log(1e12))) }     // 1 ns … 10¹² ns
        case .constants: return []
        }
    }
}

/// Exact nearest-rank quantile of a sorted array: the value of rank max(1, ⌈p·n⌉).
func nearestRank(_ sorted: [Int64], _ p: Double) -> Int64 {
    let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
    return sorted[min(rank, sorted.count) - 1]
}

/// Quantile levels checked: a grid of 1001 levels plus the extreme tail.
let quantileLevels: [Double] = (0...1000).map { Double($0) / 1000 } + [0.0001, 0.9995, 0.9999, 0.99999]

/// The documented bound: half a bucket over its lower edge, (2^(e−6)/2)/(64·2^(e−6)) = 1/128 = 0.78125 %.
let sketchBound = 1.0 / 128

/// Worst relative error of the sketch's quantiles against exact nearest-rank quantiles.
func worstRelativeError(_ values: [Int64]) -> (error: Double, p: Double) {
    var s = LatencySketch()
    for v in values { s.record(v) }
    let sorted = values.sorted()
    var worst = (error: 0.0, p: 0.0)
    for p in quantileLevels {
        let exact = Double(nearestRank(sorted, p))
        let got = s.quantile(p)!
        let e = abs(got - exact) / exact
        if e > worst.error { worst = (e, p) }
    }
    return worst
}

@Suite struct LatencySketchTests {
    @Test(arguments: [Sample.exponentialMicro, .exponentialMilli, .exponentialMinutes, .lognormalWide, .logUniformFullRange])
    func quantileRelativeErrorWithinBound(_ sample: Sample) {
        let values = sample.values(100_000)
        let (worst, p) = worstRelativeError(values)
        #expect(worst <= sketchBound, "\(sample): worst relative error \(worst) at p = \(p)")
        print("[measure] sketch \(sample.rawValue): worst relative error \(worst * 100) % at p = \(p), range \(values.min()!)…\(values.max()!) ns")
    }

    /// Constants anywhere from 1 ns to 10¹² ns (including the exact-bucket region below 64 and bucket
    /// edges): every quantile within the bound; min and max are answered exactly.
    @Test(arguments: [1, 2, 63, 64, 65, 127, 128, 1_000, 4_095, 4_096, 123_456_789, 999_999_999_999, 1_000_000_000_000] as [Int64])
    func constantSamples(_ c: Int64) {
        var s = LatencySketch()
        for _ in 0..<1_000 { s.record(c) }
        for p in [0, 0.001, 0.5, 0.99, 1] {
            let q = s.quantile(p)!
            #expect(abs(q - Double(c)) / Double(c) <= sketchBound, "c = \(c), p = \(p): \(q)")
            #expect(q == Double(c), "a single value is answered exactly (clamped to [min, max])")
        }
        #expect(s.count == 1_000 && s.min == c && s.max == c)
        #expect(s.mean == Double(c))
    }

    /// Exact below 64 ns (one bucket per value), and every bucket's midpoint within the bound of every
    /// value in it, at every bucket up to 10¹² ns.
    @Test func bucketLayout() {
        for v in Int64(0)..<64 {
            #expect(LatencySketch.index(of: v) == Int(v))
            #expect(LatencySketch.bounds(of: Int(v)) == (v, v + 1))
        }
        #expect(LatencySketch.index(of: -5) == 0)
        var i = 0
        var previousUpper: Int64 = 0
        while true {
            let (lo, hi) = LatencySketch.bounds(of: i)
            if lo > 1_000_000_000_000 { break }
            #expect(lo == previousUpper, "buckets tile the line")
            #expect(LatencySketch.index(of: lo) == i && LatencySketch.index(of: hi - 1) == i)
            if lo > 0 {
                let mid = Double(lo) + Double(hi - lo - 1) / 2
                #expect((mid - Double(lo)) / Double(lo) <= sketchBound)
                #expect((Double(hi - 1) - mid) / Double(hi - 1) <= sketchBound)
            }
            previousUpper = hi
            i += 1
        }
    }

    @Test func emptySketch() {
        let s = LatencySketch()
        #expect(s.quantile(0.5) == nil)
        #expect(s.quantile(0) == nil && s.quantile(1) == nil)
        #expect(s.mean == nil)
        #expect(s.count == 0 && s.storedBuckets == 0)
    }

    /// Quantile edge levels: p = 0 is answered from the minimum's bucket, p = 1 from the maximum's,
    /// and answers stay within [min, max].
    @Test func extremeLevelsAreClampedToObservedRange() {
        var s = LatencySketch()
        for v in [1_000, 1_001, 50_000, 1_000_000] as [Int64] { s.record(v) }
        for (p, exact) in [(0.0, 1_000.0), (0.25, 1_000), (0.5, 1_001), (0.75, 50_000), (1, 1_000_000)] {
            let q = s.quantile(p)!
            #expect(abs(q - exact) / exact <= sketchBound, "p = \(p): \(q) vs \(exact)")
            #expect(q >= 1_000 && q <= 1_000_000)
        }
        #expect(s.quantile(1) == 1_000_000, "the maximum's bucket midpoint is clamped to the maximum")
        #expect(s.quantile(2) == 1_000_000, "levels above 1 answer the maximum")
        #expect(s.mean == 1_052_001.0 / 4)
    }

    /// The bound is tight: 1/128 = 0.78125 %, not 0.78 %. Two values at the two ends of one wide
    /// bucket [2⁴⁰, 2⁴⁰ + 2³⁴): the midpoint is (2³⁴ − 1)/2 away from each, which is 0.78125 % − 2⁻⁴¹
    /// of the lower one.
    @Test func boundIsTightAtBucketLowerEdge() {
        let lo: Int64 = 1 << 40, hi: Int64 = (1 << 40) + (1 << 34) - 1
        #expect(LatencySketch.index(of: lo) == LatencySketch.index(of: hi))
        var s = LatencySketch()
        s.record(lo)
        s.record(hi)
        let e0 = abs(s.quantile(0)! - Double(lo)) / Double(lo)
        let e1 = abs(s.quantile(1)! - Double(hi)) / Double(hi)
        #expect(e0 <= sketchBound && e1 <= sketchBound)
        #expect(e0 > 0.0078, "worst case \(e0 * 100) %: above 0.78 %, below 1/128")
    }

    /// The largest values (up to Int64.max, e.g. a saturated duration) are recorded and answered
    /// without overflow.
    @Test func largestValues() {
        var s = LatencySketch()
        s.record(.max)
        s.record(.max - 1)
        s.record(9_000_000_000_000_000_000)
        let top = Double(Int64.max)
        #expect(s.quantile(0) == 9e18)
        #expect(abs(s.quantile(0.5)! - top) / top <= sketchBound)
        #expect(abs(s.quantile(1)! - top) / top <= sketchBound)
        let last = LatencySketch.index(of: .max)
        let (lower, upper) = LatencySketch.bounds(of: last)
        #expect(lower == 127 << 56 && upper == Int64.max, "the top bucket's upper edge saturates")
        #expect(LatencySketch.index(of: lower) == last)
    }

    /// Merging equals recording everything into one sketch: same buckets, count, min, max, and (for
    /// values whose sums stay below 2⁵³, so every partial sum is exact) the same sum, hence `==`.
    @Test func mergeEqualsRecordingEverything() {
        var g = SplitMix64(seed: 11)
        let values = (0..<30_000).map { _ in Int64(exp(g.uniform() * log(1e9)).rounded()) }  // ≤ 10⁹: Σ < 2⁵³
        var all = LatencySketch()
        for v in values { all.record(v) }

        // Interleaved thirds.
        var parts = [LatencySketch(), LatencySketch(), LatencySketch()]
        for (k, v) in values.enumerated() { parts[k % 3].record(v) }
        var merged = LatencySketch()
        for p in parts { merged.merge(p) }
        #expect(merged == all)

        // Disjoint value ranges merged in both orders (the merge grows the range downwards and upwards).
        var low = LatencySketch(), high = LatencySketch()
        for v in values { if v < 1_000_000 { low.record(v) } else { high.record(v) } }
        var lh = low; lh.merge(high)
        var hl = high; hl.merge(low)
        #expect(lh == all)
        #expect(hl == all)
        #expect(lh.quantile(0.9) == all.quantile(0.9))

        // Merging an empty sketch changes nothing; merging into an empty sketch copies.
        var same = all
        same.merge(LatencySketch())
        #expect(same == all)
        var copy = LatencySketch()
        copy.merge(all)
        #expect(copy == all)
    }

    /// The stored range grows with slack (fewer reallocations), which never shows: sketches fed the
    /// same values in opposite orders grow differently but are equal, bucket for bucket, and
    /// `storedBuckets` counts only the buckets from the minimum's to the maximum's.
    @Test func slackDoesNotShow() {
        let values: [Int64] = (0..<400).map { Int64(1_000 + 997 * $0 * $0) }
        var up = LatencySketch(), down = LatencySketch()
        for v in values { up.record(v) }
        for v in values.reversed() { down.record(v) }
        #expect(up == down)
        #expect(up.storedBuckets == LatencySketch.index(of: values.last!) - LatencySketch.index(of: 1_000) + 1)
        var other = down
        other.record(5)
        #expect(other != up, "one more value is a different sketch")
        #expect(up.quantile(0.5) == down.quantile(0.5) && up.quantile(0.99) == down.quantile(0.99))
    }

    /// Wide-range values (sums beyond 2⁵³, so the Double sum depends on the order of additions):
    /// buckets, count, min, max and every quantile identical; the sum equal to 1e-12 relative.
    @Test func mergeOfWideRangeSample() {
        let values = Sample.logUniformFullRange.values(20_000)
        var all = LatencySketch()
        for v in values { all.record(v) }
        var a = LatencySketch(), b = LatencySketch()
        for (k, v) in values.enumerated() { if k < 7_000 { a.record(v) } else { b.record(v) } }
        a.merge(b)
        #expect(a.sameBuckets(as: all))
        #expect(!b.sameBuckets(as: all) && b != all, "a part of the sample is not the whole")
        #expect(a.count == all.count && a.min == all.min && a.max == all.max)
        #expect(abs(a.sum - all.sum) <= 1e-12 * all.sum)
        #expect(quantileLevels.allSatisfy { a.quantile($0) == all.quantile($0) })
    }

    /// Memory does not grow with the number of values: 10⁶ values from [1 µs, 1 s] (log-uniform, so
    /// every bucket of the range is hit early) fill at most the buckets of that range
    /// (≤ log2(10⁶)·64 + 64 ≈ 1340), and the bucket count is the same after 10⁵ and 10⁶ values.
    @Test func memoryBoundedByRangeNotCount() {
        var g = SplitMix64(seed: 3)
        var s = LatencySketch()
        let lo: Int64 = 1_000, hi: Int64 = 1_000_000_000
        let bound = LatencySketch.index(of: hi) - LatencySketch.index(of: lo) + 1
        let logRange = log(Double(hi) / Double(lo))
        var bucketsAt100k = 0
        for k in 1...1_000_000 {
            s.record(min(hi, Int64((Double(lo) * exp(g.uniform() * logRange)).rounded())))
            if k == 100_000 { bucketsAt100k = s.storedBuckets }
        }
        #expect(s.count == 1_000_000)
        #expect(s.storedBuckets <= bound)
        #expect(bound <= 1_340)
        #expect(s.storedBuckets == bucketsAt100k)
        // The documented figure: a latency range of 10⁴ takes about 850 buckets.
        let r4 = LatencySketch.index(of: 10_000_000) - LatencySketch.index(of: 1_000) + 1
        #expect(r4 >= 840 && r4 <= 860)
        print("[measure] sketch memory: \(s.storedBuckets) buckets after 10⁶ values in [1 µs, 1 s] (bound \(bound))")
    }
}
