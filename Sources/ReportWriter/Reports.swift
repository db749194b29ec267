import ClusterModels
import Experiments
import Foundation
import ScenarioSpec

/// Writes the report files of spec/reports.md: summary.csv, replications.csv, timeseries.csv and,
/// when asked, events.jsonl. Each file is written to a temporary name and renamed into place, so a
/// reader never sees half a file.
public enum Reports {
    public static func summaryCSV(_ result: RunResult) -> String {
        summaryCSV([ReportPoint(result)], parameters: [])
    }

    public static func replicationsCSV(_ result: RunResult) -> String {
        replicationsCSV([ReportPoint(result)], parameters: [])
    }

    public static func timeseriesCSV(_ result: RunResult) -> String {
        timeseriesCSV([ReportPoint(result)])
    }

    /// events.jsonl: per replication, the warm-up chosen, any limit hit, and the end of the run.
    public static func eventsJSONL(_ result: RunResult) -> String {
        eventsJSONL([ReportPoint(result)], sweep: false)
    }

    // The files of a plain run and of a sweep are written by the same code: a plain run is point 0
    // with no parameter columns (spec/reports.md, "Files").

    static func summaryCSV(_ points: [ReportPoint], parameters: [String]) -> String {
        var s = ReportFormat.csvLine(["point"] + parameters + ["scope", "metric", "unit", "mean", "ci_low", "ci_high", "stddev", "replications"])
        for p in points {
            for r in p.summary {
                let iv = r.interval
                s += ReportFormat.csvLine([String(r.point)] + p.values + [r.scope, r.metric, r.unit, ReportFormat.number(iv.mean),
                                          ReportFormat.number(iv.low), ReportFormat.number(iv.high),
                                          ReportFormat.number(iv.stddev), String(iv.n)])
            }
        }
        return s
    }

    static func replicationsCSV(_ points: [ReportPoint], parameters: [String]) -> String {
        var s = ReportFormat.csvLine(["point"] + parameters + ["replication", "seed", "scope", "metric", "unit", "value"])
        for p in points {
            let head = [String(p.index)] + p.values
            for rep in p.replications {
                for m in rep.metrics {
                    s += ReportFormat.csvLine(head + [String(rep.index + 1), String(rep.seed), m.scope, m.metric, m.unit,
                                                      ReportFormat.number(m.value)])
                }
            }
        }
        return s
    }

    static func timeseriesCSV(_ points: [ReportPoint]) -> String {
        var s = ReportFormat.csvLine(["point", "replication", "time", "scope", "metric", "value"])
        for p in points {
            for rep in p.replications {
                for row in rep.timeseries {
                    s += ReportFormat.csvLine([String(p.index), String(rep.index + 1), ReportFormat.number(row.time), row.scope,
                                               row.metric, ReportFormat.number(row.value)])
                }
            }
        }
        return s
    }

    /// In a sweep every line also names its `point`.
    static func eventsJSONL(_ points: [ReportPoint], sweep: Bool) -> String {
        var s = ""
        for p in points {
            let pt = sweep ? "\"point\": \(p.index), " : ""
            for rep in p.replications {
                let r = rep.index + 1
                s += "{\"time\": \(ReportFormat.number(Double(rep.warmup) / 1e9)), \(pt)\"replication\": \(r), \"kind\": \"warmup\", "
                    + "\"mser_at_limit\": \(rep.mserAtLimit)}\n"
                if let l = rep.limitMessage {
                    s += "{\"time\": \(ReportFormat.number(Double(rep.endTime) / 1e9)), \(pt)\"replication\": \(r), \"kind\": \"limit\", "
                        + "\"message\": \(ReportFormat.jsonString(l))}\n"
                }
                s += "{\"time\": \(ReportFormat.number(Double(rep.endTime) / 1e9)), \(pt)\"replication\": \(r), \"kind\": \"end\", "
                    + "\"events\": \(rep.events)}\n"
            }
        }
        return s
    }

    /// traces.json: the sampled requests' spans in Chrome's trace event format (Perfetto and
    /// chrome://tracing open it). Each request is a process (`pid`: replication × 10⁶ + trace), each
    /// span a thread of it, so parallel calls show side by side; times in microseconds.
    public static func tracesJSON(_ result: RunResult) -> String {
        var endpointNames: [String] = []
        for s in result.scenario.services { for e in s.endpoints { endpointNames.append("\(s.name).\(e.name)") } }
        var events: [String] = []
        for rep in result.replications {
            for t in rep.traces {
                let pid = (rep.index + 1) * 1_000_000 + Int(t.trace)
                let service = result.scenario.services[Int(t.service)].name
                let outcome: String
                switch t.outcome {
                case .ok: outcome = "ok"
                case .error: outcome = "error"
                case .timeout: outcome = "timeout"
                case .rejected: outcome = "rejected"
                }
                events.append("{\"name\": \(ReportFormat.jsonString(endpointNames[Int(t.endpoint)])), \"cat\": \(ReportFormat.jsonString(service)), "
                    + "\"ph\": \"X\", \"ts\": \(ReportFormat.number(Double(t.start) / 1e3)), "
                    + "\"dur\": \(ReportFormat.number(Double(t.end - t.start) / 1e3)), \"pid\": \(pid), \"tid\": \(t.span), "
                    + "\"args\": {\"replication\": \(rep.index + 1), \"trace\": \(t.trace), \"span\": \(t.span), "
                    + "\"parent\": \(t.parent), \"instance\": \(ReportFormat.jsonString("\(service)/\(t.instance)")), "
                    + "\"outcome\": \"\(outcome)\"}}")
            }
        }
        return "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n" + events.joined(separator: ",\n") + "\n]}\n"
    }

