import Experiments
import Foundation
import ScenarioSpec
import SimStats

/// `clustersim compare`: the table (plain or Markdown, for a pull request) and compare.csv.
public enum CompareReport {
    public enum Style: Sendable { case table, markdown }

    static func verdict(_ r: ComparisonRow) -> String {
        if r.regression { return "REGRESSION" }
        guard r.significant else { return "" }
        guard let w = r.worse else { return "differs" }
        let higher = r.difference.low > 0
        return (w == .higher) == higher ? "worse" : "better"
    }

    static func signed(_ v: Double, _ digits: Int = 4) -> String {
        v.isNaN ? "-" : (v >= 0 ? "+" : "") + SummaryTable.fmt(v, digits)
    }

    static func percent(_ v: Double) -> String {
        if v.isNaN { return "-" }
        if v.isInfinite { return v > 0 ? "+∞" : "−∞" }
        return (v >= 0 ? "+" : "") + String(format: "%.2f", v * 100) + "%"
    }

    public static func render(_ c: Comparison, style: Style) -> String {
        let conf = "\(Int((c.confidence * 100).rounded()))%"
        var head = ["scope", "metric", "baseline", "candidate", "difference (\(conf), paired)", "unpaired", "change", "verdict"]
        var rows: [[String]] = []
        for r in c.rows {
            func iv(_ i: Interval) -> String { "[\(signed(i.low)), \(signed(i.high))]" }
            rows.append([r.scope, r.metric + (r.unit == "ratio" || r.unit == "count" ? "" : " (\(r.unit))"),
                         SummaryTable.fmt(r.baseline.mean, 4), SummaryTable.fmt(r.candidate.mean, 4),
                         "\(signed(r.difference.mean)) \(iv(r.difference))", iv(r.unpaired), percent(r.relative), verdict(r)])
        }
        let regressions = c.rows.filter(\.regression)
        let threshold = ReportFormat.number(c.threshold * 100) + "%"
        let summary = regressions.isEmpty
            ? "No regression beyond \(threshold) (\(c.replications) paired replications, \(conf) intervals)."
            : "\(regressions.count) regression\(regressions.count == 1 ? "" : "s") beyond \(threshold): "
                + regressions.map { "\($0.metric) of \($0.scope) \(percent($0.relative))" }.joined(separator: "; ") + "."
        switch style {
        case .table:
            var out = "baseline:  \(c.baselineLabel)\ncandidate: \(c.candidateLabel)\n"
            out += "differences are candidate − baseline, paired replication by replication (common random numbers)\n\n"
            out += SummaryTable.layout([head] + rows)
            return out + summary + "\n"
        case .markdown:
            // What changed significantly first; every metric in a collapsed section below it.
            head = head.map { $0.replacingOccurrences(of: "|", with: "\\|") }
            func table(_ rows: [[String]]) -> String {
                var t = "| " + head.joined(separator: " | ") + " |\n"
                t += "|" + head.enumerated().map { i, _ in i < 2 || i == head.count - 1 ? "---" : "---:" }.joined(separator: "|") + "|\n"
                for r in rows {
                    var cells = r.map { $0.replacingOccurrences(of: "|", with: "\\|") }
                    if cells[7] == "REGRESSION" { cells[7] = "**REGRESSION**" }
                    t += "| " + cells.joined(separator: " | ") + " |\n"
                }
                return t
            }
            var out = "### clustersim compare\n\n"
            out += "**Baseline:** `\(c.baselineLabel)`  \n**Candidate:** `\(c.candidateLabel)`  \n"
            out += "Differences are candidate − baseline over \(c.replications) paired replications (common random numbers), \(conf) intervals; "
            out += "a regression is a significant change for the worse beyond \(threshold).\n\n"
            out += (regressions.isEmpty ? summary : "**" + summary + "**") + "\n\n"
            let changed = rows.filter { !$0[7].isEmpty }
            if changed.isEmpty {
                out += "No metric changed significantly.\n\n"
            } else {
                out += "Significant changes:\n\n" + table(changed) + "\n"
            }
            out += "<details><summary>All \(rows.count) metrics</summary>\n\n" + table(rows) + "\n</details>\n"
            return out
        }
    }

