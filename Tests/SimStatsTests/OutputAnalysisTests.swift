import Foundation
import Testing
@testable import SimStats

/// `value` agrees with a number printed in reference/validation.md to all its printed digits:
/// |value − printed| ≤ half a unit in the last printed digit (e.g. "0.3213360431" → ±5e-11,
/// "3.251194413e-05" → ±5e-15). A hair of relative slack covers the parse of the literal itself.
func matchesPrinted(_ value: Double, _ printed: String) -> Bool {
    let parts = printed.lowercased().split(separator: "e")
    let mantissa = parts[0]
    let exponent = parts.count > 1 ? Int(parts[1])! : 0
    let decimals = mantissa.split(separator: ".").dropFirst().first?.count ?? 0
    let halfUnit = 0.5 * pow(10, Double(exponent - decimals))
    let target = Double(printed)!
    return abs(value - target) <= halfUnit + 4 * Double.ulpOfOne * abs(target)
}

func expectPrinted(_ value: Double, _ printed: String, _ what: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(matchesPrinted(value, printed), "\(what): computed \(value), printed \(printed)",
            sourceLocation: sourceLocation)
}

/// reference/validation.md §5, "MSER-5" test series: x_i = 1 + 20·0.9ⁱ + 0.5·(−1)ⁱ·[i mod 3 = 0] + 0.3·sin(i).
let mserSeries: [Double] = (1...1000).map { (i: Int) -> Double in
    let d = Double(i)
    let sign: Double = i % 2 == 0 ? 1 : -1
    let alternating: Double = i % 3 == 0 ? 0.5 * sign : 0
    let transient: Double = 20 * pow(0.9, d)
    return 1 + transient + alternating + 0.3 * sin(d)
}

/// §5 "Batch means" test: y_i = 2 + sin(0.37i) + 0.5cos(1.3i), i = 1..10000.
let batchSeries: [Double] = (1...10_000).map { (i: Int) -> Double in
    let d = Double(i)
    return 2 + sin(0.37 * d) + 0.5 * cos(1.3 * d)
}

let ciData = [4.8, 5.3, 5.1, 4.6, 5.9, 5.0, 4.4, 5.6, 5.2, 4.9]
let pairedA = [10.2, 11.5, 9.8, 12.1, 10.9, 11.7, 10.4, 12.6, 11.1, 10.0]
let pairedB = [9.9, 11.0, 9.6, 11.4, 10.7, 11.1, 10.3, 12.0, 10.6, 9.9]

@Suite struct PrintedDigitsHelperTests {
    /// The comparison helper itself must be able to fail.
    @Test func helperRejectsTheNextDigit() {
        #expect(matchesPrinted(0.3213360431, "0.3213360431"))
        #expect(matchesPrinted(0.32133604314, "0.3213360431"))
        #expect(!matchesPrinted(0.32133604316, "0.3213360431"))
        #expect(!matchesPrinted(3.2512e-05, "3.251194413e-05"))
        #expect(matchesPrinted(3.2511944134e-05, "3.251194413e-05"))
        #expect(!matchesPrinted(3.2511944136e-05, "3.251194413e-05"))
    }
}

@Suite struct StudentTTests {
    /// §5 table of t_{n−1, 0.975}.
    @Test(arguments: [
        (2, "12.7062047362"), (5, "2.7764451052"), (10, "2.2621571628"), (20, "2.0930240544"),
        (30, "2.0452296421"), (50, "2.0095752371"), (100, "1.9842169516"),
    ])
    func quantileTable(n: Int, printed: String) {
        expectPrinted(StudentT.quantile(0.975, dof: Double(n - 1)), printed, "t_{\(n - 1),0.975}")
    }

    /// §0: gsl_cdf_tdist_Pinv(0.975, 9) = 2.2621571628, and the symmetric lower quantile.
    @Test func quantileSymmetry() {
        expectPrinted(StudentT.quantile(0.975, dof: 9), "2.2621571628", "t_9")
        expectPrinted(StudentT.quantile(0.025, dof: 9), "-2.2621571628", "t_9 lower")
    }

    /// §5 CI example: mean 5.08, s 0.4491968141, half-width 0.3213360431, CI [4.758663957, 5.401336043].
    @Test func confidenceIntervalExample() {
        let ci = StudentT.interval(ciData, confidence: 0.95)
        expectPrinted(ci.mean, "5.08", "mean")
        #expect(abs(ci.mean - 5.08) < 1e-12)
        expectPrinted(ci.stddev, "0.4491968141", "s")
        expectPrinted(ci.halfWidth, "0.3213360431", "half-width")
        expectPrinted(ci.low, "4.758663957", "low")
        expectPrinted(ci.high, "5.401336043", "high")
        #expect(ci.n == 10)
    }

