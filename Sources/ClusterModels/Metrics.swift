import SimStats

/// How a finished request ended.
public enum Outcome: UInt8, Sendable {
    case ok, error, timeout, rejected
}

/// Counts and latencies of finished requests in one scope over one stretch of time.
///
/// A successful request touches only `ok` and the sketch (which keeps the count and sum of its
/// latencies); the other counts are derived, so the common case does the least work.
public struct ScopeAggregate: Sendable {
    public var ok: Int64 = 0
    public var errors: Int64 = 0
    public var timeouts: Int64 = 0
    public var rejected: Int64 = 0
    /// Latency of successful requests (ns).
    public var latency = LatencySketch()
    /// Admitted requests that did not succeed, and the sum of their sojourns (ns).
    public var failedAdmitted: Int64 = 0
    public var failedSojournSum: Double = 0
    /// Retries made (call scopes and the calling service).
    public var retries: Int64 = 0
    /// Connections opened (the calling service).
    public var connections: Int64 = 0
    /// Instances ejected by outlier detection (the service, summed over its balancer views).
    public var ejections: Int64 = 0
    /// Membership changes of the service's hashing balancer views (ejections and returns), and the
    /// fractions of the key space they remapped, summed (the service scope).
    public var membershipChanges: Int64 = 0
    public var keysRemapped: Double = 0

    public init() {}

    /// Every finished request, whatever its outcome.
    public var finished: Int64 { ok + errors + timeouts + rejected }
    /// Requests that were admitted (held a worker or a queue place) before finishing.
    public var admitted: Int64 { ok + failedAdmitted }
    /// Sum of the sojourns of admitted requests (ns), for Little's law.
    public var sojournSum: Double { latency.sum + failedSojournSum }

    /// ``record(_:latency:admitted:)`` of a successful request.
    @inlinable @inline(__always)
    public mutating func recordOK(latency ns: Int64) {
        ok &+= 1
        latency.record(ns)
    }

    @inlinable
    public mutating func record(_ outcome: Outcome, latency ns: Int64, admitted wasAdmitted: Bool) {
        switch outcome {
        case .ok: ok &+= 1; latency.record(ns); return
        case .error: errors &+= 1
        case .timeout: timeouts &+= 1
        case .rejected: rejected &+= 1
        }
        if wasAdmitted { failedAdmitted &+= 1; failedSojournSum += Double(ns) }
    }

    public mutating func merge(_ o: ScopeAggregate) {
        ok += o.ok; errors += o.errors; timeouts += o.timeouts; rejected += o.rejected
        latency.merge(o.latency); failedAdmitted += o.failedAdmitted; failedSojournSum += o.failedSojournSum
        retries += o.retries; connections += o.connections; ejections += o.ejections
        membershipChanges += o.membershipChanges; keysRemapped += o.keysRemapped
    }
}

/// Cumulative time integrals of one service's gauges (value·ns), snapshotted at batch starts.
public struct ServiceIntegrals: Sendable, Equatable {
    public var busyCores: Double = 0
    public var queueLength: Double = 0
    public var inFlight: Double = 0
    public var replicas: Double = 0
    public init() {}
}

/// One warm-up batch: the aggregates of `observations` consecutive finished requests.
public struct Batch: Sendable {
    public var startTime: Int64
    public var observations: Int64 = 0
    /// Sum of the finished requests' response times (ns), for the batch mean MSER works on.
    public var responseSum: Double = 0
    public var scopes: [ScopeAggregate]
    /// Cumulative integrals at `startTime`.
    public var integralsAtStart: [ServiceIntegrals]
    /// Requests finished at each instance (global index i): `[2i]` those that did not succeed,
    /// `[2i + 1]` the successful ones. Kept for instances of services with two or more replicas
    /// only (a lone instance's numbers are its service's).
    public var instanceCounts: [Int64]

    public init(startTime: Int64, scopeCount: Int, integrals: [ServiceIntegrals], instanceCount: Int = 0) {
        self.startTime = startTime
        scopes = Array(repeating: ScopeAggregate(), count: scopeCount)
        integralsAtStart = integrals
        instanceCounts = Array(repeating: 0, count: 2 * instanceCount)
    }

    /// Appends the next batch's aggregates (it must start where this one ends).
    public mutating func absorb(_ o: Batch) {
        observations += o.observations
        responseSum += o.responseSum
        for i in scopes.indices { scopes[i].merge(o.scopes[i]) }
        for i in instanceCounts.indices { instanceCounts[i] += o.instanceCounts[i] }
    }

    public var meanResponse: Double { observations > 0 ? responseSum / Double(observations) : 0 }
}

