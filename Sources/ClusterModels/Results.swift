import Foundation
import SimStats

/// One metric of one replication (a row of replications.csv before formatting).
public struct MetricValue: Sendable, Equatable {
    public var scope: String
    public var metric: String
    public var unit: String
    /// NaN when the replication has no value (for example a percentile with no successful request).
    public var value: Double
    public init(scope: String, metric: String, unit: String, value: Double) {
        self.scope = scope; self.metric = metric; self.unit = unit; self.value = value
    }
}

/// How the warm-up was chosen for one replication.
public enum WarmupChoice: Sendable, Equatable {
    /// MSER on the stored batch means.
    case mser
    /// A fixed time; the store was restarted then.
    case fixed(Int64)
}

/// The metric name of a percentile: 50 → latency_p50, 99.9 → latency_p999, 99.99 → latency_p9999.
public func percentileMetricName(_ p: Double) -> String {
    // Plain decimal digits (never an exponent: 1e-05 reads 0.00001), trailing zeros dropped.
    var s = "\(p)"
    if s.contains("e") {
        s = String(format: "%.12f", p)
        while s.hasSuffix("0") { s.removeLast() }
    }
    if s.hasSuffix(".0") { s.removeLast(2) }
    if s.hasSuffix(".") { s.removeLast() }
    return "latency_p" + s.replacingOccurrences(of: ".", with: "")
}

