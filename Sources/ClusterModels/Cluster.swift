import CGSL
import SimKernel
import SimRandom
import SimStats

/// Event kinds the cluster model handles (other layers use kinds from 16 up).
public enum ClusterEventKind {
    /// The earliest running request on an instance's CPU finishes (index: instance, tag: generation).
    public static let cpuDone: UInt32 = 1
    /// A request's work on a dedicated core ends (index: request). Used where an instance has at
    /// least as many cores as workers: no request ever shares a core, so processor sharing reduces
    /// to "finish = start + work" and needs no virtual time or cancellation.
    public static let workDone: UInt32 = 2
}

/// One request in flight.
public struct Request: Sendable {
    public var arrival: Int64 = 0
    public var workload: Int32 = 0
    /// Closed-workload user id, or −1 for open workloads.
    public var user: Int32 = -1
    public var endpoint: Int32 = 0
    public var instance: Int32 = 0
}

/// Per-instance runtime state.
public struct InstanceState: Sendable {
    public var busyWorkers: Int = 0
    public var queue = RingQueue()
    public var cpu: ProcessorSharing
    init(cores: Int) { cpu = ProcessorSharing(cores: cores) }
}

/// Gauges of one service, time-weighted. Only what changes is tracked; the rest is derived, so a
/// request moves at most two gauges: in flight = workers + queue length, and on services whose
/// instances have a core per worker, busy cores = workers.
public struct ServiceGauges: Sendable {
    /// Workers held by admitted requests.
    public var workers = TimeWeighted()
    public var queueLength = TimeWeighted()
    /// Cores in use, tracked only when requests share cores (processor sharing).
    public var busyCores = TimeWeighted()
    public var replicas = TimeWeighted()
    /// cores ≥ concurrency: busy cores equal workers.
    public var dedicated = false
    func integrals(at t: Int64) -> ServiceIntegrals {
        var s = ServiceIntegrals()
        let w = workers.integral(until: t)
        s.queueLength = queueLength.integral(until: t)
        s.busyCores = dedicated ? w : busyCores.integral(until: t)
        s.inFlight = w + s.queueLength
        s.replicas = replicas.integral(until: t)
        return s
    }
}

/// A request that finished for a closed-workload user, so the workload can schedule the user's next.
public struct UserFinished: Sendable {
    public var workload: Int32
    public var user: Int32
}

/// The cluster model: services of instances, each with a worker pool, a bounded queue and a
/// processor-sharing CPU; requests routed round robin or at random; statistics kept per scope in
/// bounded memory. One per replication, single-threaded.
///
/// The request record is built to grow into call graphs: a request knows its instance and endpoint,
/// and leaves its worker only through `finish`, so a request waiting on downstream calls can keep
/// (`io: blocking`) or free (`io: async`) its worker in a later version without changing the tables.
public struct Cluster {
    public let services: [ServiceConfig]
    public let scopes: ScopeLayout
    // Endpoint tables (global endpoint index).
    let endpointService: [Int32]
    let endpointWork: [Sampler]
    /// The common work distributions, decided once so the hot path switches on a plain value and
    /// never copies a `Sampler` (whose enum payloads are reference counted).
    let endpointFastWork: [FastDraw]
    /// Raw generators of the endpoints' work streams (the streams are kept alive in `streams`).
    let endpointRNG: [UnsafeMutablePointer<gsl_rng>]
    let streams: [RandomStream]
    // Per-service settings read on the hot path, flattened so no ServiceConfig (strings, arrays) is copied.
    let svcConcurrency: [Int]
    let svcQueueCapacity: [Int]
    let svcReplicas: [Int]
    let svcLIFO: [Bool]
    /// cores ≥ concurrency: every running request has a core of its own (see ``ClusterEventKind/workDone``).
    let svcDedicated: [Bool]
    // Instance tables (global instance index).
    var instances: [InstanceState] = []
    var instanceService: [Int32] = []
    var firstInstance: [Int] = []
    var roundRobinNext: [Int]
    let balancerRNG: [UnsafeMutablePointer<gsl_rng>?]
    // Requests.
    var requests: [Request] = []
    /// Head of the free list of request rows (−1: none); a free row's `instance` links to the next.
    var freeHead: Int32 = -1
    // Statistics.
    public var gauges: [ServiceGauges]
    public var store: BatchStore
    public private(set) var inFlightTotal = 0
    public private(set) var finishedTotal: Int64 = 0
    public let maxInFlight: Int
    /// Closed-workload users whose request finished since the caller last emptied this.
    public var usersFinished: [UserFinished] = []
    /// Time series (nil when not sampled).
    public var series: TimeSeriesRecorder?
    let sampling: Bool

