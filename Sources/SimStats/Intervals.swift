import CGSL
import Foundation

/// A point estimate with its confidence interval.
public struct Interval: Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    /// Sample standard deviation of the observations (n − 1 denominator), 0 for n = 1.
    public var stddev: Double
    public var n: Int
    public var halfWidth: Double { (high - low) / 2 }
    public init(mean: Double, low: Double, high: Double, stddev: Double, n: Int) {
        self.mean = mean; self.low = low; self.high = high; self.stddev = stddev; self.n = n
    }
}

/// Student-t confidence intervals (Law & Kelton, replication/deletion): X̄ ± t_{n−1,1−α/2}·S/√n.
public enum StudentT {
    /// The t quantile t_{ν, p} (`gsl_cdf_tdist_Pinv`).
    public static func quantile(_ p: Double, dof: Double) -> Double {
        gsl_cdf_tdist_Pinv(p, dof)
    }

    /// Mean and sample standard deviation (n − 1), by a two-pass sum for accuracy.
    public static func meanAndStddev(_ xs: [Double]) -> (mean: Double, stddev: Double) {
        guard !xs.isEmpty else { return (.nan, .nan) }
        // Equal values have no spread: say 0 exactly rather than a rounding residue of the mean.
        if xs.allSatisfy({ $0 == xs[0] }) { return (xs[0], 0) }
        let m = xs.reduce(0, +) / Double(xs.count)
        guard xs.count > 1 else { return (m, 0) }
        let ss = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (m, (ss / Double(xs.count - 1)).squareRoot())
    }

    /// The interval at `confidence` (e.g. 0.95). With one observation the interval is the point.
    public static func interval(_ xs: [Double], confidence: Double) -> Interval {
        let (m, s) = meanAndStddev(xs)
        let n = xs.count
        guard n > 1 else { return Interval(mean: m, low: m, high: m, stddev: 0, n: n) }
        let t = quantile(1 - (1 - confidence) / 2, dof: Double(n - 1))
        let h = t * s / Double(n).squareRoot()
        return Interval(mean: m, low: m - h, high: m + h, stddev: s, n: n)
    }

    /// Paired comparison on common random numbers: the interval of the differences aᵢ − bᵢ.
    public static func paired(_ a: [Double], _ b: [Double], confidence: Double) -> Interval {
        precondition(a.count == b.count, "paired samples must have equal length")
        return interval(zip(a, b).map { $0 - $1 }, confidence: confidence)
    }
}

/// MSER-m warm-up truncation (White 1997; White, Cobb & Spratt 2000), as in
/// reference/validation.md §5: batch the series in non-overlapping batches of m (dropping the
/// trailing partial batch), and pick d* = argmin_{0 ≤ d ≤ k/2} MSER(d), where
/// MSER(d) = (1/(k−d)²) Σ_{j>d} (Z_j − Z̄_d)².
public enum MSER {
    public struct Result: Sendable, Equatable {
        /// Batches to delete.
        public var batches: Int
        /// Raw observations to delete (batches × m).
        public var observations: Int
        /// True when the minimum sits at the k/2 limit: the run is too short to trust the truncation.
        public var atLimit: Bool
    }

    /// Batch means of size m (trailing partial batch dropped).
    public static func batchMeans(_ xs: [Double], m: Int) -> [Double] {
        precondition(m >= 1)
        let k = xs.count / m
        return (0..<k).map { j in xs[(j * m)..<((j + 1) * m)].reduce(0, +) / Double(m) }
    }

    /// The MSER statistic of batch means `z` truncated at d batches.
    public static func statistic(_ z: [Double], d: Int) -> Double {
        let k = z.count
        let tail = z[d...]
        let m = tail.reduce(0, +) / Double(k - d)
        let ss = tail.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return ss / (Double(k - d) * Double(k - d))
    }

    /// The truncation point of a raw series with batch size m (m = 5 is MSER-5). Needs at least two
    /// batches; shorter series truncate nothing.
    public static func truncation(_ xs: [Double], m: Int = 5) -> Result {
        let z = batchMeans(xs, m: m)
        let d = truncationOfBatchMeans(z)
        return Result(batches: d.batches, observations: d.batches * m, atLimit: d.atLimit)
    }

    /// The truncation point (in batches) of a series that is already batch means.
    public static func truncationOfBatchMeans(_ z: [Double]) -> Result {
        let k = z.count
        guard k >= 2 else { return Result(batches: 0, observations: 0, atLimit: false) }
        // Every suffix's Σ(Z−Z̄)² in one backward pass with Welford's update, O(k) in all. Not the
        // textbook ΣZ² − (ΣZ)²/(k−d): that cancels catastrophically when the mean is large next to
        // the spread (latencies in ns: a 10⁶ offset already moved d* on the §5 test series), and
        // MSER must not depend on where the series sits. Ties keep the first.
        var best = 0
        var bestValue = Double.infinity
        let limit = k / 2
        var mean = 0.0, m2 = 0.0
        var suffixSS = [Double](repeating: 0, count: k + 1)
        for j in stride(from: k - 1, through: 0, by: -1) {
            let count = Double(k - j)
            let delta = z[j] - mean
            mean += delta / count
            m2 += delta * (z[j] - mean)
            suffixSS[j] = m2
        }
        for d in 0...limit {
            let n = Double(k - d)
            let v = suffixSS[d] / (n * n)
            if v < bestValue { bestValue = v; best = d }
        }
        return Result(batches: best, observations: best, atLimit: best == limit && k >= 4)
    }
}

/// Batch means on one long run: k batches of size b = ⌊n/k⌋ (the leftover tail dropped), and the
/// Student-t interval of the batch means.
public enum BatchMeans {
    public static func means(_ xs: [Double], batches k: Int) -> [Double] {
        precondition(k >= 2)
        let b = xs.count / k
        guard b > 0 else { return [] }
        return (0..<k).map { j in xs[(j * b)..<((j + 1) * b)].reduce(0, +) / Double(b) }
    }

    public static func interval(_ xs: [Double], batches k: Int, confidence: Double) -> Interval {
        StudentT.interval(means(xs, batches: k), confidence: confidence)
    }

    /// Lag-1 autocorrelation of a series (batches should show it near 0).
    public static func lag1Autocorrelation(_ xs: [Double]) -> Double {
        guard xs.count > 2 else { return 0 }
        let m = xs.reduce(0, +) / Double(xs.count)
        var num = 0.0, den = 0.0
        for i in 0..<xs.count {
            let d = xs[i] - m
            den += d * d
            if i > 0 { num += d * (xs[i - 1] - m) }
        }
        return den > 0 ? num / den : 0
    }
}