    public static func csv(_ c: Comparison) -> String {
        var s = ReportFormat.csvLine(["scope", "metric", "unit", "baseline_mean", "baseline_ci_low", "baseline_ci_high",
                                      "candidate_mean", "candidate_ci_low", "candidate_ci_high", "difference_mean",
                                      "difference_ci_low", "difference_ci_high", "unpaired_ci_low", "unpaired_ci_high",
                                      "relative_change", "replications", "verdict"])
        let n = ReportFormat.number
        for r in c.rows {
            s += ReportFormat.csvLine([r.scope, r.metric, r.unit, n(r.baseline.mean), n(r.baseline.low), n(r.baseline.high),
                                       n(r.candidate.mean), n(r.candidate.low), n(r.candidate.high), n(r.difference.mean),
                                       n(r.difference.low), n(r.difference.high), n(r.unpaired.low), n(r.unpaired.high),
                                       n(r.relative), String(r.difference.n), verdict(r).lowercased()])
        }
        return s
    }

    public static func write(_ c: Comparison, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try Reports.write([("compare.csv", csv(c)), ("compare.md", render(c, style: .markdown))], to: directory, optional: [])
    }
}

/// `clustersim plan`: the evidence table, plan.csv, and the summary and replications of every value
/// tried (as a sweep over them, in ascending order).
public enum PlanReport {
    static func sortedSteps(_ p: PlanResult) -> [PlanStep] { p.steps.sorted { $0.value < $1.value } }

    static func points(_ p: PlanResult) -> [ReportPoint] {
        sortedSteps(p).enumerated().map { i, step in
            var rp = ReportPoint(step.run)
            rp.index = i
            rp.values = [String(step.value)]
            rp.summary = step.run.summary.map { var r = $0; r.point = i; return r }
            return rp
        }
    }

    public static func csv(_ p: PlanResult) -> String {
        var s = ReportFormat.csvLine(["point", p.vary, "tried", "meets_all", "slo", "scope", "metric", "unit", "bound", "target",
                                      "mean", "ci_low", "ci_high", "result"])
        let order = Dictionary(p.steps.enumerated().map { ($1.value, $0 + 1) }, uniquingKeysWith: { a, _ in a })
        for (i, step) in sortedSteps(p).enumerated() {
            for o in step.slo {
                let iv = o.interval
                s += ReportFormat.csvLine([String(i), String(step.value), String(order[step.value] ?? 0), step.met ? "yes" : "no",
                                           o.slo.name, o.slo.scope, o.slo.metric, o.slo.unit, o.slo.bound.rawValue,
                                           ReportFormat.number(o.slo.value), ReportFormat.number(iv?.mean ?? .nan),
                                           ReportFormat.number(iv?.low ?? .nan), ReportFormat.number(iv?.high ?? .nan),
                                           o.met ? "pass" : "fail"])
            }
        }
        return s
    }

    public static func summaryCSV(_ p: PlanResult) -> String { Reports.summaryCSV(points(p), parameters: [p.vary]) }

    public static func write(_ p: PlanResult, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pts = points(p)
        _ = try Reports.write([("plan.csv", csv(p)), ("summary.csv", Reports.summaryCSV(pts, parameters: [p.vary])),
                               ("replications.csv", Reports.replicationsCSV(pts, parameters: [p.vary]))],
                              to: directory, optional: [])
    }

    public static func render(_ p: PlanResult) -> String {
        let conf = "\(Int((p.confidence * 100).rounded()))%"
        var out = "\(p.scenario.name): plan \(p.vary) in [\(p.range.lowerBound), \(p.range.upperBound)] by \(p.search.rawValue), "
        out += "\(p.scenario.replications) replications per value, SLOs judged on the worse end of \(conf) intervals\n\n"
        var rows: [[String]] = [["tried", p.vary, "result"] + (p.steps.first?.slo.map(\.slo.name) ?? [])]
        for (i, step) in p.steps.enumerated() {
            var r = [String(i + 1), String(step.value), step.met ? "meets" : (step.run.limitHit ? "LIMIT" : "fails")]
            for o in step.slo {
                let iv = o.interval
                let cell = iv.map { $0.n > 0 && !$0.mean.isNaN ? "\(SummaryTable.fmt($0.low, 4)) … \(SummaryTable.fmt($0.high, 4))" : "-" } ?? "-"
                r.append(cell + (o.met ? " ok" : " ✗"))
            }
            rows.append(r)
        }
        out += SummaryTable.layout(rows)
        out += "bounds: " + (p.steps.first?.slo.map { "\($0.slo.name) \($0.slo.metric) of \($0.slo.scope) \($0.slo.bound.rawValue) \($0.slo.text)" }
                                .joined(separator: "; ") ?? "") + "\n"
        if let a = p.answer {
            out += "answer: \(p.vary) = \(a) (\(p.explanation))\n"
        } else {
            out += "no answer: \(p.explanation)\n"
        }
        return out
    }
}
