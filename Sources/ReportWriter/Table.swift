import ClusterModels
import Experiments
import Foundation
import ScenarioSpec
import SimStats

/// The readable summary printed on standard output.
public enum SummaryTable {
    public static func render(_ result: RunResult) -> String {
        let sc = result.scenario
        var out = "\(sc.name): \(result.replications.count) replication\(result.replications.count == 1 ? "" : "s"), "
        out += "seed \(sc.seed), \(Int((sc.confidence * 100).rounded()))% intervals\n"
        let byKey = Dictionary(result.summary.map { ("\($0.scope)|\($0.metric)", $0.interval) }, uniquingKeysWith: { a, _ in a })
        func cell(_ scope: String, _ metric: String, scale: Double = 1, digits: Int = 4) -> String {
            guard let iv = byKey["\(scope)|\(metric)"], iv.n > 0, iv.mean.isFinite else { return "-" }
            let m = fmt(iv.mean * scale, digits)
            if iv.n < 2 { return m }
            return "\(m) ±\(fmt(iv.halfWidth * scale, digits))"
        }
        // Request scopes: latency in ms.
        let pcts = sc.output.percentiles.map(percentileMetricName)
        var rows: [[String]] = [["scope", "requests", "throughput/s", "mean ms"] + pcts.map { $0.replacingOccurrences(of: "latency_", with: "") + " ms" } + ["errors"]]
        // Instance scopes stay in the CSV files; the services' table shows their max/mean.
        let scopes = orderedScopes(result).filter { !$0.hasPrefix("service:") && !$0.hasPrefix("instance:") }
        for scope in scopes {
            var r = [scope, cell(scope, "requests", digits: 0), cell(scope, "throughput"), cell(scope, "latency_mean", scale: 1000)]
            r += pcts.map { cell(scope, $0, scale: 1000) }
            r.append(cell(scope, "error_rate"))
            rows.append(r)
        }
        out += "\n" + layout(rows)
        var srows: [[String]] = [["service", "utilization", "queue", "in flight", "throughput/s", "errors", "imbalance", "little gap"]]
        for scope in orderedScopes(result) where scope.hasPrefix("service:") {
            srows.append([scope, cell(scope, "utilization"), cell(scope, "queue_length_mean"), cell(scope, "in_flight_mean"),
                          cell(scope, "throughput"), cell(scope, "error_rate"), cell(scope, "load_imbalance"),
                          cell(scope, "littles_law_gap")])
        }
        out += "\n" + layout(srows)
        let warm = result.replications.map { Double($0.warmup) / 1e9 }
        out += "\nwarm-up: " + warm.map { fmt($0, 3) + "s" }.joined(separator: ", ")
        out += ", events: " + result.replications.map { String($0.events) }.joined(separator: ", ") + "\n"
        for r in result.replications where r.mserAtLimit {
            out += "warning: replication \(r.index + 1): MSER's truncation sits at its limit (half the run): the run may be too short to reach steady state\n"
        }
        // Little's law self-test: a gap above 5 % on a service that finished enough requests means
        // the run is too short for its time averages (or a bug): say so.
        for row in result.summary where row.metric == "littles_law_gap" && row.interval.mean > 0.05 {
            let n = byKey["\(row.scope)|throughput"].map { $0.mean } ?? 0
            if n > 0 {
                out += "warning: \(row.scope): Little's law (L = λW) is off by \(fmt(row.interval.mean * 100, 3))%: the run may be too short\n"
            }
        }
        for r in result.replications where r.warmupCoversRun {
            out += "warning: replication \(r.index + 1) ended at \(fmt(Double(r.endTime) / 1e9, 6))s, before its warm-up did: no observation was kept\n"
        }
        for r in result.replications where r.timeseriesTruncated {
            out += "warning: replication \(r.index + 1): the time series stopped after \(TimeSeriesRecorder.maxSamples) samples (raise output.timeseries)\n"
        }
        for r in result.replications where r.tracesTruncated {
            out += "warning: replication \(r.index + 1): tracing stopped after \(Tracer.maxSpans) spans (lower output.traces)\n"
        }
        for r in result.replications {
            if let l = r.limitMessage { out += "LIMIT: replication \(r.index + 1) stopped: \(l)\n" }
        }
        return out + ExperimentTable.slo(result.slo)
    }

    static func orderedScopes(_ result: RunResult) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for r in result.summary where !seen.contains(r.scope) { seen.insert(r.scope); out.append(r.scope) }
        return out
    }

    static func fmt(_ v: Double, _ digits: Int) -> String {
        if digits == 0 { return String(Int64(v.rounded())) }
        let a = abs(v)
        if a != 0 && (a < 1e-3 || a >= 1e7) { return String(format: "%.3e", v) }
        return String(format: "%.\(digits)g", v)
    }

    static func layout(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var s = ""
        for (k, r) in rows.enumerated() {
            s += r.enumerated().map { i, c in
                i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: widths[i] - c.count) + c
            }.joined(separator: "  ") + "\n"
            if k == 0 { s += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return s
    }
}
