import SimStats

/// One sample of timeseries.csv (spec/reports.md, "Files").
public struct TimeSeriesRow: Sendable, Equatable {
    public var time: Double
    public var scope: String
    public var metric: String
    public var value: Double
}

/// Samples per-interval metrics every `interval` (a scrape interval, as Prometheus would): gauges
/// averaged over the interval from their integrals, counts and the interval's p99 from what finished
/// in it. Memory grows with the number of samples (the output), not with the requests.
public struct TimeSeriesRecorder: Sendable {
    public let interval: Int64
    let scopes: ScopeLayout
    var perService: [ScopeAggregate]
    var all = ScopeAggregate()
    var lastIntegrals: [ServiceIntegrals]
    var lastTime: Int64 = 0
    public private(set) var rows: [TimeSeriesRow] = []
    /// Samples per replication at most (DESIGN.md rule 3: limits on everything). Past it sampling
    /// stops and `truncated` says so; the run itself goes on.
    public static let maxSamples = 100_000
    public private(set) var samples = 0
    public private(set) var truncated = false

    public init(interval: Int64, scopes: ScopeLayout, serviceCount: Int) {
        self.interval = interval
        self.scopes = scopes
        perService = Array(repeating: ScopeAggregate(), count: serviceCount)
        lastIntegrals = Array(repeating: ServiceIntegrals(), count: serviceCount)
    }

    mutating func record(_ o: Outcome, latency: Int64, service s: Int, root: Bool) {
        perService[s].record(o, latency: latency, admitted: o != .rejected)
        if root { all.record(o, latency: latency, admitted: o != .rejected) }
    }

    mutating func sample(at now: Int64, integrals: [ServiceIntegrals], replicas: [Double], services: [ServiceConfig]) {
        let dt = Double(now - lastTime)
        guard dt > 0, !truncated else { return }
        if samples >= TimeSeriesRecorder.maxSamples { truncated = true; return }
        samples += 1
        let t = Double(now) / 1e9
        func add(_ scope: String, _ metric: String, _ v: Double?) {
            if let v, v.isFinite { rows.append(TimeSeriesRow(time: t, scope: scope, metric: metric, value: v)) }
        }
        func perInterval(_ scope: String, _ a: ScopeAggregate) {
            add(scope, "throughput", Double(a.ok) / (dt / 1e9))
            add(scope, "latency_p99", a.latency.quantile(0.99).map { $0 / 1e9 })
            add(scope, "error_rate", a.finished > 0 ? Double(a.finished - a.ok) / Double(a.finished) : nil)
        }
        perInterval("all", all)
        for (s, cfg) in services.enumerated() {
            let name = scopes.names[scopes.service(s)]
            let cur = integrals[s], prev = lastIntegrals[s]
            add(name, "replicas", replicas[s])
            let capacity = Double(cfg.cores) * ((cur.replicas - prev.replicas) / dt)
            add(name, "utilization", capacity > 0 ? (cur.busyCores - prev.busyCores) / dt / capacity : nil)
            add(name, "queue_length", (cur.queueLength - prev.queueLength) / dt)
            add(name, "in_flight", (cur.inFlight - prev.inFlight) / dt)
            perInterval(name, perService[s])
            perService[s] = ScopeAggregate()
        }
        all = ScopeAggregate()
        lastIntegrals = integrals
        lastTime = now
    }
}
