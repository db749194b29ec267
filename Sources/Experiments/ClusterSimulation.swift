import CGSL
import ClusterModels
import ScenarioSpec
import SimKernel
import SimRandom
import Workloads

/// Event kinds of the driver (the cluster model uses kinds below 16).
enum DriverEventKind {
    static let arrival: UInt32 = 16       // index: workload
    static let userWake: UInt32 = 17      // index: workload, tag: user
    static let sample: UInt32 = 18
    static let warmupEnd: UInt32 = 19
}

/// One replication's model: the cluster plus the workloads that drive it.
struct ClusterSimulation: EventHandler, ~Copyable {
    var cluster: Cluster
    var generators: [ArrivalGenerator?]
    let arrivalRNG: [UnsafeMutablePointer<gsl_rng>]
    let stateRNG: [UnsafeMutablePointer<gsl_rng>]
    /// Think times of closed workloads, from `workload.NAME.think` (drawn only for them), in blocks.
    let thinkBlocks: DrawBlocks
    /// Request keys of workloads with a `key` (nil: none), drawn from `workload.NAME.key`.
    var keyDraws: [RequestKeyDraw?]
    let keyRNG: [UnsafeMutablePointer<gsl_rng>?]
    /// The workload has a `key` (a flat flag, so the hot path touches no optional struct).
    let keyed: [Bool]
    /// Owns the generators above for the replication's lifetime.
    let streams: [RandomStream]
    let workloadEndpoint: [Int]
    /// Mean gap (s) of each homogeneous Poisson workload, 0 for the others: their hot path skips
    /// the generator. Draws the same numbers from the same stream as ``ArrivalGenerator`` would.
    let poissonMeanGap: [Double]
    /// The gaps of homogeneous Poisson workloads after the first (which ``ArrivalGenerator``
    /// draws), in blocks from `workload.NAME.arrivals`, which nothing else draws from for them.
    let gapBlocks: DrawBlocks
    let stopRequests: Int64?
    let sampleInterval: Int64?
    /// The run has a `duration`: sampling goes on until it, even through idle time.
    let hasHorizon: Bool

    init(scenario: Scenario, replication: Int) {
        let seed = scenario.seed
        let names = scenario.workloads.map(\.name)
        var endpointIndex: [String: Int] = [:]
        var e = 0
        for s in scenario.services {
            for ep in s.endpoints { endpointIndex["\(s.name).\(ep.name)"] = e; e += 1 }
        }
        // Validation guarantees every workload targets an existing endpoint.
        let targets = scenario.workloads.map { endpointIndex["\($0.service).\($0.endpoint)"] ?? 0 }
        workloadEndpoint = targets
        cluster = Cluster(services: scenario.services, workloadNames: names, workloadEndpoints: targets, seed: seed,
                          replication: replication, maxInFlight: scenario.limits.maxInFlight,
                          timeseriesInterval: scenario.output.timeseries?.ns, network: scenario.network,
                          maxCallDepth: scenario.limits.maxCallDepth, traceFraction: scenario.output.traces)
        generators = scenario.workloads.map { ArrivalGenerator($0.arrival) }
        let gaps = scenario.workloads.map {
            if case .open(.poisson, let rate) = $0.arrival { return 1 / rate } else { return 0.0 }
        }
        poissonMeanGap = gaps
        let arrivals = names.map { RandomStream(master: seed, replication: replication, name: "workload.\($0).arrivals") }
        let states = names.map { RandomStream(master: seed, replication: replication, name: "workload.\($0).states") }
        let thinks = names.map { RandomStream(master: seed, replication: replication, name: "workload.\($0).think") }
        arrivalRNG = arrivals.map(\.rng)
        gapBlocks = DrawBlocks(samplers: gaps.map { $0 > 0 ? Sampler(.exponential(mean: $0)) : nil },
                               streams: arrivals)
        stateRNG = states.map(\.rng)
        let keys = scenario.workloads.map { w in
            w.key.map { _ in RandomStream(master: seed, replication: replication, name: "workload.\(w.name).key") }
        }
        keyRNG = keys.map { $0?.rng }
        keyDraws = scenario.workloads.map { $0.key.map(RequestKeyDraw.init) }
        keyed = scenario.workloads.map { $0.key != nil }
        streams = arrivals + states + thinks + keys.compactMap { $0 }
        thinkBlocks = DrawBlocks(samplers: scenario.workloads.map {
            if case .closed(_, let think) = $0.arrival { return Sampler(think) } else { return nil }
        }, streams: thinks)
        stopRequests = scenario.stopRequests
        sampleInterval = scenario.output.timeseries?.ns
        hasHorizon = scenario.duration != nil
    }

