import CGSL

extension StudentT {
    /// Unpaired comparison of two independent samples (Welch's t interval): the interval of
    /// mean(a) − mean(b) with standard error √(s²ₐ/nₐ + s²_b/n_b) and Welch–Satterthwaite degrees
    /// of freedom. What a comparison without common random numbers would give; the paired interval
    /// (``paired(_:_:confidence:)``) is narrower when the runs share their random numbers.
    public static func welch(_ a: [Double], _ b: [Double], confidence: Double) -> Interval {
        let (ma, sa) = meanAndStddev(a), (mb, sb) = meanAndStddev(b)
        let na = Double(a.count), nb = Double(b.count)
        let d = ma - mb
        guard a.count > 1, b.count > 1 else { return Interval(mean: d, low: d, high: d, stddev: 0, n: min(a.count, b.count)) }
        let va = sa * sa / na, vb = sb * sb / nb
        let se = (va + vb).squareRoot()
        guard se > 0 else { return Interval(mean: d, low: d, high: d, stddev: 0, n: min(a.count, b.count)) }
        let dof = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1))
        let h = quantile(1 - (1 - confidence) / 2, dof: dof) * se
        return Interval(mean: d, low: d - h, high: d + h, stddev: se, n: min(a.count, b.count))
    }
}
