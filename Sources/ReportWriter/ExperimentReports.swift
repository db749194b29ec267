import Experiments
import Foundation
import ScenarioSpec
import SimStats

/// One point's rows, the unit the CSV writers work on (a plain run is point 0 without parameters).
struct ReportPoint {
    var index: Int
    var values: [String]
    var replications: [ReplicationResult]
    var summary: [SummaryRow]

    init(_ r: RunResult) { index = 0; values = []; replications = r.replications; summary = r.summary }
    init(_ p: PointResult) { index = p.index; values = p.values; replications = p.replications; summary = p.summary }
}

extension Reports {
    // MARK: Sweeps

    public static func summaryCSV(_ sweep: SweepResult) -> String {
        summaryCSV(sweep.points.map(ReportPoint.init), parameters: sweep.info.parameters)
    }

    public static func replicationsCSV(_ sweep: SweepResult) -> String {
        replicationsCSV(sweep.points.map(ReportPoint.init), parameters: sweep.info.parameters)
    }

    public static func timeseriesCSV(_ sweep: SweepResult) -> String {
        timeseriesCSV(sweep.points.map(ReportPoint.init))
    }

    public static func eventsJSONL(_ sweep: SweepResult) -> String {
        eventsJSONL(sweep.points.map(ReportPoint.init), sweep: true)
    }

    public static func sloCSV(_ sweep: SweepResult) -> String {
        sloCSV(sweep.points.flatMap(\.slo), points: sweep.points.map(ReportPoint.init), parameters: sweep.info.parameters)
    }

    /// slo.csv of a plain run.
    public static func sloCSV(_ outcomes: [SLOOutcome], point0 run: RunResult) -> String {
        sloCSV(outcomes, points: [ReportPoint(run)], parameters: [])
    }

    /// slo.csv: one row per (point, SLO), in point order then file order.
    static func sloCSV(_ outcomes: [SLOOutcome], points: [ReportPoint], parameters: [String]) -> String {
        var s = ReportFormat.csvLine(["point"] + parameters + ["slo", "scope", "metric", "unit", "bound", "target", "mean",
                                                               "ci_low", "ci_high", "result"])
        let values = Dictionary(points.map { ($0.index, $0.values) }, uniquingKeysWith: { a, _ in a })
        for o in outcomes {
            let iv = o.interval
            s += ReportFormat.csvLine([String(o.point)] + (values[o.point] ?? []) + [
                o.slo.name, o.slo.scope, o.slo.metric, o.slo.unit, o.slo.bound.rawValue, ReportFormat.number(o.slo.value),
                ReportFormat.number(iv?.mean ?? .nan), ReportFormat.number(iv?.low ?? .nan), ReportFormat.number(iv?.high ?? .nan),
                o.met ? "pass" : "fail"])
        }
        return s
    }

    /// Writes a sweep's report files (the same files whether it ran on one machine or was merged).
    @discardableResult
    public static func write(_ sweep: SweepResult, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [(String, String)] = [
            ("summary.csv", summaryCSV(sweep)),
            ("replications.csv", replicationsCSV(sweep)),
            ("timeseries.csv", timeseriesCSV(sweep)),
        ]
        if sweep.info.events { files.append(("events.jsonl", eventsJSONL(sweep))) }
        if !sweep.info.slos.isEmpty { files.append(("slo.csv", sloCSV(sweep))) }
        return try write(files, to: directory, optional: ["events.jsonl", "slo.csv"])
    }

    // MARK: JUnit

    /// JUnit XML with one test case per SLO and point, so CI systems (GitHub Actions, GitLab,
    /// Jenkins) show each objective as a test. No timestamps or durations: the same results give
    /// the same bytes.
    public static func junit(name: String, outcomes: [SLOOutcome], parameters: [String], values: [Int: [String]]) -> String {
        let failures = outcomes.filter { !$0.met }.count
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<testsuites name=\"clustersim\" tests=\"\(outcomes.count)\" failures=\"\(failures)\">\n"
        s += "  <testsuite name=\"\(xml(name))\" tests=\"\(outcomes.count)\" failures=\"\(failures)\">\n"
        for o in outcomes {
            var caseName = o.slo.name
            if !parameters.isEmpty {
                let vs = values[o.point] ?? []
                let desc = zip(parameters, vs).map { "\($0)=\($1)" }.joined(separator: ", ")
                caseName += " [point \(o.point): \(desc)]"
            }
            s += "    <testcase classname=\"\(xml(name)).slo\" name=\"\(xml(caseName))\""
            if o.met {
                s += "/>\n"
            } else {
                s += ">\n      <failure message=\"\(xml(sloMessage(o)))\" type=\"slo\"/>\n    </testcase>\n"
            }
        }
        s += "  </testsuite>\n</testsuites>\n"
        return s
    }

    /// `latency_p99 of all: interval 0.21 … 0.27 s, its worse end 0.27 s is above max 250ms`.
    public static func sloMessage(_ o: SLOOutcome) -> String {
        let what = "\(o.slo.metric) of \(o.slo.scope)"
        guard let iv = o.interval, !iv.mean.isNaN else { return "\(what): no value (no request finished after warm-up?)" }
        let end = o.slo.worseEnd(low: iv.low, high: iv.high)
        let rel = o.slo.bound == .max ? "above max" : "below min"
        let ok = o.slo.bound == .max ? "within max" : "within min"
        let f = { (v: Double) in SummaryTable.fmt(v, 4) }
        let unit = o.slo.unit == "ratio" || o.slo.unit == "count" ? "" : " " + o.slo.unit
        return "\(what): mean \(f(iv.mean))\(unit), interval \(f(iv.low)) … \(f(iv.high))\(unit); "
            + "its worse end \(f(end))\(unit) is \(o.met ? ok : rel) \(o.slo.text)"
    }

    static func xml(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if c.value < 0x20 && c != "\n" && c != "\t" { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }
}