    /// - Parameter workloadEndpoints: the global endpoint index each workload sends to.
    public init(services: [ServiceConfig], workloadNames: [String], workloadEndpoints: [Int], seed: UInt64, replication: Int,
                maxInFlight: Int, timeseriesInterval: Int64?) {
        self.services = services
        scopes = ScopeLayout(services: services, workloads: workloadNames, workloadEndpoints: workloadEndpoints)
        var epService: [Int32] = [], work: [Sampler] = [], streams: [RandomStream] = []
        for (si, s) in services.enumerated() {
            for e in s.endpoints {
                epService.append(Int32(si))
                work.append(Sampler(e.work))
                streams.append(RandomStream(master: seed, replication: replication, name: "service.\(s.name).\(e.name).work"))
            }
        }
        endpointService = epService; endpointWork = work
        endpointFastWork = work.map { FastDraw($0.distribution) }
        roundRobinNext = Array(repeating: 0, count: services.count)
        let balancerStreams = services.map {
            $0.balancer == .random
                ? RandomStream(master: seed, replication: replication, name: "service.\($0.name).balancer") : nil
        }
        balancerRNG = balancerStreams.map { $0?.rng }
        endpointRNG = streams.map(\.rng)
        self.streams = streams + balancerStreams.compactMap { $0 }
        svcConcurrency = services.map(\.concurrency)
        svcQueueCapacity = services.map(\.queueCapacity)
        svcReplicas = services.map(\.replicas)
        svcLIFO = services.map { $0.discipline == .lifo }
        svcDedicated = services.map { $0.cores >= $0.concurrency }
        gauges = Array(repeating: ServiceGauges(), count: services.count)
        for (si, s) in services.enumerated() {
            firstInstance.append(instances.count)
            for _ in 0..<s.replicas {
                instances.append(InstanceState(cores: s.cores))
                instanceService.append(Int32(si))
            }
            gauges[si].replicas.set(Double(s.replicas), at: 0)
            gauges[si].dedicated = s.cores >= s.concurrency
        }
        store = BatchStore(scopeCount: scopes.slotCount, serviceCount: services.count)
        self.maxInFlight = maxInFlight
        if let iv = timeseriesInterval {
            series = TimeSeriesRecorder(interval: iv, scopes: scopes, serviceCount: services.count)
        }
        sampling = series != nil
        requests.reserveCapacity(1024)
    }

    // MARK: Arrivals

    /// A request for global endpoint `endpoint` arrives now from workload `workload`.
    public mutating func submit(endpoint: Int, workload: Int, user: Int32, engine: inout Engine) {
        let now = engine.now
        let s = Int(endpointService[endpoint])
        let i = pickInstance(service: s)
        let row = Request(arrival: now, workload: Int32(workload), user: user, endpoint: Int32(endpoint), instance: Int32(i))
        let r: UInt32
        if freeHead >= 0 {
            r = UInt32(freeHead)
            freeHead = requests[Int(r)].instance
            requests[Int(r)] = row
        } else {
            r = UInt32(requests.count)
            requests.append(row)
        }
        if instances[i].busyWorkers < svcConcurrency[s] {
            admit(&engine)
            instances[i].busyWorkers += 1
            gauges[s].workers.add(1, at: now)
            start(r, instance: i, service: s, engine: &engine)
        } else if instances[i].queue.count < svcQueueCapacity[s] {
            admit(&engine)
            instances[i].queue.pushBack(r)
            gauges[s].queueLength.add(1, at: now)
        } else {
            finish(r, .rejected, admitted: false, service: s, now: now)
        }
    }

    mutating func limitReached(_ engine: inout Engine) {
        engine.stopRequest = .model("max_in_flight (\(maxInFlight)) reached: more requests in the system than limits.max_in_flight allows (an unstable queue?)")
    }

    mutating func admit(_ engine: inout Engine) {
        inFlightTotal += 1
        if inFlightTotal > maxInFlight && engine.stopRequest == nil { limitReached(&engine) }
    }