/// Keeps per-batch aggregates in bounded memory (DESIGN.md, "Statistics"): at most `maxBatches`
/// closed batches; when full, neighbours merge and the batch size doubles. Batches start at 5
/// observations, MSER-5's batch size, so every stored batch holds 5·2^k observations and MSER on the
/// stored batch means is MSER-5 with a coarser grid as the run grows. Sketches and sums merge
/// exactly, so once MSER has picked a truncation batch the estimate is the merge of what follows.
public struct BatchStore: ~Copyable, Sendable {
    public static let maxBatches = 64
    public private(set) var closed: [Batch] = []
    public private(set) var batchSize: Int64

    // The current batch, kept where the hot path writes it without copy-on-write checks (tables
    // this store owns alone); ``current`` gives it as a ``Batch``.
    /// When the current batch started.
    public private(set) var currentStart: Int64 = 0
    /// Finished root requests in the current batch, and the sum of their response times (ns).
    public internal(set) var currentObservations: Int64 = 0
    public internal(set) var currentResponseSum: Double = 0
    var currentIntegrals: [ServiceIntegrals]
    /// The current batch's scope aggregates; their latencies are in `sketches` (the rows'
    /// own sketches stay empty).
    var counters: RowTable<ScopeAggregate>
    var sketches: SketchSet
    /// The current batch's ``Batch/instanceCounts``.
    var instanceCounts: RowTable<Int64>

    public init(scopeCount: Int, serviceCount: Int, instanceCount: Int = 0, initialBatchSize: Int64 = 5) {
        batchSize = initialBatchSize
        currentIntegrals = Array(repeating: ServiceIntegrals(), count: serviceCount)
        counters = RowTable(Array(repeating: ScopeAggregate(), count: scopeCount))
        sketches = SketchSet(count: scopeCount)
        instanceCounts = RowTable(Array(repeating: 0, count: 2 * instanceCount))
    }

    /// True when the current batch is full and the next observation must open a new batch.
    @inlinable public var currentIsFull: Bool { currentObservations >= batchSize }

    /// The current (possibly partial) batch.
    public var current: Batch {
        var b = Batch(startTime: currentStart, scopeCount: 0, integrals: currentIntegrals)
        b.observations = currentObservations
        b.responseSum = currentResponseSum
        b.scopes = counters.indices.map { k in
            var a = counters[k]
            a.latency = sketches.sketch(k)
            return a
        }
        b.instanceCounts = instanceCounts.map { $0 }
        return b
    }

    /// A successful request in scope slot `k` of the current batch.
    @inline(__always)
    mutating func recordOK(_ k: Int, latency ns: Int64) {
        counters[k].ok &+= 1
        sketches.record(k, ns)
    }

    /// A request in scope slot `k` of the current batch ended with `outcome` (see
    /// ``ScopeAggregate/record(_:latency:admitted:)``).
    @inline(__always)
    mutating func record(_ k: Int, _ outcome: Outcome, latency ns: Int64, admitted: Bool) {
        if outcome == .ok { recordOK(k, latency: ns) } else { counters[k].record(outcome, latency: ns, admitted: admitted) }
    }

    /// A root request finished in the current batch after `ns`.
    @inline(__always)
    mutating func observe(_ ns: Int64) {
        currentObservations &+= 1
        currentResponseSum += Double(ns)
    }

    /// Empties the current batch and starts it at `now`.
    mutating func startCurrent(at now: Int64, integrals: [ServiceIntegrals]) {
        currentStart = now
        currentObservations = 0
        currentResponseSum = 0
        currentIntegrals = integrals
        for k in counters.indices { counters[k] = ScopeAggregate() }
        sketches.reset()
        for k in instanceCounts.indices { instanceCounts[k] = 0 }
    }

    /// Closes the current batch and opens one starting at `now` with the given integral snapshot.
    public mutating func openBatch(at now: Int64, integrals: [ServiceIntegrals]) {
        closed.append(current)
        startCurrent(at: now, integrals: integrals)
        if closed.count >= BatchStore.maxBatches {
            // Neighbours merge in place: each first batch is moved out (its arrays then have one
            // owner, so absorbing the second grows them without a copy-on-write copy).
            var old = closed
            closed = []
            var merged: [Batch] = []
            merged.reserveCapacity(old.count / 2 + 1)
            var i = 0
            while i + 1 < old.count {
                var b = Batch(startTime: 0, scopeCount: 0, integrals: [])
                swap(&b, &old[i])
                b.absorb(old[i + 1])
                merged.append(b)
                i += 2
            }
            if i < old.count { merged.append(old[i]) }
            closed = merged
            batchSize *= 2
        }
    }

    /// Drops everything before `now` and starts afresh (a fixed warm-up has ended).
    public mutating func restart(at now: Int64, integrals: [ServiceIntegrals]) {
        closed.removeAll()
        startCurrent(at: now, integrals: integrals)
    }

    /// All batches in time order, the current (possibly partial) one last.
    public var all: [Batch] { closed + [current] }
}
