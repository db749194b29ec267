import ClusterModels
import SimKernel
import SimRandom
import Workloads

/// A place in a scenario file (1-based line and column).
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a scenario, rendered compiler style (spec/reports.md, "Commands").
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    public var hint: String?
    /// The text of the offending line, shown with a caret under `location.column`.
    public var sourceLine: String?

    public init(_ severity: Severity = .error, _ message: String, at location: SourceLocation?,
                hint: String? = nil, sourceLine: String? = nil) {
        self.severity = severity; self.message = message; self.location = location
        self.hint = hint; self.sourceLine = sourceLine
    }

    /// `FILE:LINE:COL: error: message`, the source line with a caret, then `hint: …`.
    public var description: String {
        var s = ""
        if let l = location { s += "\(l): " }
        s += "\(severity.rawValue): \(message)"
        if let src = sourceLine, let l = location {
            s += "\n" + src + "\n" + String(repeating: " ", count: max(0, l.column - 1)) + "^"
        }
        if let h = hint { s += "\nhint: \(h)" }
        return s
    }
}

/// Thrown when a scenario has errors: every diagnostic found, not only the first.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// How much of each replication's start is discarded before estimates are taken.
public enum Warmup: Sendable, Equatable {
    /// MSER-5 picks the truncation point per replication.
    case auto
    /// A fixed duration (0 keeps everything).
    case fixed(SimDuration)
}

/// Hard limits: hitting one ends the replication with a row saying so (exit code 3).
public struct Limits: Sendable, Equatable {
    public var maxEvents: Int64
    public var maxInFlight: Int
    /// Calls nested deeper than this fail (a recursive call chain with probability below 1).
    public var maxCallDepth: Int
    public init(maxEvents: Int64 = 2_000_000_000, maxInFlight: Int = 1_000_000, maxCallDepth: Int = Cluster.defaultMaxCallDepth) {
        self.maxEvents = maxEvents; self.maxInFlight = maxInFlight; self.maxCallDepth = maxCallDepth
    }
}

/// What to write out.
public struct OutputConfig: Sendable, Equatable {
    /// Latency percentiles reported, in percent (50 → latency_p50, 99.9 → latency_p999).
    public var percentiles: [Double]
    /// Sampling interval of timeseries.csv; nil writes no samples.
    public var timeseries: SimDuration?
    /// Write events.jsonl.
    public var events: Bool
    /// Fraction of workload requests traced into traces.json (0: none).
    public var traces: Double
    public init(percentiles: [Double] = [50, 90, 99, 99.9], timeseries: SimDuration? = nil, events: Bool = false,
                traces: Double = 0) {
        self.percentiles = percentiles; self.timeseries = timeseries; self.events = events; self.traces = traces
    }
}

/// A decoded, validated scenario: the value every later stage works from.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    public var seed: UInt64
    /// Simulated horizon; nil when only `stop.requests` ends the run.
    public var duration: SimDuration?
    /// Stop after this many completed requests (all workloads together).
    public var stopRequests: Int64?
    public var warmup: Warmup
    public var replications: Int
    public var confidence: Double
    public var limits: Limits
    public var services: [ServiceConfig]
    public var network: NetworkConfig
    public var workloads: [WorkloadConfig]
    public var output: OutputConfig
    /// The file it came from (as given on the command line).
    public var file: String
    /// Where each key was written, by dotted path (`services.web.replicas`, `workload.buy.rate`),
    /// so later stages can point at a line.
    public var locations: [String: SourceLocation]
    /// Service level objectives (`slo`), judged on each point's intervals.
    public var slos: [SLO] = []
    /// The `sweep`, every point expanded, when the file has one.
    public var sweep: Sweep?
    /// The capacity `plan`, when the file has one.
    public var plan: Plan?
    /// A hash of the scenario as decoded (after `--set`), whatever its layout and comments: the
    /// shards of one sweep must share it.
    public var fingerprint: String = ""

    public init(name: String, description: String? = nil, seed: UInt64 = 1, duration: SimDuration? = nil,
                stopRequests: Int64? = nil, warmup: Warmup = .auto, replications: Int = 5,
                confidence: Double = 0.95, limits: Limits = Limits(), network: NetworkConfig = NetworkConfig(),
                services: [ServiceConfig], workloads: [WorkloadConfig], output: OutputConfig = OutputConfig(), file: String = "<memory>",
                locations: [String: SourceLocation] = [:]) {
        self.name = name; self.description = description; self.seed = seed; self.duration = duration
        self.stopRequests = stopRequests; self.warmup = warmup; self.replications = replications
        self.confidence = confidence; self.limits = limits; self.network = network; self.services = services
        self.workloads = workloads; self.output = output; self.file = file; self.locations = locations
    }
}
