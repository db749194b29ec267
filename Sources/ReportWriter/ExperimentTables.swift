import ClusterModels
import Experiments
import Foundation
import ScenarioSpec
import SimStats

/// Readable tables of SLOs, sweeps and plans, printed on standard output.
public enum ExperimentTable {
    /// The SLO section: one row per outcome, pass or FAIL.
    public static func slo(_ outcomes: [SLOOutcome], values: [Int: [String]] = [:], parameters: [String] = []) -> String {
        guard !outcomes.isEmpty else { return "" }
        let withPoints = !parameters.isEmpty
        var rows: [[String]] = [(withPoints ? ["point"] : []) + ["slo", "scope", "metric", "bound", "mean", "interval", "result"]]
        for o in outcomes {
            let iv = o.interval
            let mean = iv.map { $0.n > 0 && !$0.mean.isNaN ? SummaryTable.fmt($0.mean, 4) : "-" } ?? "-"
            let interval = iv.map { $0.n > 0 && !$0.mean.isNaN ? "\(SummaryTable.fmt($0.low, 4)) … \(SummaryTable.fmt($0.high, 4))" : "-" } ?? "-"
            let unit = o.slo.unit == "ratio" || o.slo.unit == "count" ? "" : " " + o.slo.unit
            rows.append((withPoints ? [String(o.point)] : []) + [o.slo.name, o.slo.scope, o.slo.metric, "\(o.slo.bound.rawValue) \(o.slo.text)",
                         mean + unit, interval, o.met ? "pass" : "FAIL"])
        }
        let failed = outcomes.filter { !$0.met }.count
        return "\n" + SummaryTable.layout(rows)
            + (failed == 0 ? "SLOs: all \(outcomes.count) met\n" : "SLOs: \(failed) of \(outcomes.count) not met (the interval's worse end must meet the bound)\n")
    }

    /// One row per point: its parameter values, the headline estimates of scope `all`, its SLOs.
    public static func sweep(_ r: SweepResult) -> String {
        let info = r.info
        var out = "\(info.name): sweep of \(info.points.count) point\(info.points.count == 1 ? "" : "s") × \(info.replications) replication\(info.replications == 1 ? "" : "s"), "
        out += "seed \(info.seed), \(Int((info.confidence * 100).rounded()))% intervals\n"
        // The highest percentile reported (the last latency_p… row of scope all).
        let tail = r.points.first?.summary.last { $0.scope == "all" && $0.metric.hasPrefix("latency_p") }?.metric
        var header = ["point"] + info.parameters + ["throughput/s", "mean ms"]
        if let tail { header.append(tail.replacingOccurrences(of: "latency_", with: "") + " ms") }
        header.append("errors")
        if !info.slos.isEmpty { header.append("slo") }
        var rows: [[String]] = [header]
        for p in r.points {
            func cell(_ metric: String, scale: Double = 1) -> String {
                guard let row = p.summary.first(where: { $0.scope == "all" && $0.metric == metric }), row.interval.n > 0,
                      row.interval.mean.isFinite else { return "-" }
                let iv = row.interval
                let m = SummaryTable.fmt(iv.mean * scale, 4)
                return iv.n < 2 ? m : "\(m) ±\(SummaryTable.fmt(iv.halfWidth * scale, 3))"
            }
            var row = [String(p.index)] + p.values + [cell("throughput"), cell("latency_mean", scale: 1000)]
            if let tail { row.append(cell(tail, scale: 1000)) }
            row.append(cell("error_rate"))
            if !info.slos.isEmpty {
                let failed = p.slo.filter { !$0.met }.map(\.slo.name)
                row.append(failed.isEmpty ? "pass" : "FAIL " + failed.joined(separator: ","))
            }
            rows.append(row)
        }
        out += "\n" + SummaryTable.layout(rows)
        let failed = r.points.flatMap(\.slo).filter { !$0.met }
        if !info.slos.isEmpty {
            let total = r.points.flatMap(\.slo).count
            out += failed.isEmpty ? "SLOs: all \(total) met (\(info.slos.count) per point)\n"
                                  : "SLOs: \(failed.count) of \(total) not met:\n"
            for o in failed { out += "  point \(o.point) \(o.slo.name): \(Reports.sloMessage(o))\n" }
        }
        for p in r.points {
            for rep in p.replications {
                if let l = rep.limitMessage { out += "LIMIT: point \(p.index) replication \(rep.index + 1) stopped: \(l)\n" }
            }
        }
        return out
    }
}