    /// §5: "γ = 2 % relative error needs n = 81 replications at this s" (rule t·S/√n / |X̄| ≤ γ/(1+γ)).
    @Test func relativePrecisionRuleNeeds81Replications() {
        let s = 0.4491968141, mean = 5.08, gamma = 0.02
        let n = (2...1000).first { n in
            StudentT.quantile(0.975, dof: Double(n - 1)) * s / Double(n).squareRoot() / mean <= gamma / (1 + gamma)
        }
        #expect(n == 81)
    }

    @Test func degenerateSamples() {
        let one = StudentT.interval([3.5], confidence: 0.95)
        #expect(one.mean == 3.5 && one.low == 3.5 && one.high == 3.5 && one.stddev == 0 && one.n == 1)
        let same = StudentT.interval([2, 2, 2, 2], confidence: 0.95)
        #expect(same.mean == 2 && same.halfWidth == 0 && same.stddev == 0)
        let empty = StudentT.meanAndStddev([])
        #expect(empty.mean.isNaN && empty.stddev.isNaN)
        // A wider confidence gives a wider interval.
        #expect(StudentT.interval(ciData, confidence: 0.99).halfWidth > StudentT.interval(ciData, confidence: 0.95).halfWidth)
    }

    /// §5 common-random-numbers example: D̄ 0.38, s_D 0.2250925735, half-width 0.161021527,
    /// CI [0.219, 0.541] (significant), Var(D)/(Var A + Var B) = 0.035.
    @Test func pairedComparisonExample() {
        let ci = StudentT.paired(pairedA, pairedB, confidence: 0.95)
        expectPrinted(ci.mean, "0.38", "D̄")
        expectPrinted(ci.stddev, "0.2250925735", "s_D")
        expectPrinted(ci.halfWidth, "0.161021527", "half-width")
        expectPrinted(ci.low, "0.219", "low")
        expectPrinted(ci.high, "0.541", "high")
        #expect(ci.low > 0, "the paired difference is significant")
        let sa = StudentT.meanAndStddev(pairedA).stddev, sb = StudentT.meanAndStddev(pairedB).stddev
        expectPrinted(ci.stddev * ci.stddev / (sa * sa + sb * sb), "0.035", "Var(D)/(Var A + Var B)")
    }

    /// §5: "treated as independent samples, the half-width would be 0.7993". That number is the
    /// pooled-variance two-sample Student-t interval: t_{n_A+n_B−2, 0.975}·s_p·√(1/n_A + 1/n_B) with
    /// 18 degrees of freedom. (Welch's interval has the same standard error here, n_A = n_B, but
    /// ν ≈ 17.15 degrees of freedom and a half-width of 0.8021, which does not match the printed value.)
    @Test func unpairedHalfWidthIsThePooledInterval() {
        let (ma, sa) = StudentT.meanAndStddev(pairedA)
        let (mb, sb) = StudentT.meanAndStddev(pairedB)
        let na = Double(pairedA.count), nb = Double(pairedB.count)
        let pooledVar = ((na - 1) * sa * sa + (nb - 1) * sb * sb) / (na + nb - 2)
        let pooledHalf = StudentT.quantile(0.975, dof: na + nb - 2) * (pooledVar * (1 / na + 1 / nb)).squareRoot()
        expectPrinted(pooledHalf, "0.7993", "pooled unpaired half-width")
        #expect(abs(ma - mb) < pooledHalf, "unpaired: not significant")
        // Welch, for the record: same SE, fewer degrees of freedom, does not match the printed digits.
        let va = sa * sa / na, vb = sb * sb / nb
        let welchDof = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1))
        let welchHalf = StudentT.quantile(0.975, dof: welchDof) * (va + vb).squareRoot()
        #expect(abs(welchDof - 17.152) < 1e-3)
        #expect(!matchesPrinted(welchHalf, "0.7993"))
        // Pairing gains: the paired half-width is about a fifth of the unpaired one.
        #expect(StudentT.paired(pairedA, pairedB, confidence: 0.95).halfWidth < pooledHalf / 4)
    }
}

@Suite struct MSERTests {
    /// §5: k = 200 batches of 5, d* = 12 batches → delete 60 observations, not at the k/2 limit.
    @Test func truncationPoint() {
        let r = MSER.truncation(mserSeries, m: 5)
        #expect(r.batches == 12)
        #expect(r.observations == 60)
        #expect(!r.atLimit)
        let z = MSER.batchMeans(mserSeries, m: 5)
        #expect(z.count == 200)
        #expect(MSER.truncationOfBatchMeans(z).batches == 12)
    }

    /// §5: MSER(0), MSER(1), MSER(10), MSER(12) to the printed digits.
    @Test func statisticValues() {
        let z = MSER.batchMeans(mserSeries, m: 5)
        expectPrinted(MSER.statistic(z, d: 0), "0.008186109543", "MSER(0)")
        expectPrinted(MSER.statistic(z, d: 1), "0.002952416715", "MSER(1)")
        expectPrinted(MSER.statistic(z, d: 10), "3.251194413e-05", "MSER(10)")
        expectPrinted(MSER.statistic(z, d: 12), "3.249130732e-05", "MSER(12)")
    }

