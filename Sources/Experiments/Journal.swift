import ClusterModels
import Foundation
import ScenarioSpec
import SimKernel

/// What a sweep's report files need besides the units' results: written at the head of every unit
/// journal, so that `clustersim merge` can write the files one machine would have written without
/// the scenario file, and can refuse shards of another scenario or version.
public struct SweepInfo: Sendable, Equatable {
    public var version: String
    public var name: String
    public var fingerprint: String
    public var seed: UInt64
    public var confidence: Double
    public var replications: Int
    public var events: Bool
    public var parameters: [String]
    /// Per point, the value of each parameter as written.
    public var points: [[String]]
    public var slos: [SLO]

    public init(scenario: Scenario, version: String) {
        self.version = version
        name = scenario.name
        fingerprint = scenario.fingerprint
        seed = scenario.seed
        confidence = scenario.confidence
        replications = scenario.replications
        events = scenario.output.events
        parameters = scenario.sweep?.parameters ?? []
        points = scenario.sweep?.points.map(\.values) ?? [[]]
        // Where an SLO was written is not part of the sweep: a journal does not keep it.
        slos = scenario.slos.map { o in
            SLO(name: o.name, scope: o.scope, metric: o.metric, unit: o.unit, bound: o.bound, value: o.value, text: o.text)
        }
    }

    init(version: String, name: String, fingerprint: String, seed: UInt64, confidence: Double, replications: Int,
         events: Bool, parameters: [String], points: [[String]], slos: [SLO]) {
        self.version = version; self.name = name; self.fingerprint = fingerprint; self.seed = seed
        self.confidence = confidence; self.replications = replications; self.events = events
        self.parameters = parameters; self.points = points; self.slos = slos
    }

    /// Units: every point × replication, numbered point-major (`point × replications + replication`).
    public var unitCount: Int { points.count * replications }
}

/// One finished unit: a replication of a point.
public struct UnitResult: Sendable {
    public var point: Int
    public var result: ReplicationResult
    public init(point: Int, result: ReplicationResult) { self.point = point; self.result = result }
}

/// A problem with a journal or a shard directory (exit code 2).
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) { self.message = message; self.hint = hint }
    public var description: String { "error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "") }
}

/// The unit journal (`units.journal` in the output directory): a header, then one record per
/// finished unit, appended and fsync'd as each unit finishes. After a crash the records written
/// are intact, and a torn last record is recognised (it has no end line) and dropped, so
/// `--resume` reruns only what is missing. A shard's journal is its output for `clustersim merge`.
///
/// Text, tab-separated, one field per column; strings escaped (`\\`, `\t`, `\n`, `\r`); numbers in
/// Swift's shortest round-trip spelling, so a unit read back is bit for bit the unit written.
public enum Journal {
    public static let fileName = "units.journal"
    static let magic = "clustersim-units\t1"