    /// The whole run as one JSON document (`--format json`): keys in a fixed order.
    public static func json(_ result: RunResult) -> String {
        var s = "{\n  \"scenario\": \(ReportFormat.jsonString(result.scenario.name)),\n"
        s += "  \"seed\": \(result.scenario.seed),\n  \"replications\": \(result.replications.count),\n"
        s += "  \"confidence\": \(ReportFormat.number(result.scenario.confidence)),\n"
        s += "  \"limits_hit\": [" + result.replications.compactMap { r in
            r.limitMessage.map { "{\"replication\": \(r.index + 1), \"message\": \(ReportFormat.jsonString($0))}" }
        }.joined(separator: ", ") + "],\n"
        s += "  \"summary\": [\n"
        s += result.summary.map { r in
            let iv = r.interval
            return "    {\"point\": \(r.point), \"scope\": \(ReportFormat.jsonString(r.scope)), \"metric\": \(ReportFormat.jsonString(r.metric)), "
                + "\"unit\": \(ReportFormat.jsonString(r.unit)), \"mean\": \(ReportFormat.jsonNumber(iv.mean)), "
                + "\"ci_low\": \(ReportFormat.jsonNumber(iv.low)), \"ci_high\": \(ReportFormat.jsonNumber(iv.high)), "
                + "\"stddev\": \(ReportFormat.jsonNumber(iv.stddev)), \"replications\": \(iv.n)}"
        }.joined(separator: ",\n")
        s += "\n  ]\n}\n"
        return s
    }

    /// Writes every report file into `directory` (created if needed). Returns the paths written.
    @discardableResult
    public static func write(_ result: RunResult, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [(String, String)] = [
            ("summary.csv", summaryCSV(result)),
            ("replications.csv", replicationsCSV(result)),
            ("timeseries.csv", timeseriesCSV(result)),
        ]
        if result.scenario.output.events { files.append(("events.jsonl", eventsJSONL(result))) }
        if !result.slo.isEmpty { files.append(("slo.csv", sloCSV(result.slo, points: [ReportPoint(result)], parameters: []))) }
        if result.scenario.output.traces > 0 { files.append(("traces.json", tracesJSON(result))) }
        return try write(files, to: directory, optional: ["events.jsonl", "slo.csv", "traces.json"])
    }

    /// Writes `files` atomically; an optional file not among them is removed, since one left by an
    /// earlier run into the same folder would be mistaken for this run's.
    ///
    /// Every file goes to `NAME.tmp`; then each is synced to disk, then each is renamed into place,
    /// then the folder is synced once: after a crash each file is the old one or the new one, never
    /// half of one, as with one ``atomicWrite(_:to:)`` per file, but with n + 1 syncs instead of 3n
    /// (a sync took 0.1–100 ms on a virtual disk, more than writing the reports). All files are
    /// written before the first sync: on a journalling file system that sync commits the others'
    /// new files too, and theirs find little left to do.
    static func write(_ files: [(String, String)], to directory: String, optional: [String]) throws -> [String] {
        for name in optional where !files.contains(where: { $0.0 == name }) {
            let stale = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: stale) { try FileManager.default.removeItem(atPath: stale) }
        }
        var written: [String] = []
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        do {
            for (name, text) in files {
                let path = (directory as NSString).appendingPathComponent(name)
                written.append(path)
                fds.append(try writeUnsynced(text, to: path + ".tmp"))
            }
            for (k, fd) in fds.enumerated() where fsync(fd) != 0 { throw fileError(written[k] + ".tmp") }
        } catch {
            // Nothing was renamed yet: the folder keeps the previous run's files, without our temporaries.
            for path in written { unlink(path + ".tmp") }
            throw error
        }
        for path in written { try renameOver(path + ".tmp", path) }
        if let first = written.first { Durable.syncDirectory(of: first) }
        return written
    }

    /// Writes to `path.tmp`, syncs it to disk, then renames it over `path` (rename(2) replaces the
    /// old file in one step: a reader, or a crash, sees the old file or the new one, never half).
    public static func atomicWrite(_ text: String, to path: String) throws {
        try writeSynced(text, to: path + ".tmp")
        try renameOver(path + ".tmp", path)
        Durable.syncDirectory(of: path)
    }

    /// Creates or truncates `path`, writes `text` and syncs it (one fsync(2), nothing else).
    static func writeSynced(_ text: String, to path: String) throws {
        let fd = try writeUnsynced(text, to: path)
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fileError(path) }
    }

    /// Creates or truncates `path` and writes `text`; returns the open descriptor, for the caller
    /// to sync and close.
    static func writeUnsynced(_ text: String, to path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw fileError(path) }
        guard Durable.writeAll(fd, Array(text.utf8)) else {
            let e = fileError(path)
            close(fd)
            throw e
        }
        return fd
    }

    static func renameOver(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw fileError(to) }
    }

    /// The error of the last failed system call on `path`, for "cannot write reports to …: …".
    static func fileError(_ path: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                                 NSLocalizedDescriptionKey: "\(path): \(String(cString: strerror(errno)))"])
    }
}