    /// §5: truncated mean 0.9995503129, untruncated 1.179744191.
    @Test func truncatedMean() {
        let r = MSER.truncation(mserSeries, m: 5)
        let tail = mserSeries[r.observations...]
        expectPrinted(tail.reduce(0, +) / Double(tail.count), "0.9995503129", "truncated mean")
        expectPrinted(mserSeries.reduce(0, +) / Double(mserSeries.count), "1.179744191", "untruncated mean")
    }

    /// §5: with batch size 1 (plain MSER), d* = 36.
    @Test func batchSizeOne() {
        let r = MSER.truncation(mserSeries, m: 1)
        #expect(r.batches == 36 && r.observations == 36 && !r.atLimit)
    }

    /// The O(k) search picks the same d as a direct argmin of ``MSER/statistic(_:d:)`` over 0…k/2.
    @Test func searchAgreesWithDirectArgmin() {
        for m in [1, 2, 5, 10, 25] {
            let z = MSER.batchMeans(mserSeries, m: m)
            let direct = (0...(z.count / 2)).min { MSER.statistic(z, d: $0) < MSER.statistic(z, d: $1) }!
            #expect(MSER.truncationOfBatchMeans(z).batches == direct, "m = \(m)")
        }
    }

    /// MSER is invariant under adding a constant (and under scaling): the same truncation for the
    /// series expressed around a large offset, as latencies in nanoseconds are (a 1 ms baseline with
    /// a transient of ~20 ns around it is x_i + 10⁶).
    @Test(arguments: [0.0, 1e3, 1e6, 1e8])
    func invariantUnderShift(offset: Double) {
        let shifted = mserSeries.map { $0 + offset }
        #expect(MSER.truncation(shifted, m: 5).batches == 12, "offset \(offset)")
        #expect(MSER.truncation(shifted, m: 1).batches == 36, "offset \(offset)")
        let scaled = mserSeries.map { $0 * 1e6 + offset }
        #expect(MSER.truncation(scaled, m: 5).batches == 12, "×10⁶ + \(offset)")
    }

    @Test func limitAndShortSeries() {
        // A series still falling at the end: the minimum sits at the k/2 limit.
        let falling = (0..<100).map { 100 * pow(0.99, Double($0)) + (($0 % 2 == 0) ? 0.01 : -0.01) }
        let r = MSER.truncation(falling, m: 5)
        #expect(r.batches == 10 && r.atLimit)
        // Fewer than two batches: nothing to truncate.
        #expect(MSER.truncation([1, 2, 3, 4, 5, 6], m: 5) == MSER.Result(batches: 0, observations: 0, atLimit: false))
        // Trailing partial batch dropped.
        #expect(MSER.batchMeans([1, 2, 3, 4, 5, 6, 7], m: 3) == [2, 5])
        // A stationary series (no transient) truncates nothing.
        let flat = (0..<500).map { 3 + 0.1 * sin(Double($0) * 2.1) }
        #expect(MSER.truncation(flat, m: 5).batches <= 2)
    }
}

@Suite struct BatchMeansTests {
    /// §5: grand mean 2.00004740562, s(batch means) 0.00727132, half-width 0.00340308, first batch
    /// means 2.00992677, 1.99023231, 2.00838884 (k = 20 batches of b = 500).
    @Test func workedExample() {
        let means = BatchMeans.means(batchSeries, batches: 20)
        #expect(means.count == 20)
        expectPrinted(means[0], "2.00992677", "batch 1")
        expectPrinted(means[1], "1.99023231", "batch 2")
        expectPrinted(means[2], "2.00838884", "batch 3")
        let ci = BatchMeans.interval(batchSeries, batches: 20, confidence: 0.95)
        expectPrinted(ci.mean, "2.00004740562", "grand mean")
        expectPrinted(ci.stddev, "0.00727132", "s of batch means")
        expectPrinted(ci.halfWidth, "0.00340308", "half-width")
        #expect(ci.n == 20)
    }

    @Test func leftoverTailIsDropped() {
        let xs = (1...23).map(Double.init)
        #expect(BatchMeans.means(xs, batches: 5) == [2.5, 6.5, 10.5, 14.5, 18.5])
        #expect(BatchMeans.means([1, 2, 3], batches: 4) == [])
    }

    @Test func lag1Autocorrelation() {
        // Alternating series: lag-1 autocorrelation −(n−1)/n.
        let alt = (0..<100).map { $0 % 2 == 0 ? 1.0 : -1.0 }
        #expect(abs(BatchMeans.lag1Autocorrelation(alt) - (-0.99)) < 1e-12)
        // A linear trend is strongly positively correlated.
        #expect(BatchMeans.lag1Autocorrelation((0..<100).map(Double.init)) > 0.9)
        #expect(BatchMeans.lag1Autocorrelation([1, 2]) == 0)
        #expect(BatchMeans.lag1Autocorrelation([5, 5, 5, 5]) == 0)
    }
}