extension Cluster {
    /// The replication's estimates at `end`, after warm-up truncation.
    ///
    /// - Returns: the warm-up time used (ns), whether MSER's minimum sat at its k/2 limit (the run
    ///   is too short for the truncation to be trusted), and the metrics in a fixed order: scope `all`,
    ///   then services, endpoints and workloads in file order, then the call scopes.
    public func results(end: Int64, warmup: WarmupChoice, percentiles: [Double])
        -> (warmup: Int64, mserAtLimit: Bool, metrics: [MetricValue]) {
        let batches = store.closed
        let current = store.current
        var first = 0
        var atLimit = false
        var warmupTime: Int64
        switch warmup {
        case .mser:
            let r = MSER.truncationOfBatchMeans(batches.map(\.meanResponse))
            first = r.batches
            atLimit = r.atLimit
            warmupTime = first < batches.count ? batches[first].startTime : current.startTime
        case .fixed(let t):
            warmupTime = min(t, end)
        }
        var merged = first < batches.count ? batches[first] : current
        if first < batches.count {
            for b in batches[(first + 1)...] { merged.absorb(b) }
            merged.absorb(current)
        }
        if case .fixed(let t) = warmup, t >= end {
            // The run ended before its warm-up did: nothing is kept (the table says so).
            merged = Batch(startTime: end, scopeCount: scopes.slotCount, integrals: integrals(at: end),
                           instanceCount: instances.count)
        }
        let startInts = merged.integralsAtStart
        let endInts = integrals(at: end)
        let span = Double(end - warmupTime) / 1e9

        var out: [MetricValue] = []
        func add(_ scope: String, _ m: String, _ u: String, _ v: Double?) {
            out.append(MetricValue(scope: scope, metric: m, unit: u, value: v ?? .nan))
        }
        func rates(_ scope: String, _ a: ScopeAggregate) {
            let f = Double(a.finished)
            add(scope, "error_rate", "ratio", f > 0 ? Double(a.finished - a.ok) / f : nil)
            add(scope, "timeout_rate", "ratio", f > 0 ? Double(a.timeouts) / f : nil)
            add(scope, "rejection_rate", "ratio", f > 0 ? Double(a.rejected) / f : nil)
        }
        func latencies(_ scope: String, _ a: ScopeAggregate) {
            add(scope, "requests", "count", Double(a.finished))
            add(scope, "throughput", "1/s", span > 0 ? Double(a.ok) / span : nil)
            add(scope, "latency_mean", "s", a.latency.mean.map { $0 / 1e9 })
            for p in percentiles {
                add(scope, percentileMetricName(p), "s", a.latency.quantile(p / 100).map { $0 / 1e9 })
            }
            rates(scope, a)
        }
        for (k, kind) in scopes.kinds.enumerated() {
            let name = scopes.names[k]
            let a = merged.scopes[scopes.slotOf[k]]
            switch kind {
            case .all:
                latencies(name, a)
            case .service(let s):
                let cfg = services[s]
                let d = endInts[s], b = startInts[s]
                let secs = Double(end - warmupTime)
                add(name, "throughput", "1/s", span > 0 ? Double(a.ok) / span : nil)
                rates(name, a)
                let capacity = (d.replicas - b.replicas) * Double(cfg.cores)
                add(name, "utilization", "ratio", capacity > 0 ? (d.busyCores - b.busyCores) / capacity : nil)
                add(name, "queue_length_mean", "count", secs > 0 ? (d.queueLength - b.queueLength) / secs : nil)
                let l = secs > 0 ? (d.inFlight - b.inFlight) / secs : nil
                add(name, "in_flight_mean", "count", l)
                add(name, "replicas_mean", "count", secs > 0 ? (d.replicas - b.replicas) / secs : nil)
                add(name, "replicas_max", "count", gauges[s].replicas.peak)
                // Little's law self-test: L = λW over admitted requests; the relative gap.
                var gap: Double? = nil
                if let l, l > 0, a.admitted > 0, span > 0 {
                    let lambda = Double(a.admitted) / span
                    let w = a.sojournSum / Double(a.admitted) / 1e9
                    gap = abs(l - lambda * w) / l
                }
                add(name, "littles_law_gap", "ratio", gap)
                add(name, "retries", "count", Double(a.retries))
                add(name, "connections_opened", "count", Double(a.connections))
                add(name, "load_imbalance", "ratio", instanceLoads(s, merged, a).imbalance)
                add(name, "ejections", "count", Double(a.ejections))
                // Only where a balancer hashes request keys to this service's instances.
                if svcHashed[s] {
                    add(name, "membership_changes", "count", Double(a.membershipChanges))
                    add(name, "keys_remapped", "ratio", a.keysRemapped)
                }
            case .endpoint, .workload:
                latencies(name, a)
            case .call:
                latencies(name, a)
                add(name, "retries", "count", Double(a.retries))
            }
        }
        // Instance scopes, after every other scope: instance:SERVICE/INDEX for each replica.
        for (s, cfg) in services.enumerated() {
            let a = merged.scopes[scopes.slotOf[scopes.service(s)]]
            let loads = instanceLoads(s, merged, a)
            for k in 0..<cfg.replicas {
                let name = "instance:\(cfg.name)/\(k)"
                add(name, "requests", "count", Double(loads.finished[k]))
                add(name, "throughput", "1/s", span > 0 ? Double(loads.ok[k]) / span : nil)
                add(name, "load_share", "ratio", loads.total > 0 ? Double(loads.finished[k]) / Double(loads.total) : nil)
            }
        }
        return (warmupTime, atLimit, out)
    }

    /// Requests finished at each instance of service `s` (every outcome, and the successful ones)
    /// in `batch`, and the max/mean of the first (nil when the service finished none). A lone
    /// instance's numbers are its service's aggregate `a`.
    func instanceLoads(_ s: Int, _ batch: Batch, _ a: ScopeAggregate)
        -> (finished: [Int64], ok: [Int64], total: Int64, imbalance: Double?) {
        let n = services[s].replicas
        var finished: [Int64] = [], ok: [Int64] = []
        if n == 1 {
            finished = [a.finished]; ok = [a.ok]
        } else {
            let base = firstInstance[s]
            for k in 0..<n {
                let bad = batch.instanceCounts[2 * (base + k)], good = batch.instanceCounts[2 * (base + k) + 1]
                finished.append(bad + good); ok.append(good)
            }
        }
        let total = finished.reduce(0, +)
        let imbalance = total > 0 ? Double(finished.max()!) / (Double(total) / Double(n)) : nil
        return (finished, ok, total, imbalance)
    }
}