    /// Schedules the first events: each open workload's first arrival, each closed user's first think.
    mutating func start(engine: inout Engine, scenario: Scenario) {
        for (w, wl) in scenario.workloads.enumerated() {
            if case .closed(let users, _) = wl.arrival {
                for u in 0..<users { scheduleThink(workload: w, user: Int32(u), engine: &engine) }
            } else if generators[w] != nil {
                generators[w]!.start(arrivals: arrivalRNG[w], states: stateRNG[w])
                if let t = generators[w]!.next(after: 0, first: true, arrivals: arrivalRNG[w], states: stateRNG[w]) {
                    engine.schedule(at: t, kind: DriverEventKind.arrival, index: UInt32(w))
                }
            }
        }
        if let iv = sampleInterval { engine.schedule(at: iv, kind: DriverEventKind.sample, index: 0) }
        if case .fixed(let d) = scenario.warmup, d.ns > 0 {
            engine.schedule(at: d.ns, kind: DriverEventKind.warmupEnd, index: 0)
        }
    }

    /// The next request key of workload `w` (nil when it has no `key`).
    @inline(__always)
    mutating func nextKey(_ w: Int) -> UInt64? {
        guard keyed[w] else { return nil }
        return keyDraws[w]!.next(rng: keyRNG[w]!)
    }

    func scheduleThink(workload w: Int, user: Int32, engine: inout Engine) {
        let think = thinkBlocks.next(w)
        engine.schedule(after: think, kind: DriverEventKind.userWake, index: UInt32(w), tag: UInt64(user))
    }

    mutating func handle(_ e: Event, engine: inout Engine) {
        switch e.kind {
        case ClusterEventKind.workDone:
            cluster.handleWorkDone(request: e.index, engine: &engine)
        case ClusterEventKind.cpuDone:
            cluster.handleCPUDone(instance: Int(e.index), tag: e.tag, engine: &engine)
        case ClusterEventKind.deliverRequest...ClusterEventKind.lastCallEvent:
            cluster.handleCallEvent(e, engine: &engine)
        case DriverEventKind.arrival:
            let w = Int(e.index)
            // The request first, then the next arrival: a completion this request schedules for
            // the instant of the next arrival gets the lower sequence number and runs first, so a
            // server freed at that instant takes the arrival (a D/D/1 at utilization 1 never rejects).
            cluster.submit(endpoint: workloadEndpoint[w], workload: w, user: -1, key: nextKey(w), engine: &engine)
            let gap = poissonMeanGap[w]
            if gap > 0 {
                // Homogeneous Poisson, the common case: one draw, no generator state to touch.
                let d = gapBlocks.next(w)
                engine.schedule(after: max(1, d), kind: DriverEventKind.arrival, index: e.index)
            } else if let t = generators[w]!.next(after: engine.now, first: false, arrivals: arrivalRNG[w], states: stateRNG[w]) {
                engine.schedule(at: t, kind: DriverEventKind.arrival, index: e.index)
            }
        case DriverEventKind.userWake:
            let w = Int(e.index)
            cluster.submit(endpoint: workloadEndpoint[w], workload: w, user: Int32(truncatingIfNeeded: e.tag),
                           key: nextKey(w), engine: &engine)
        case DriverEventKind.sample:
            cluster.sample(at: engine.now)
            // Without a horizon (stop.requests only), stop sampling once nothing else is pending: the
            // sample event alone would otherwise keep a finished run (a trace that ran out first)
            // going until limits.max_events, and end it as a limit hit.
            // Once the series is full (TimeSeriesRecorder.maxSamples) sampling stops for good.
            if let iv = sampleInterval, hasHorizon || !engine.queue.isEmpty, cluster.series?.truncated != true {
                engine.schedule(after: iv, kind: DriverEventKind.sample, index: 0)
            }
        case DriverEventKind.warmupEnd:
            cluster.endWarmup(at: engine.now)
        default:
            preconditionFailure("unknown event kind \(e.kind)")
        }
        if !cluster.usersFinished.isEmpty {
            for f in cluster.usersFinished { scheduleThink(workload: Int(f.workload), user: f.user, engine: &engine) }
            cluster.usersFinished.removeAll(keepingCapacity: true)
        }
        if let n = stopRequests, cluster.finishedTotal >= n, engine.stopRequest == nil {
            engine.stopRequest = .requests
        }
    }
}
