import ClusterModels
import Foundation
import ScenarioSpec
import SimKernel
import SimRandom
import SimStats

/// The outcome of one replication.
public struct ReplicationResult: Sendable {
    public var index: Int
    /// The seed reported for this replication (streams derive from the master seed, the replication
    /// and their names; this is the replication's own hash, for the record).
    public var seed: UInt64
    public var metrics: [MetricValue]
    public var stop: StopReason
    /// Set when a limit ended the replication early.
    public var limitMessage: String?
    public var endTime: Int64
    public var events: Int64
    public var warmup: Int64
    public var mserAtLimit: Bool
    public var timeseries: [SeriesRow]
    /// True when the time series stopped at ``TimeSeriesRecorder/maxSamples``.
    public var timeseriesTruncated: Bool
    /// True when a fixed warm-up was not shorter than the run: no observation was kept.
    public var warmupCoversRun: Bool
    /// Spans of the sampled requests (`output.traces`), in the order they finished.
    public var traces: [TraceSpan] = []
    /// True when tracing stopped at ``Tracer/maxSpans``.
    public var tracesTruncated = false
}

/// One sample of timeseries.csv (the model's time-series row, kept here so that a unit read back
/// from a journal is the same value as one just run).
public struct SeriesRow: Sendable, Equatable {
    public var time: Double
    public var scope: String
    public var metric: String
    public var value: Double
    public init(time: Double, scope: String, metric: String, value: Double) {
        self.time = time; self.scope = scope; self.metric = metric; self.value = value
    }
}

/// One row of summary.csv: a metric's estimate over the replications.
public struct SummaryRow: Sendable, Equatable {
    public var point: Int
    public var scope: String
    public var metric: String
    public var unit: String
    public var interval: Interval
}

/// Everything a run produced.
public struct RunResult: Sendable {
    public var scenario: Scenario
    public var replications: [ReplicationResult]
    public var summary: [SummaryRow]
    /// The scenario's SLOs judged on the summary (empty without `slo`).
    public var slo: [SLOOutcome] = []
    /// True when any replication was ended by a limit (exit code 3).
    public var limitHit: Bool { replications.contains { $0.limitMessage != nil } }
}

/// Runs replications of a scenario.
public enum Runner {
    /// Runs one replication on the calling thread.
    public static func runReplication(_ scenario: Scenario, replication r: Int) -> ReplicationResult {
        var sim = ClusterSimulation(scenario: scenario, replication: r)
        var engine = Engine(capacity: 1024)
        sim.start(engine: &engine, scenario: scenario)
        let horizon = scenario.duration?.ns ?? Int64.max
        let stop = engine.run(&sim, until: horizon, maxEvents: scenario.limits.maxEvents)
        var limit: String? = nil
        switch stop {
        case .maxEvents:
            limit = "max_events (\(scenario.limits.maxEvents)) reached at t=\(format(seconds: engine.now))s"
        case .model(let why):
            limit = "\(why) at t=\(format(seconds: engine.now))s"
        case .horizon, .requests, .drained:
            break
        }
        // A run whose events ran out before its horizon was idle until the horizon.
        let end = (stop == .drained && scenario.duration != nil) ? horizon : engine.now
        sim.cluster.sample(at: end)   // closes the last partial time-series interval
        let warm: WarmupChoice
        switch scenario.warmup {
        case .auto: warm = .mser
        case .fixed(let d): warm = .fixed(d.ns)
        }
        var (w, atLimit, metrics) = sim.cluster.results(end: end, warmup: warm, percentiles: scenario.output.percentiles)
        // Run-level metrics of scope `all`, right after the other `all` rows.
        let lastAll = (metrics.lastIndex { $0.scope == "all" } ?? -1) + 1
        metrics.insert(contentsOf: [
            MetricValue(scope: "all", metric: "warmup", unit: "s", value: Double(w) / 1e9),
            MetricValue(scope: "all", metric: "events", unit: "count", value: Double(engine.eventsProcessed)),
            MetricValue(scope: "all", metric: "limit_reached", unit: "count", value: limit == nil ? 0 : 1),
        ], at: lastAll)
        if case .fixed = warm { atLimit = false }
        return ReplicationResult(
            index: r, seed: StreamSeed.replicationSeed(master: scenario.seed, replication: r),
            metrics: metrics, stop: stop, limitMessage: limit, endTime: end,
            events: engine.eventsProcessed, warmup: w, mserAtLimit: atLimit,
            timeseries: (sim.cluster.series?.rows ?? []).map { SeriesRow(time: $0.time, scope: $0.scope, metric: $0.metric, value: $0.value) },
            timeseriesTruncated: sim.cluster.series?.truncated ?? false,
            warmupCoversRun: { if case .fixed(let t) = warm { return t >= end } else { return false } }(),
            traces: sim.cluster.tracer?.spans ?? [],
            tracesTruncated: sim.cluster.tracer?.truncated ?? false)
    }

    /// Runs every replication, `jobs` at a time on worker threads, and merges them in replication
    /// order, so the result does not depend on `jobs`.
    public static func run(_ scenario: Scenario, jobs: Int = 1,
                           progress: (@Sendable (_ done: Int, _ total: Int, _ finished: ReplicationResult) -> Void)? = nil) -> RunResult {
        let n = scenario.replications
        let box = ResultBox(count: n)
        let workers = max(1, min(jobs, n))
        if workers == 1 {
            for r in 0..<n {
                let res = runReplication(scenario, replication: r)
                box.set(r, res)
                progress?(r + 1, n, res)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let r = box.claim() {
                    let res = runReplication(scenario, replication: r)
                    let done = box.set(r, res)
                    progress?(done, n, res)
                }
            }
        }
        let reps = box.results()
        let summary = summarize(reps, confidence: scenario.confidence, point: 0)
        return RunResult(scenario: scenario, replications: reps, summary: summary,
                         slo: SLOCheck.evaluate(scenario.slos, summary: summary, point: 0))
    }

    /// Summary rows: for each (scope, metric) in the first replication's order, the Student-t
    /// interval over the replications that have a value.
    public static func summarize(_ reps: [ReplicationResult], confidence: Double, point: Int) -> [SummaryRow] {
        guard let first = reps.first else { return [] }
        var rows: [SummaryRow] = []
        for (k, m) in first.metrics.enumerated() {
            let values = reps.compactMap { r -> Double? in
                guard k < r.metrics.count else { return nil }
                let v = r.metrics[k].value
                return v.isNaN ? nil : v
            }
            let iv = values.isEmpty
                ? Interval(mean: .nan, low: .nan, high: .nan, stddev: .nan, n: 0)
                : StudentT.interval(values, confidence: confidence)
            rows.append(SummaryRow(point: point, scope: m.scope, metric: m.metric, unit: m.unit, interval: iv))
        }
        return rows
    }

    static func format(seconds ns: Int64) -> String { "\(Double(ns) / 1e9)" }
}

/// Collects results from worker threads; hands out replication indices in order.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [ReplicationResult?]
    private var next = 0
    private var done = 0
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func claim() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < slots.count else { return nil }
        next += 1
        return next - 1
    }
    @discardableResult
    func set(_ i: Int, _ r: ReplicationResult) -> Int {
        lock.lock(); defer { lock.unlock() }
        slots[i] = r
        done += 1
        return done
    }
    func results() -> [ReplicationResult] {
        lock.lock(); defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