    mutating func pickInstance(service s: Int) -> Int {
        let n = svcReplicas[s]
        if n == 1 { return firstInstance[s] }
        if let rng = balancerRNG[s] {
            return firstInstance[s] + Int(gsl_rng_uniform_int(rng, UInt(n)))
        }
        let k = roundRobinNext[s]
        roundRobinNext[s] = k + 1 == n ? 0 : k + 1
        return firstInstance[s] + k
    }

    mutating func start(_ r: UInt32, instance i: Int, service s: Int, engine: inout Engine) {
        let e = Int(requests[Int(r)].endpoint)
        let rng = endpointRNG[e]
        let work: Int64
        switch endpointFastWork[e] {
        case .constant(let ns): work = ns
        case .exponential(let mean): work = SimDuration(seconds: gsl_ran_exponential(rng, mean)).ns
        case .general: work = endpointWork[e].sampleNanos(rng: rng)
        }
        if svcDedicated[s] {
            engine.schedule(after: work, kind: ClusterEventKind.workDone, index: r)
            return
        }
        let before = instances[i].cpu.busyCores
        if let delay = instances[i].cpu.add(r, work: work, now: engine.now) {
            instances[i].cpu.generation &+= 1
            engine.schedule(after: delay, kind: ClusterEventKind.cpuDone, index: UInt32(i), tag: instances[i].cpu.generation)
        }
        let after = instances[i].cpu.busyCores
        if after != before { gauges[s].busyCores.add(Double(after - before), at: engine.now) }
    }

    // MARK: Events

    /// Handles a ``ClusterEventKind/cpuDone`` event.
    public mutating func handleCPUDone(instance i: Int, tag: UInt64, engine: inout Engine) {
        guard tag == instances[i].cpu.generation else { return }   // superseded: O(1) cancellation
        let now = engine.now
        let s = Int(instanceService[i])
        let before = instances[i].cpu.busyCores
        let (r, next) = instances[i].cpu.completeEarliest(now: now)
        if let d = next {
            instances[i].cpu.generation &+= 1
            engine.schedule(after: d, kind: ClusterEventKind.cpuDone, index: UInt32(i), tag: instances[i].cpu.generation)
        }
        let after = instances[i].cpu.busyCores
        if after != before { gauges[s].busyCores.add(Double(after - before), at: now) }
        release(r, instance: i, service: s, engine: &engine)
    }

    /// Handles a ``ClusterEventKind/workDone`` event: request `r` finished its work on its own core.
    public mutating func handleWorkDone(request r: UInt32, engine: inout Engine) {
        let i = Int(requests[Int(r)].instance)
        release(r, instance: i, service: Int(instanceService[i]), engine: &engine)
    }

    /// Request `r` is done on instance `i`: its worker frees and the next queued request starts.
    mutating func release(_ r: UInt32, instance i: Int, service s: Int, engine: inout Engine) {
        let now = engine.now
        finish(r, .ok, admitted: true, service: s, now: now)
        let next = instances[i].queue.isEmpty ? nil
            : (svcLIFO[s] ? instances[i].queue.popBack() : instances[i].queue.popFront())
        if let q = next {
            // The worker passes straight to the next queued request: workers stay as they are.
            gauges[s].queueLength.add(-1, at: now)
            start(q, instance: i, service: s, engine: &engine)
        } else {
            instances[i].busyWorkers -= 1
            gauges[s].workers.add(-1, at: now)
        }
    }

    mutating func finish(_ r: UInt32, _ outcome: Outcome, admitted: Bool, service s: Int, now: Int64) {
        let req = requests[Int(r)]
        let latency = now &- req.arrival
        if admitted { inFlightTotal -= 1 }
        if store.currentIsFull { store.openBatch(at: now, integrals: integrals(at: now)) }
        let w = Int(req.workload)
        store.current.observations &+= 1
        store.current.responseSum += Double(latency)
        // Each distinct aggregate once: scopes with the same requests share a slot (ScopeLayout).
        var k = scopes.planStart[w]
        let end = scopes.planStart[w + 1]
        while k < end {
            store.current.scopes[scopes.planSlots[k]].record(outcome, latency: latency, admitted: admitted)
            k += 1
        }
        if sampling { series!.record(outcome, latency: latency, service: s) }
        finishedTotal &+= 1
        if req.user >= 0 { usersFinished.append(UserFinished(workload: req.workload, user: req.user)) }
        requests[Int(r)].instance = freeHead
        freeHead = Int32(r)
    }