    // MARK: Encoding

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = "", escaping = false
        for c in s.unicodeScalars {
            if escaping {
                switch c {
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.unicodeScalars.append(c)
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func line(_ fields: [String]) -> String { fields.joined(separator: "\t") + "\n" }
    static func num(_ v: Double) -> String { "\(v)" }

    public static func header(_ info: SweepInfo, shard: Shard) -> String {
        var s = magic + "\n"
        s += line(["version", escape(info.version)])
        s += line(["name", escape(info.name)])
        s += line(["fingerprint", escape(info.fingerprint)])
        s += line(["seed", String(info.seed)])
        s += line(["confidence", num(info.confidence)])
        s += line(["replications", String(info.replications)])
        s += line(["events", info.events ? "1" : "0"])
        for p in info.parameters { s += line(["parameter", escape(p)]) }
        for values in info.points { s += line(["point"] + values.map(escape)) }
        for o in info.slos {
            s += line(["slo", escape(o.name), escape(o.scope), escape(o.metric), escape(o.unit), o.bound.rawValue,
                       num(o.value), escape(o.text)])
        }
        s += line(["shard", String(shard.index), String(shard.count)])
        s += "units\n"
        return s
    }

    static func stopText(_ s: StopReason) -> [String] {
        switch s {
        case .horizon: return ["horizon", ""]
        case .requests: return ["requests", ""]
        case .maxEvents: return ["max_events", ""]
        case .drained: return ["drained", ""]
        case .model(let why): return ["model", escape(why)]
        }
    }

    static func stopReason(_ kind: Substring, _ text: Substring) -> StopReason? {
        switch kind {
        case "horizon": return .horizon
        case "requests": return .requests
        case "max_events": return .maxEvents
        case "drained": return .drained
        case "model": return .model(unescape(text))
        default: return nil
        }
    }

    /// The record of one unit (several lines, ending with its `E` line).
    public static func record(_ u: UnitResult) -> String {
        let r = u.result
        var s = line(["U", String(u.point), String(r.index), String(r.seed), String(r.endTime), String(r.events),
                      String(r.warmup), r.mserAtLimit ? "1" : "0", r.timeseriesTruncated ? "1" : "0",
                      r.warmupCoversRun ? "1" : "0"] + stopText(r.stop)
                     + [r.limitMessage.map { "+" + escape($0) } ?? "-", String(r.metrics.count), String(r.timeseries.count)])
        for m in r.metrics { s += line(["M", escape(m.scope), escape(m.metric), escape(m.unit), num(m.value)]) }
        for t in r.timeseries { s += line(["T", num(t.time), escape(t.scope), escape(t.metric), num(t.value)]) }
        s += line(["E", String(u.point), String(r.index)])
        return s
    }

    // MARK: Decoding

    /// A journal read back: its header, its shard, and the complete unit records in file order.
    public struct Contents: Sendable {
        public var info: SweepInfo
        public var shard: Shard
        public var units: [UnitResult]
        /// Bytes of the complete part (header and whole records); a torn tail lies past it.
        public var validBytes: Int
    }

    public static func read(path: String) throws(JournalError) -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalError("cannot read \(path)", hint: "a sweep writes \(fileName) into its --out directory")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    static func parse(_ text: String, path: String) throws(JournalError) -> Contents {
        // Only whole lines count: a write cut short leaves a line without its newline.
        var lines: [Substring] = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()   // "" after the last newline, or the torn last line
        var i = 0
        func bad(_ what: String) -> JournalError {
            JournalError("\(path) is not a clustersim unit journal (\(what))",
                         hint: "merge and --resume read the \(fileName) a sweep writes; was it written by another program or version?")
        }
        guard i < lines.count, lines[i] == Substring(magic) else { throw bad("no header") }
        i += 1
        var fields: [String: [Substring]] = [:]
        var parameters: [String] = [], points: [[String]] = [], slos: [SLO] = []
        var shard: Shard? = nil
        var headerDone = false
        while i < lines.count {
            let f = lines[i].split(separator: "\t", omittingEmptySubsequences: false)
            i += 1
            guard let key = f.first else { continue }
            switch key {
            case "units": headerDone = true
            case "parameter": parameters.append(unescape(f.count > 1 ? f[1] : ""))
            case "point": points.append(f.dropFirst().map(unescape))
            case "slo":
                guard f.count == 8, let bound = SLO.Bound(rawValue: String(f[5])), let v = Double(String(f[6])) else { throw bad("slo line") }
                slos.append(SLO(name: unescape(f[1]), scope: unescape(f[2]), metric: unescape(f[3]), unit: unescape(f[4]),
                                bound: bound, value: v, text: unescape(f[7])))
            case "shard":
                guard f.count == 3, let k = Int(f[1]), let n = Int(f[2]), n >= 1, k >= 1, k <= n else { throw bad("shard line") }
                shard = Shard(index: k, count: n)
            default: fields[String(key)] = Array(f.dropFirst())
            }
            if headerDone { break }
        }
        guard headerDone, let shard else { throw bad("incomplete header") }
        guard !points.isEmpty, points.allSatisfy({ $0.count == parameters.count }) else { throw bad("points and parameters do not match") }
        func value(_ k: String) throws(JournalError) -> Substring {
            guard let v = fields[k]?.first else { throw bad("no \(k)") }
            return v
        }
        guard let seed = UInt64(String(try value("seed"))), let confidence = Double(String(try value("confidence"))),
              let reps = Int(String(try value("replications"))), reps >= 1 else { throw bad("header values") }
        let info = SweepInfo(version: unescape(try value("version")), name: unescape(try value("name")),
                             fingerprint: unescape(try value("fingerprint")), seed: seed, confidence: confidence,
                             replications: reps, events: try value("events") == "1", parameters: parameters,
                             points: points, slos: slos)
        var validBytes = 0
        for l in lines[0..<i] { validBytes += l.utf8.count + 1 }
        var units: [UnitResult] = []
        // Records; an incomplete one at the end (a crash mid-write) is dropped.
        while i < lines.count {
            let start = i
            guard let u = unit(lines, &i) else {
                if i >= lines.count { break }   // ran out of lines: a torn tail
                throw bad("a damaged record at line \(start + 1)")
            }
            guard u.point >= 0, u.point < info.points.count, u.result.index >= 0, u.result.index < reps else {
                throw bad("a unit out of range at line \(start + 1)")
            }
            units.append(u)
            for l in lines[start..<i] { validBytes += l.utf8.count + 1 }
        }
        return Contents(info: info, shard: shard, units: units, validBytes: validBytes)
    }

    /// Reads one record starting at `i`; nil when it is damaged or cut short (then `i` is past the end
    /// when it was cut short).
    private static func unit(_ lines: [Substring], _ i: inout Int) -> UnitResult? {
        let f = lines[i].split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 15, f[0] == "U", let point = Int(f[1]), let rep = Int(f[2]), let seed = UInt64(f[3]),
              let end = Int64(f[4]), let events = Int64(f[5]), let warm = Int64(f[6]),
              let stop = stopReason(f[10], f[11]), let nm = Int(f[13]), let nt = Int(f[14]), nm >= 0, nt >= 0 else { return nil }
        let limit: String? = f[12] == "-" ? nil : unescape(f[12].dropFirst())
        i += 1
        var metrics: [MetricValue] = []
        metrics.reserveCapacity(min(nm, lines.count - i))   // a damaged count must not allocate wildly
        for _ in 0..<nm {
            guard i < lines.count else { i = lines.count; return nil }
            let m = lines[i].split(separator: "\t", omittingEmptySubsequences: false)
            guard m.count == 5, m[0] == "M", let v = Double(String(m[4])) else { return nil }
            metrics.append(MetricValue(scope: unescape(m[1]), metric: unescape(m[2]), unit: unescape(m[3]), value: v))
            i += 1
        }
        var series: [SeriesRow] = []
        series.reserveCapacity(min(nt, lines.count - i))
        for _ in 0..<nt {
            guard i < lines.count else { i = lines.count; return nil }
            let t = lines[i].split(separator: "\t", omittingEmptySubsequences: false)
            guard t.count == 5, t[0] == "T", let time = Double(String(t[1])), let v = Double(String(t[4])) else { return nil }
            series.append(SeriesRow(time: time, scope: unescape(t[2]), metric: unescape(t[3]), value: v))
            i += 1
        }
        guard i < lines.count else { i = lines.count; return nil }
        let e = lines[i].split(separator: "\t")
        guard e.count == 3, e[0] == "E", Int(e[1]) == point, Int(e[2]) == rep else { return nil }
        i += 1
        let r = ReplicationResult(index: rep, seed: seed, metrics: metrics, stop: stop, limitMessage: limit, endTime: end,
                                  events: events, warmup: warm, mserAtLimit: f[7] == "1", timeseries: series,
                                  timeseriesTruncated: f[8] == "1", warmupCoversRun: f[9] == "1")
        return UnitResult(point: point, result: r)
    }
}

/// Appends unit records to a journal, each followed by fsync, from any thread.
public final class JournalWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let fd: Int32
    public let path: String

    /// Starts a fresh journal: the header is written to a temporary file, synced and renamed into
    /// place, so a journal on disk always has a whole header.
    public static func create(path: String, header: String) throws(JournalError) -> JournalWriter {
        let tmp = path + ".tmp"
        guard writeSynced(header, to: tmp), rename(tmp, path) == 0 else {
            throw JournalError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        Durable.syncDirectory(of: path)
        return try open(path: path)
    }

    /// Continues a journal after its last complete record (a torn tail is cut off first).
    public static func resume(path: String, validBytes: Int) throws(JournalError) -> JournalWriter {
        guard truncate(path, off_t(validBytes)) == 0 else {
            throw JournalError("cannot continue \(path): \(String(cString: strerror(errno)))")
        }
        return try open(path: path)
    }

    private static func open(path: String) throws(JournalError) -> JournalWriter {
        let fd = Foundation.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        return JournalWriter(fd: fd, path: path)
    }

    private init(fd: Int32, path: String) { self.fd = fd; self.path = path }
    deinit { close(fd) }

    private static func writeSynced(_ text: String, to path: String) -> Bool {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Durable.writeAll(fd, Array(text.utf8)) && fsync(fd) == 0
    }

    /// Appends one unit and syncs it to disk before returning.
    public func append(_ unit: UnitResult) throws(JournalError) {
        let bytes = Array(Journal.record(unit).utf8)
        lock.lock(); defer { lock.unlock() }
        guard Durable.writeAll(fd, bytes), fsync(fd) == 0 else {
            throw JournalError("cannot append to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Making a rename survive a power cut: the directory entry is on disk only once the directory
/// itself is synced (fsync(2) on a file does not cover its name).
public enum Durable {
    /// Writes all of `bytes` to `fd`, retrying after interrupts and short writes; false (with
    /// `errno` set) when a write fails.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    public static func syncDirectory(of path: String) {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = Foundation.open(dir.isEmpty ? "." : dir, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
