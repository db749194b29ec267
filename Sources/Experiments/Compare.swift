import ScenarioSpec
import SimStats

/// Which way a metric gets worse, for regression checks.
public enum Worse: String, Sendable {
    case higher, lower

    /// Latencies and failure rates are worse higher, throughput lower; the others (utilization,
    /// queue lengths, counts, load shares and imbalance) have no direction and never count as a
    /// regression. Nor does anything of an `instance:` scope: one replica's throughput halves when
    /// the replicas double, which is no regression.
    public static func of(metric: String, scope: String = "") -> Worse? {
        if scope.hasPrefix("instance:") { return nil }
        if metric.hasPrefix("latency_") || metric == "error_rate" || metric == "timeout_rate" || metric == "rejection_rate" {
            return .higher
        }
        if metric == "throughput" { return .lower }
        return nil
    }
}

/// One metric of one scope, compared.
public struct ComparisonRow: Sendable {
    public var scope: String
    public var metric: String
    public var unit: String
    public var baseline: Interval
    public var candidate: Interval
    /// Paired differences candidate − baseline, replication by replication (common random numbers).
    public var difference: Interval
    /// What the interval of the difference would be without pairing (Welch), for reference.
    public var unpaired: Interval
    /// difference / |baseline mean| (NaN when the baseline is 0 and the difference too, ±inf when only the baseline is 0).
    public var relative: Double
    public var worse: Worse?
    /// The paired interval excludes 0.
    public var significant: Bool
    /// Significantly worse by more than the threshold.
    public var regression: Bool
}

public struct Comparison: Sendable {
    public var baselineLabel: String
    public var candidateLabel: String
    public var replications: Int
    public var confidence: Double
    public var threshold: Double
    public var rows: [ComparisonRow]
    public var regressed: Bool { rows.contains { $0.regression } }
}

public enum Compare {
    /// Compares two runs made with the same seed and replications (so replication r of each used the
    /// same random streams). A row is a regression when its metric has a direction (``Worse``), the
    /// paired interval lies wholly on the worse side of 0, and the mean change exceeds `threshold`
    /// (relative to the baseline). `metrics`, when not empty, limits which metrics may regress.
    public static func compare(baseline: RunResult, candidate: RunResult, baselineLabel: String, candidateLabel: String,
                               confidence: Double, threshold: Double, metrics: [String] = []) -> Comparison {
        var rows: [ComparisonRow] = []
        let first = baseline.replications.first?.metrics ?? []
        for (k, m) in first.enumerated() {
            var a: [Double] = [], b: [Double] = []
            for (rb, rc) in zip(baseline.replications, candidate.replications) {
                guard k < rb.metrics.count else { continue }
                let vb = rb.metrics[k].value
                // The candidate's row of the same scope and metric (its list can differ in shape).
                let vc: Double
                if k < rc.metrics.count, rc.metrics[k].scope == m.scope, rc.metrics[k].metric == m.metric {
                    vc = rc.metrics[k].value
                } else if let other = rc.metrics.first(where: { $0.scope == m.scope && $0.metric == m.metric }) {
                    vc = other.value
                } else { continue }
                guard !vb.isNaN, !vc.isNaN else { continue }
                a.append(vb); b.append(vc)
            }
            guard !a.isEmpty else { continue }
            let base = StudentT.interval(a, confidence: confidence)
            let cand = StudentT.interval(b, confidence: confidence)
            let diff = StudentT.paired(b, a, confidence: confidence)
            let unpaired = StudentT.welch(b, a, confidence: confidence)
            let relative = base.mean == 0 ? (diff.mean == 0 ? Double.nan : (diff.mean > 0 ? .infinity : -.infinity))
                                          : diff.mean / abs(base.mean)
            let significant = diff.n > 1 && (diff.low > 0 || diff.high < 0)
            let worse = Worse.of(metric: m.metric, scope: m.scope)
            var regression = false
            if let worse, significant, metrics.isEmpty || metrics.contains(m.metric) {
                let onWorseSide = worse == .higher ? diff.low > 0 : diff.high < 0
                regression = onWorseSide && abs(relative) > threshold
            }
            rows.append(ComparisonRow(scope: m.scope, metric: m.metric, unit: m.unit, baseline: base, candidate: cand,
                                      difference: diff, unpaired: unpaired, relative: relative, worse: worse,
                                      significant: significant, regression: regression))
        }
        return Comparison(baselineLabel: baselineLabel, candidateLabel: candidateLabel, replications: baseline.replications.count,
                          confidence: confidence, threshold: threshold, rows: rows)
    }
}