    /// Cumulative gauge integrals of every service at `t`.
    public func integrals(at t: Int64) -> [ServiceIntegrals] {
        gauges.map { $0.integrals(at: t) }
    }

    /// Ends a fixed warm-up at `now`: everything before is dropped.
    public mutating func endWarmup(at now: Int64) {
        store.restart(at: now, integrals: integrals(at: now))
    }

    /// Takes one time-series sample at `now`.
    public mutating func sample(at now: Int64) {
        guard series != nil else { return }
        let ints = integrals(at: now)
        let reps = gauges.map { $0.replicas.value }
        series!.sample(at: now, integrals: ints, replicas: reps, services: services)
    }
}

/// Where each scope's aggregate lives: scope 0 is `all`, then services, endpoints, workloads.
///
/// Scopes that cover exactly the same requests share one aggregate (a *slot*): with one service,
/// one endpoint and one workload, `all`, the service, the endpoint and the workload are the same
/// numbers, recorded once instead of four times. Two scopes share a slot when the sets of
/// (workload, endpoint) pairs recorded into them are equal; this holds while every request is
/// served by the one endpoint its workload targets, and must be revisited when requests fan out.
public struct ScopeLayout: Sendable {
    public let names: [String]
    public let kinds: [Kind]
    public let serviceBase: Int, endpointBase: Int, workloadBase: Int
    public enum Kind: Sendable { case all, service(Int), endpoint(Int), workload(Int) }
    /// Slot of each scope.
    public let slotOf: [Int]
    public let slotCount: Int
    /// Slots a request of workload w records into: planSlots[planStart[w] ..< planStart[w + 1]].
    public let planStart: [Int]
    public let planSlots: [Int]

    public init(services: [ServiceConfig], workloads: [String], workloadEndpoints: [Int]) {
        var names = ["all"], kinds: [Kind] = [.all]
        serviceBase = 1
        for (i, s) in services.enumerated() { names.append("service:\(s.name)"); kinds.append(.service(i)) }
        endpointBase = names.count
        var e = 0
        var endpointService: [Int] = []
        for (si, s) in services.enumerated() {
            for ep in s.endpoints {
                names.append("endpoint:\(s.name).\(ep.name)"); kinds.append(.endpoint(e)); e += 1
                endpointService.append(si)
            }
        }
        workloadBase = names.count
        for (i, w) in workloads.enumerated() { names.append("workload:\(w)"); kinds.append(.workload(i)) }
        self.names = names; self.kinds = kinds
        // The workloads whose requests each scope records.
        func members(_ k: Kind) -> [Int] {
            workloadEndpoints.indices.filter { w in
                let ep = workloadEndpoints[w]
                switch k {
                case .all: return true
                case .service(let s): return endpointService[ep] == s
                case .endpoint(let x): return ep == x
                case .workload(let x): return w == x
                }
            }
        }
        var slotByMembers: [[Int]: Int] = [:]
        var slots: [Int] = []
        var count = 0
        for kind in kinds {
            let m = members(kind)
            if m.isEmpty { slots.append(count); count += 1; continue }   // never recorded: its own slot
            if let existing = slotByMembers[m] { slots.append(existing); continue }
            slotByMembers[m] = count
            slots.append(count)
            count += 1
        }
        slotOf = slots
        slotCount = count
        var start: [Int] = [], flat: [Int] = []
        for (w, ep) in workloadEndpoints.enumerated() {
            start.append(flat.count)
            let s = endpointService[ep]
            var mine: [Int] = []
            for k in [0, serviceBase + s, endpointBase + ep, workloadBase + w] where !mine.contains(slots[k]) {
                mine.append(slots[k])
            }
            flat += mine
        }
        start.append(flat.count)
        planStart = start
        planSlots = flat
    }
    public var count: Int { names.count }
    public func service(_ s: Int) -> Int { serviceBase + s }
    public func endpoint(_ e: Int) -> Int { endpointBase + e }
    public func workload(_ w: Int) -> Int { workloadBase + w }
}

/// A work distribution reduced to a plain value where that is possible (constant, exponential), so
/// the hot path draws without touching the general ``Sampler``.
enum FastDraw {
    case constant(Int64)
    case exponential(Double)
    case general

    init(_ d: Distribution) {
        switch d {
        case .constant(let v): self = .constant(SimDuration(seconds: v).ns)
        case .exponential(let m): self = .exponential(m)
        default: self = .general
        }
    }
}
