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
    /// A call's request message reaches the callee's instance (index: the callee's span).
    public static let deliverRequest: UInt32 = 3
    /// A response reaches the caller (index: the callee's span).
    public static let deliverResponse: UInt32 = 4
    /// An attempt's timeout (index: the callee's span, tag: its generation).
    public static let attemptTimeout: UInt32 = 5
    /// A retry's backoff ends (index: call, tag: the call's generation).
    public static let retry: UInt32 = 6
    /// A hedge is due (index: call, tag: the call's generation).
    public static let hedge: UInt32 = 7
    /// A connection's handshake is done (index: connection, tag: its generation).
    public static let connReady: UInt32 = 8
    /// An idle connection's keep-alive time is over (index: connection, tag: its generation).
    public static let connIdle: UInt32 = 9
    /// A handshake lost to a partition is tried again (index: connection, tag: its generation).
    public static let connRetry: UInt32 = 10
    /// An instance's ejection by outlier detection ends (index: its view slot, tag: the ejection's generation).
    public static let unejectInstance: UInt32 = 11
    /// The last kind the cluster handles through ``Cluster/handleCallEvent(_:engine:)``.
    public static let lastCallEvent: UInt32 = 11
}

/// One request in flight at one instance: a workload's request (a *root*) or one attempt of a call
/// (a *span*, whose `parent` is the call record).
public struct Request: Sendable {
    /// Arrival at the instance.
    public var arrival: Int64 = 0
    public var workload: Int32 = 0
    /// Closed-workload user id, or −1 for open workloads and for spans.
    public var user: Int32 = -1
    public var endpoint: Int32 = 0
    /// The instance; links the free list when the row is free.
    public var instance: Int32 = 0
    /// Call record of this attempt, −1 for a root.
    var parent: Int32 = -1
    var parentGen: UInt32 = 0
    /// Bumped whenever the row is freed: a timer or response for an older use is stale.
    var gen: UInt32 = 0
    /// Step of the endpoint's program being run.
    var pc: Int32 = 0
    /// Calls of the current step not yet resolved; successes still needed; −1 in `spare` once the
    /// step has failed.
    var outstanding: Int32 = 0
    var needed: Int32 = 0
    var spare: Int32 = 0
    /// Call records of the current step, linked through `CallRecord.next`.
    var firstCall: Int32 = -1
    var depth: UInt16 = 0
    var flags: UInt8 = 0
    /// Sampled trace (−1: not traced), this span's id in it and its parent's.
    var trace: Int32 = -1
    var spanId: Int32 = 0
    var parentSpan: Int32 = -1
    /// Call site of a span (−1 for a root), its connection (−1: none) and the serialization CPU its
    /// protocol adds to its first work (ns).
    var site: Int32 = -1
    var conn: Int32 = -1
    var serial: Int64 = 0
    /// How the span ended (sent back in its response) or, while a step fails, how it will end.
    var outcome: Outcome = .ok
    /// The next request in the instance queue (``RequestList``) this one waits in, −1 for the last.
    /// Declared last, it takes the row's padding: the row stays 96 bytes.
    var nextQueued: Int32 = -1
}

enum RequestFlag {
    static let holdsWorker: UInt8 = 1
    /// Waiting on calls without a worker (`io: async`).
    static let detached: UInt8 = 2
    /// The caller gave up on this attempt: its response is dropped.
    static let orphan: UInt8 = 4
    /// Calls of the current step are being issued: results that come back at once only count.
    static let issuing: UInt8 = 8
    /// Its request message was dropped on the way (a partition): it never arrives.
    static let lost: UInt8 = 16
    /// Admitted (holds a worker or a queue place or waits on calls).
    static let admitted: UInt8 = 32
    /// Waiting in its pool for a connection or a stream: not sent yet.
    static let waitingConn: UInt8 = 64
}

/// One call made by a span: its attempts (retries, hedges) and how it ended.
struct CallRecord {
    var span: UInt32 = 0
    var site: Int32 = 0
    var start: Int64 = 0
    var gen: UInt32 = 0
    /// Next call of the same step, or the free-list link.
    var next: Int32 = -1
    var retries: Int32 = 0
    var hedges: Int32 = 0
    var outstanding: Int32 = 0
    /// Backoff of the previous retry (ns), for decorrelated jitter.
    var lastBackoff: Int64 = 0
    var active = false
    /// Its attempts that count as outstanding in their balancer's view, linked through
    /// `Cluster.nextCounted` (−1: none). Released together when the caller stops waiting for the
    /// call (it resolved or its step ended) while attempts are still out.
    var counted: Int32 = -1
}

/// Per-instance runtime state.
public struct InstanceState: Sendable {
    public var busyWorkers: Int = 0
    /// New requests waiting for a worker.
    public var queue = RequestList()
    /// Requests back from their calls (`io: async`) waiting for a worker to do their remaining work;
    /// served before new requests, as an event loop runs completions before accepting more.
    public var resume = RequestList()
    public var cpu: ProcessorSharing
    public var zone: Int = 0
    init(cores: Int, zone: Int) { cpu = ProcessorSharing(cores: cores); self.zone = zone }
}

/// Gauges of one service, time-weighted. Only what changes is tracked; the rest is derived: in flight
/// = workers + queue length + requests waiting on calls without a worker, and on services whose
/// instances have a core per worker, busy cores = workers.
public struct ServiceGauges: Sendable {
    /// Workers held by admitted requests.
    public var workers = TimeWeighted()
    public var queueLength = TimeWeighted()
    /// Requests waiting on their calls with no worker (`io: async`).
    public var detached = TimeWeighted()
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
        s.inFlight = w + s.queueLength + detached.integral(until: t)
        s.replicas = replicas.integral(until: t)
        return s
    }
}

/// A request that finished for a closed-workload user, so the workload can schedule the user's next.
public struct UserFinished: Sendable {
    public var workload: Int32
    public var user: Int32
}

/// One step of a compiled endpoint program.
enum Op {
    /// CPU work drawn from `workSamplers[k]`.
    case work(Int)
    /// Calls `groupSites[groupStart[g] ..< groupStart[g + 1]]`, waiting for `groupWaitFor[g]` successes.
    case group(Int)
}

/// A call site at run time.
struct Site {
    var caller: Int          // service
    var target: Int          // endpoint
    var targetService: Int
    var probability: Double
    var optional: Bool
    var timeout: Int64?
    var retry: RetryPolicy?
    var breaker: BreakerConfig?
    var hedge: HedgeConfig?
    var maxConcurrent: Int?
    /// Scope slot of the call scope, and the caller service's slot (for `retries`).
    var slot: Int
    var callerSlot: Int
    let rng: UnsafeMutablePointer<gsl_rng>
    /// Protocol (index into `Cluster.protocols`, −1: none), message bytes with headers, and the
    /// serialization CPU the callee pays (ns).
    var proto: Int = -1
    var requestBytes: Int = 0
    var responseBytes: Int = 0
    var serialNs: Int64 = 0
    /// The caller instance's balancer view of the target service: `outstanding[balancerBase +
    /// (caller instance − first caller instance) × target replicas …]` (−1: the policy does not count).
    var balancerBase: Int = -1
    /// A proxy's balancer for this call (index into `Cluster.siteBalancers`, −1: the callee's own);
    /// its view at `balancerBase` is shared by every caller instance.
    var override: Int = -1
    /// The caller instance's rotation state of the target's balancer (round robin's and weighted
    /// round robin's turn, least requests' tie cursor): `rotationBase + (caller instance − first
    /// caller instance)` in `Cluster.roundRobin` and its siblings.
    var rotationBase: Int = 0
}

/// The cluster model: services of instances, each with a worker pool, a bounded queue and a
/// processor-sharing CPU; endpoints that do work and call other services over the network, with
/// timeouts, retries, circuit breakers, bulkheads, hedging and rate limits; statistics kept per scope
/// in bounded memory. One per replication, single-threaded.
public struct Cluster: ~Copyable {
    public let services: [ServiceConfig]
    public let scopes: ScopeLayout
    // Endpoint tables (global endpoint index).
    let endpointService: [Int32]
    /// The endpoint does its work and replies: no calls, no more steps.
    let endpointSimple: [Bool]
    // Endpoint programs: ops[opStart[e] ..< opStart[e + 1]]; op 0 is the endpoint's `work`.
    let opStart: [Int]
    let ops: [Op]
    /// Work (index from `Op.work`; 0 … endpoints−1 are the endpoints' first work, then the later
    /// work steps), each from its own stream (`service.S.E.work`, `service.S.E.stepN.work`) that
    /// nothing else draws from: drawn in blocks (``DrawBlocks``), except constant work.
    let workBlocks: DrawBlocks
    /// Constant work in ns, or −1 for work that is drawn.
    let workConstant: [Int64]
    let groupStart: [Int]
    let groupSites: [Int]
    let groupWaitFor: [Int]
    var sites: [Site]
    let streams: [RandomStream]
    // Per-service settings read on the hot path, flattened so no ServiceConfig (strings, arrays) is copied.
    let svcConcurrency: [Int]
    let svcQueueCapacity: [Int]
    let svcReplicas: [Int]
    let svcLIFO: [Bool]
    let svcAsync: [Bool]
    /// cores ≥ concurrency: every running request has a core of its own (see ``ClusterEventKind/workDone``).
    let svcDedicated: [Bool]
    /// Dedicated cores but workers that wait on calls (`io: blocking` with calls): busy cores are
    /// tracked, since a held worker is not a busy core.
    let svcTrackCores: [Bool]
    // Instance tables (global instance index).
    var instances: RowTable<InstanceState>
    var instanceService: [Int32] = []
    var firstInstance: [Int] = []
    // Balancers (Balancing/): each service's policy and its state.
    let svcBalancer: [BalancerPolicy]
    var roundRobin: [RoundRobin]
    var weightedRoundRobin: [SmoothWeightedRoundRobin]
    var leastRequests: [LeastRequests]
    var powerOfChoices: [PowerOfChoices]
    let balancerRNG: [UnsafeMutablePointer<gsl_rng>?]
    /// Outstanding requests per instance of every counting balancer's view, side by side.
    var outstanding: [Int32] = []
    /// Each service's root balancer view in `outstanding` (−1: its policy does not count).
    let rootView: [Int]
    /// Some service's policy counts outstanding requests (else the two arrays below stay empty).
    let anyCounting: Bool
    /// `zone_aware` state per service (empty tables for the other policies).
    var zoneAware: [ZoneAware] = []
    // Views that observe their attempts (Balancing/Views.swift): peak EWMA latencies and outlier
    // detection, per view slot beside `outstanding`. All empty unless some service uses them.
    let anyEwma: Bool
    let anyOutlier: Bool
    /// `anyEwma || anyOutlier`: attempts are observed when they end.
    let viewsObserve: Bool
    /// The service and the first slot of the view of every slot.
    let slotService: [Int32]
    let slotBase: [Int32]
    let svcEwmaTau: [Double]
    /// The ewma decay (ns) of every slot whose view uses `ewma` (0: another policy).
    let slotTau: [Double]
    /// Proxy tiers' balancers (``Site/override``).
    var siteBalancers: [SiteBalancer] = []
    var ewmaCost: [Double] = []
    var ewmaStamp: [Int64] = []
    /// Per request row (only with `anyEwma`): when its instance was picked.
    var pickedAt: [Int64] = []
    let svcOutlier: [OutlierDetection?]
    var outlier: [OutlierSlot] = []
    /// Instances ejected in each view, at the view's first slot.
    var viewEjected: [Int32] = []
    /// Scratch for picks among available instances.
    var availableScratch: [Int] = []
    /// Per request row, beside `requests` (kept out of `Request`, whose rows the hot path copies):
    /// its place in its balancer's outstanding counts while it counts there (−1: it does not: a
    /// policy that does not count, or its caller stopped waiting), and the next attempt of the same
    /// call that counts (see `CallRecord.counted`). Free rows hold −1 in both.
    var balancerSlot: [Int32] = []
    var nextCounted: [Int32] = []
    /// Hashing balancers (Balancing/ConsistentHashRing.swift, MaglevTable.swift), per service (nil
    /// for other policies), salted with the service name.
    var hashRings: [ConsistentHashRing?]
    var maglevTables: [MaglevTable?]
    /// Some service's policy hashes request keys (else `requestKey` stays empty).
    let anyHashing: Bool
    /// Per request row, beside `requests` like `balancerSlot`: the request key. A root's comes from
    /// its workload (``submit(endpoint:workload:user:key:engine:)``); a call carries the key of the
    /// request making it, so a hashing balancer behind a frontend sees the user's key.
    var requestKey: [UInt64] = []
    /// Roots submitted without a key so far: such a root's key is this serial (see `submit`).
    var keylessRoots: UInt64 = 0
    /// Per service: membership changes of its hashing balancer (``setInstanceAvailable(service:instance:available:)``)
    /// and the fraction of the key space they remapped, summed (for a `keys_remapped` metric).
    public internal(set) var membershipChanges: [Int]
    public internal(set) var keysRemapped: [Double]
    /// Hashing structures of balancer views with ejected instances (outlier detection), by the
    /// view's first slot: a copy of the service's (or proxy's) ring or table with the view's
    /// ejected instances unavailable. Made at a view's first ejection; only picks in a view with
    /// ejections read them.
    var viewRings: [Int: ConsistentHashRing] = [:]
    var viewMaglev: [Int: MaglevTable] = [:]
    /// A proxy tier's view (first slot) → its balancer in `siteBalancers`.
    var overrideOfView: [Int: Int] = [:]
    /// Services whose instances some balancer picks by request key (their own policy, or a
    /// proxy's): their reports have `membership_changes` and `keys_remapped`.
    let svcHashed: [Bool]
    public var network: Network
    public let maxCallDepth: Int
    // Requests and calls.
    var requests = RowTable<Request>(capacity: 1024)
    /// Head of the free list of request rows (−1: none); a free row's `instance` links to the next.
    var freeHead: Int32 = -1
    var calls: [CallRecord] = []
    var freeCall: Int32 = -1
    // Resilience state.
    var rateLimits: [TokenBucket?]
    var breakers: [Int: CircuitBreaker] = [:]
    var bulkheads: [Int: Int] = [:]
    var budgets: [RetryBudget?]
    // Connections (protocols).
    let protocols: [ProtocolConfig]
    var pools: [Pool] = []
    var poolIndex: [Int: Int32] = [:]
    var conns: [Connection] = []
    var freeConn: Int32 = -1
    /// Scratch: the call sites a step makes.
    var made: [Int] = []
    // Statistics.
    public var gauges: RowTable<ServiceGauges>
    public var store: BatchStore
    public private(set) var inFlightTotal = 0
    /// Roots (workload requests) finished.
    public private(set) var finishedTotal: Int64 = 0
    public let maxInFlight: Int
    /// Closed-workload users whose request finished since the caller last emptied this.
    public var usersFinished: [UserFinished] = []
    /// Time series (nil when not sampled).
    public var series: TimeSeriesRecorder?
    let sampling: Bool
    /// Sampled request traces (nil when not traced).
    public var tracer: Tracer?
    /// Simple root requests end through ``finishSimpleRoot(_:instance:service:engine:)`` (true) or
    /// the general ``finish(_:_:service:engine:simple:)`` (false): the test that holds the two to
    /// the same records runs both.
    var simpleRootPath = true

    /// Default of `limits.max_call_depth`: far deeper than real call graphs (DeathStarBench's
    /// deepest path is 5 services), shallow enough to stop a runaway recursive call chain early.
    public static let defaultMaxCallDepth = 64

    /// - Parameter workloadEndpoints: the global endpoint index each workload sends to.
    public init(services: [ServiceConfig], workloadNames: [String], workloadEndpoints: [Int], seed: UInt64, replication: Int,
                maxInFlight: Int, timeseriesInterval: Int64?, network: NetworkConfig = NetworkConfig(),
                maxCallDepth: Int = Cluster.defaultMaxCallDepth, traceFraction: Double = 0) {
        self.services = services
        var endpointIndex: [String: Int] = [:]
        var epService: [Int32] = [], work: [Sampler] = [], streams: [RandomStream] = []
        for (si, s) in services.enumerated() {
            for e in s.endpoints {
                endpointIndex["\(s.name).\(e.name)"] = epService.count
                epService.append(Int32(si))
                work.append(Sampler(e.work))
                streams.append(RandomStream(master: seed, replication: replication, name: "service.\(s.name).\(e.name).work"))
            }
        }
        // Compile the endpoint programs.
        var opStart: [Int] = [], ops: [Op] = []
        var stepWork = work, stepStreams = streams
        var groupStart: [Int] = [], groupSites: [Int] = [], groupWaitFor: [Int] = []
        var siteSpecs: [(caller: Int, spec: CallSpec, target: Int)] = []
        var simple: [Bool] = []
        var e = 0
        for (si, s) in services.enumerated() {
            for ep in s.endpoints {
                opStart.append(ops.count)
                ops.append(.work(e))
                for (k, step) in ep.steps.enumerated() {
                    func site(_ c: CallSpec) -> Int {
                        siteSpecs.append((si, c, endpointIndex["\(c.service).\(c.endpoint)"] ?? 0))
                        return siteSpecs.count - 1
                    }
                    switch step {
                    case .work(let d):
                        ops.append(.work(stepWork.count))
                        stepWork.append(Sampler(d))
                        stepStreams.append(RandomStream(master: seed, replication: replication,
                                                        name: "service.\(s.name).\(ep.name).step\(k + 1).work"))
                    case .call(let c):
                        ops.append(.group(groupStart.count))
                        groupStart.append(groupSites.count)
                        groupSites.append(site(c))
                        groupWaitFor.append(1)
                    case .parallel(let cs, let k):
                        ops.append(.group(groupStart.count))
                        groupStart.append(groupSites.count)
                        for c in cs { groupSites.append(site(c)) }
                        groupWaitFor.append(min(k ?? cs.count, cs.count))
                    }
                }
                simple.append(ep.steps.isEmpty)
                e += 1
            }
        }
        opStart.append(ops.count)
        groupStart.append(groupSites.count)
        // Call scopes: one per (caller service, called endpoint), in order of first appearance.
        var pairIndex: [Int: Int] = [:]
        var pairs: [(caller: Int, endpoint: Int)] = []
        var siteScope: [Int] = []
        let endpointCount = epService.count
        for sp in siteSpecs {
            let key = sp.caller * endpointCount + sp.target
            if pairIndex[key] == nil { pairIndex[key] = pairs.count; pairs.append((sp.caller, sp.target)) }
            siteScope.append(pairIndex[key]!)
        }
        scopes = ScopeLayout(services: services, workloads: workloadNames, workloadEndpoints: workloadEndpoints,
                             calledEndpoints: Set(siteSpecs.map(\.target)), callPairs: pairs)
        var sites: [Site] = []
        var siteStreams: [RandomStream] = []
        var protocols: [ProtocolConfig] = []
        var endpointConfigs: [EndpointConfig] = []
        for s in services { endpointConfigs += s.endpoints }
        for (k, sp) in siteSpecs.enumerated() {
            let caller = services[sp.caller]
            let st = RandomStream(master: seed, replication: replication,
                                  name: "service.\(caller.name).calls.\(k).\(sp.spec.service).\(sp.spec.endpoint)")
            siteStreams.append(st)
            let c = sp.spec
            sites.append(Site(caller: sp.caller, target: sp.target, targetService: Int(epService[sp.target]),
                              probability: c.probability, optional: c.optional, timeout: c.timeout, retry: c.retries,
                              breaker: c.circuitBreaker, hedge: c.hedge, maxConcurrent: c.maxConcurrent,
                              slot: scopes.slotOf[scopes.call(siteScope[k])],
                              callerSlot: scopes.slotOf[scopes.service(sp.caller)], rng: st.rng))
            let target = endpointConfigs[sp.target]
            sites[k].requestBytes = target.requestSize
            sites[k].responseBytes = target.responseSize
            if let p = c.protocolConfig ?? services[Int(epService[sp.target])].protocolConfig ?? network.protocolConfig {
                if let i = protocols.firstIndex(of: p) { sites[k].proto = i } else { sites[k].proto = protocols.count; protocols.append(p) }
                sites[k].requestBytes += p.requestHeaderBytes
                sites[k].responseBytes += p.responseHeaderBytes
                let kib = Double(target.requestSize + target.responseSize) / 1024
                sites[k].serialNs = Int64((kib * Double(ProtocolConfig.cpuPerKiB(p.encoding))).rounded())
            }
        }
        self.protocols = protocols
        budgets = sites.map { s in s.retry.flatMap { p in p.budget.map { RetryBudget(fraction: $0, minRate: p.budgetMinRate) } } }
        self.opStart = opStart; self.ops = ops
        workBlocks = DrawBlocks(samplers: stepWork.map { if case .constant = $0.distribution { nil } else { $0 } },
                                streams: stepStreams)
        workConstant = stepWork.map { if case .constant(let v) = $0.distribution { SimDuration(seconds: v).ns } else { -1 } }
        self.groupStart = groupStart; self.groupSites = groupSites; self.groupWaitFor = groupWaitFor
        endpointSimple = simple
        endpointService = epService
        svcBalancer = services.map(\.balancer)
        // Rotation state, one per balancer: services' own for their roots (index = the service),
        // then one per (caller instance, callee service) for client-side calls, shared by every
        // call site of that caller service to that service. Each caller instance takes its own
        // turns, as each client of a client-side balancer does.
        var rotationService = Array(services.indices)
        var pairRotation: [Int: Int] = [:]
        for k in sites.indices {
            let ts = sites[k].targetService
            let key = sites[k].caller &* services.count &+ ts
            if let b = pairRotation[key] { sites[k].rotationBase = b; continue }
            pairRotation[key] = rotationService.count
            sites[k].rotationBase = rotationService.count
            rotationService += Array(repeating: ts, count: services[sites[k].caller].replicas)
        }
        roundRobin = Array(repeating: RoundRobin(), count: rotationService.count)
        weightedRoundRobin = rotationService.map {
            SmoothWeightedRoundRobin(weights: services[$0].balancer == .weightedRoundRobin
                                     ? (services[$0].balancerWeights ?? Array(repeating: 1, count: services[$0].replicas)) : [])
        }
        leastRequests = Array(repeating: LeastRequests(), count: rotationService.count)
        powerOfChoices = services.map { PowerOfChoices(choices: $0.balancer == .p2c ? $0.balancerChoices : 2) }
        hashRings = services.map {
            $0.balancer == .consistentHash
                ? ConsistentHashRing(salt: $0.name, count: $0.replicas, vnodes: $0.balancerVnodes, boundedLoad: $0.balancerBoundedLoad)
                : nil
        }
        maglevTables = services.map {
            $0.balancer == .maglev ? MaglevTable(salt: $0.name, count: $0.replicas, size: $0.balancerTableSize) : nil
        }
        svcHashed = services.indices.map { si in
            services[si].balancer.hashes && services[si].replicas > 1
                || siteSpecs.contains { $0.spec.proxyBalancer?.policy.hashes == true && $0.spec.service == services[si].name }
        }
        anyHashing = services.contains { $0.balancer.hashes }
            || siteSpecs.contains { $0.spec.proxyBalancer?.policy.hashes == true }
        membershipChanges = Array(repeating: 0, count: services.count)
        keysRemapped = Array(repeating: 0, count: services.count)
        // Counting views: one per service for its roots, then one per (caller instance, callee
        // service) for calls, shared by every call site of that caller service to that service.
        // A service whose balancer detects outliers has views whatever its policy.
        let hasView = services.map { $0.countsOutstanding || $0.outlierDetection != nil }
        let anyEwma = services.contains { $0.balancer == .ewma && $0.replicas > 1 }
            || siteSpecs.contains { $0.spec.proxyBalancer?.policy == .ewma }
        let anyOverride = siteSpecs.contains { $0.spec.proxyBalancer != nil }
        var overrideSite: [Int] = []
        var slotTau: [Double] = []
        let anyOutlier = services.contains { $0.outlierDetection != nil && $0.replicas > 1 }
        let keepsSlots = anyEwma || anyOutlier
        var slotService: [Int32] = [], slotBase: [Int32] = []
        var viewSize = 0
        var rootView: [Int] = []
        for (si, s) in services.enumerated() {
            guard hasView[si] else { rootView.append(-1); continue }
            rootView.append(viewSize)
            if keepsSlots {
                slotService += Array(repeating: Int32(si), count: s.replicas)
                slotBase += Array(repeating: Int32(viewSize), count: s.replicas)
                slotTau += Array(repeating: s.balancer == .ewma ? Double(s.balancerDecay) : 0, count: s.replicas)
            }
            viewSize += s.replicas
        }
        self.rootView = rootView
        var pairView: [Int: Int] = [:]
        var overrideOf: [Int: Int] = [:]
        var overrides: [(policy: ProxyBalancer, target: Int)] = []
        for k in sites.indices {
            let ts = sites[k].targetService
            if let pb = siteSpecs[k].spec.proxyBalancer {
                // A proxy tier: one balancer and one view per (proxy, target), shared by its instances.
                let key = sites[k].caller &* services.count &+ ts
                if let o = overrideOf[key] {
                    sites[k].override = o
                    sites[k].balancerBase = sites[overrideSite[o]].balancerBase
                    continue
                }
                overrideOf[key] = overrides.count
                overrideSite.append(k)
                sites[k].override = overrides.count
                overrides.append((pb, ts))
                sites[k].balancerBase = viewSize
                let n = services[ts].replicas
                if keepsSlots || pb.policy == .ewma {
                    slotService += Array(repeating: Int32(ts), count: n)
                    slotBase += Array(repeating: Int32(viewSize), count: n)
                    slotTau += Array(repeating: pb.policy == .ewma ? Double(pb.decay) : 0, count: n)
                }
                viewSize += n
                continue
            }
            guard hasView[ts] else { continue }
            let key = sites[k].caller &* services.count &+ ts
            if let b = pairView[key] { sites[k].balancerBase = b; continue }
            pairView[key] = viewSize
            sites[k].balancerBase = viewSize
            let callers = services[sites[k].caller].replicas, n = services[ts].replicas
            if keepsSlots {
                for c in 0..<callers {
                    slotService += Array(repeating: Int32(ts), count: n)
                    slotBase += Array(repeating: Int32(viewSize + c * n), count: n)
                    slotTau += Array(repeating: services[ts].balancer == .ewma ? Double(services[ts].balancerDecay) : 0, count: n)
                }
            }
            viewSize += callers * n
        }
        outstanding = Array(repeating: 0, count: viewSize)
        anyCounting = hasView.contains(true) || anyOverride
        self.anyEwma = anyEwma
        self.slotTau = slotTau
        self.anyOutlier = anyOutlier
        viewsObserve = keepsSlots
        self.slotService = slotService
        self.slotBase = slotBase
        svcEwmaTau = services.map { Double($0.balancerDecay) }
        var siteBalancerStreams: [RandomStream] = []
        siteBalancers = overrides.enumerated().map { j, o in
            let st = o.policy.policy.draws
                ? RandomStream(master: seed, replication: replication,
                               name: "service.\(services[sites[overrideSite[j]].caller].name).proxy.\(services[o.target].name).balancer")
                : nil
            if let st { siteBalancerStreams.append(st) }
            return SiteBalancer(config: o.policy, target: o.target, rng: st?.rng)
        }
        if anyEwma {
            ewmaCost = Array(repeating: 0, count: viewSize)
            ewmaStamp = Array(repeating: 0, count: viewSize)
        }
        svcOutlier = services.map(\.outlierDetection)
        if anyOutlier {
            outlier = Array(repeating: OutlierSlot(), count: viewSize)
            viewEjected = Array(repeating: 0, count: viewSize)
        }
        let balancerStreams = services.map {
            $0.balancer.draws
                ? RandomStream(master: seed, replication: replication, name: "service.\($0.name).balancer") : nil
        }
        balancerRNG = balancerStreams.map { $0?.rng }
        // Nothing of `self` is read before every stored property is set: reading a property of a
        // partly initialised noncopyable `self` miscompiles in release builds with Swift 6.3.
        let net = Network(config: network, seed: seed, replication: replication)
        let networkStreams = net.streams
        self.network = net
        self.maxCallDepth = maxCallDepth
        svcConcurrency = services.map(\.concurrency)
        svcQueueCapacity = services.map(\.queueCapacity)
        svcReplicas = services.map(\.replicas)
        svcLIFO = services.map { $0.discipline == .lifo }
        svcAsync = services.map { $0.io == .async }
        let dedicated = services.map { $0.cores >= $0.concurrency }
        let trackCores = services.map { s in
            s.cores >= s.concurrency && s.io == .blocking && s.endpoints.contains { !$0.steps.isEmpty }
        }
        svcDedicated = dedicated
        svcTrackCores = trackCores
        rateLimits = services.map { $0.rateLimit.map { TokenBucket(rate: $0.rate, burst: $0.burst) } }
        var gaugeRows = Array(repeating: ServiceGauges(), count: services.count)
        var instanceRows: [InstanceState] = [], instanceOf: [Int32] = [], firstOf: [Int] = []
        var zoneIndex: [String: Int] = [:]
        for (i, z) in network.zones.enumerated() { zoneIndex[z] = i }
        for (si, s) in services.enumerated() {
            firstOf.append(instanceRows.count)
            let zones = (s.zones ?? network.zones).map { zoneIndex[$0] ?? 0 }
            for k in 0..<s.replicas {
                instanceRows.append(InstanceState(cores: s.cores, zone: zones.isEmpty ? 0 : zones[k % zones.count]))
                instanceOf.append(Int32(si))
            }
            gaugeRows[si].replicas.set(Double(s.replicas), at: 0)
            gaugeRows[si].dedicated = dedicated[si] && !trackCores[si]
        }
        var zoneTables: [ZoneAware] = []
        for (si, s) in services.enumerated() {
            var zs: [Int] = []
            if s.balancer == .zoneAware { for k in 0..<s.replicas { zs.append(instanceRows[firstOf[si] + k].zone) } }
            zoneTables.append(ZoneAware(spillAt: s.balancerSpillAt, concurrency: s.concurrency, zoneOfInstance: zs))
        }
        gauges = RowTable(gaugeRows)
        instances = RowTable(instanceRows)
        instanceService = instanceOf
        firstInstance = firstOf
        zoneAware = zoneTables
        store = BatchStore(scopeCount: scopes.slotCount, serviceCount: services.count, instanceCount: instanceRows.count)
        self.maxInFlight = maxInFlight
        if let iv = timeseriesInterval {
            series = TimeSeriesRecorder(interval: iv, scopes: scopes, serviceCount: services.count)
        }
        sampling = timeseriesInterval != nil
        if traceFraction > 0 {
            tracer = Tracer(fraction: traceFraction,
                            stream: RandomStream(master: seed, replication: replication, name: "output.traces"))
        }
        self.sites = sites
        self.streams = stepStreams + siteStreams + balancerStreams.compactMap { $0 } + siteBalancerStreams + networkStreams
        for o in siteBalancers.indices {
            let t = siteBalancers[o].target
            let zs = (0..<services[t].replicas).map { instances[firstInstance[t] + $0].zone }
            siteBalancers[o].zoneAware = ZoneAware(spillAt: siteBalancers[o].config.spillAt,
                                                   concurrency: services[t].concurrency, zoneOfInstance: zs)
            let c = siteBalancers[o].config
            // A proxy hashing over its target: the target's ring or table, salted by the target's name
            // (so a proxy and a client-side balancer of the same service agree on where a key goes).
            if c.policy == .consistentHash {
                siteBalancers[o].ring = ConsistentHashRing(salt: services[t].name, count: services[t].replicas,
                                                           vnodes: c.vnodes, boundedLoad: c.boundedLoad)
            } else if c.policy == .maglev {
                siteBalancers[o].maglev = MaglevTable(salt: services[t].name, count: services[t].replicas, size: c.tableSize)
            }
            overrideOfView[sites[overrideSite[o]].balancerBase] = o
        }
    }

    // MARK: Arrivals

    /// A request for global endpoint `endpoint` arrives now from workload `workload`, with request
    /// key `key` (Workloads' `RequestKeyDraw`). A root without a key that meets a hashing balancer
    /// is hashed by its arrival serial (the 0th, 1st, … keyless root): it spreads like a random
    /// pick, and the same run repeats it. (Validation refuses scenarios where a workload without a
    /// key reaches a hashing service; this is for models built directly.)
    public mutating func submit(endpoint: Int, workload: Int, user: Int32, key: UInt64? = nil, engine: inout Engine) {
        let s = Int(endpointService[endpoint])
        var k: UInt64 = 0
        if anyHashing {
            if let key { k = key } else { k = StableHash.mix(keylessRoots ^ 0x6B65_796C_6573_7321); keylessRoots &+= 1 }
        }
        let (i, slot) = pickInstance(service: s, view: rootView[s], rotation: s, now: engine.now, zone: -1, key: k)
        let r = allocRequest(Request(arrival: engine.now, workload: Int32(workload), user: user,
                                     endpoint: Int32(endpoint), instance: Int32(i)))
        if slot >= 0 { balancerSlot[Int(r)] = slot }
        if anyHashing { requestKey[Int(r)] = k }
        if tracer != nil {
            let t = tracer!.sampleRoot()
            requests[Int(r)].trace = t.trace
            requests[Int(r)].spanId = t.span
        }
        arrive(r, instance: i, service: s, engine: &engine)
    }

    @inline(__always)
    mutating func allocRequest(_ row: Request) -> UInt32 {
        if freeHead >= 0 {
            let r = UInt32(freeHead)
            freeHead = requests[Int(r)].instance
            var x = row
            x.gen = requests[Int(r)].gen
            requests[Int(r)] = x
            return r
        }
        requests.append(row)
        if anyCounting { balancerSlot.append(-1); nextCounted.append(-1) }
        if anyHashing { requestKey.append(0) }
        if anyEwma { pickedAt.append(0) }
        return UInt32(requests.count - 1)
    }

    @inline(__always)
    mutating func freeRequest(_ r: UInt32) {
        releaseBalancerSlot(r)
        requests[Int(r)].gen &+= 1
        requests[Int(r)].instance = freeHead
        freeHead = Int32(r)
    }

    /// Request `r` reaches instance `i` of service `s`: rate limit, then a worker, the queue, or rejection.
    @inline(__always)
    mutating func arrive(_ r: UInt32, instance i: Int, service s: Int, engine: inout Engine) {
        let now = engine.now
        if rateLimits[s] != nil && !rateLimits[s]!.take(at: now) {
            finish(r, .rejected, service: s, engine: &engine)
            return
        }
        if instances[i].busyWorkers < svcConcurrency[s] {
            admit(&engine)
            instances[i].busyWorkers += 1
            gauges[s].workers.add(1, at: now)
            let e = Int(requests[Int(r)].endpoint)
            // A simple endpoint (work, then reply) is always admitted and holding its worker when it
            // ends: its flags are not kept (see `finish(_:_:service:engine:simple:)`).
            if endpointSimple[e] { start(r, work: drawWork(e) &+ requests[Int(r)].serial, instance: i, service: s, engine: &engine) }
            else {
                requests[Int(r)].flags |= RequestFlag.holdsWorker | RequestFlag.admitted
                run(r, engine: &engine)
            }
        } else if instances[i].queue.count < svcQueueCapacity[s] {
            admit(&engine)
            if !endpointSimple[Int(requests[Int(r)].endpoint)] { requests[Int(r)].flags |= RequestFlag.admitted }
            // LIFO: the newest waits in front.
            if svcLIFO[s] { instances[i].queue.pushFront(r, rows: &requests) }
            else { instances[i].queue.pushBack(r, rows: &requests) }
            gauges[s].queueLength.add(1, at: now)
        } else {
            finish(r, .rejected, service: s, engine: &engine)
        }
    }

    @inline(never)
    mutating func limitReached(_ engine: inout Engine) {
        engine.stopRequest = .model("max_in_flight (\(maxInFlight)) reached: more requests in the system than limits.max_in_flight allows (an unstable queue?)")
    }

    @inline(__always)
    mutating func admit(_ engine: inout Engine) {
        inFlightTotal += 1
        if inFlightTotal > maxInFlight && engine.stopRequest == nil { limitReached(&engine) }
    }

    /// An instance of service `s` from its balancer (Balancing/), and the request's place in the
    /// balancer's outstanding counts (−1: not counted). `view`: the first count of the balancer's
    /// view (−1 for policies that do not count); `zone`: the caller's zone (−1 for a root).
    @inline(__always)
    mutating func pickInstance(service s: Int, view: Int, rotation rot: Int, now: Int64, zone: Int, key: UInt64)
        -> (instance: Int, slot: Int32) {
        let n = svcReplicas[s]
        if n == 1 { return (firstInstance[s], -1) }
        if anyOutlier && view >= 0 && viewEjected[view] > 0 {
            return pickAvailable(service: s, view: view, rotation: rot, now: now, zone: zone, key: key)
        }
        let k: Int
        switch svcBalancer[s] {
        case .roundRobin:
            k = roundRobin[rot].pick(count: n)
            if view < 0 { return (firstInstance[s] + k, -1) }
        case .random:
            k = RandomBalancer.pick(count: n, rng: balancerRNG[s]!)
            if view < 0 { return (firstInstance[s] + k, -1) }
        case .weightedRoundRobin:
            k = weightedRoundRobin[rot].pick(count: n)
            if view < 0 { return (firstInstance[s] + k, -1) }
        case .leastRequests:
            k = leastRequests[rot].pick(count: n, outstanding: &outstanding, base: view, rng: nil)
        case .p2c:
            k = powerOfChoices[s].pick(count: n, outstanding: &outstanding, base: view, rng: balancerRNG[s])
        case .ewma:
            k = PeakEwma.pick(count: n, outstanding: outstanding, costs: &ewmaCost, stamps: &ewmaStamp, base: view,
                              now: now, tau: svcEwmaTau[s], rng: balancerRNG[s]!) { $0 }
        case .zoneAware:
            k = zoneAware[s].pick(zone: zone, count: n, outstanding: outstanding, base: view) { _ in false }
        case .consistentHash:
            k = hashRings[s]!.pick(key: key, outstanding: &outstanding, base: view)
            if view < 0 { return (firstInstance[s] + k, -1) }
        case .maglev:
            k = maglevTables[s]!.pick(key: key)
            if view < 0 { return (firstInstance[s] + k, -1) }
        }
        outstanding[view + k] += 1
        return (firstInstance[s] + k, Int32(view + k))
    }

    /// Marks instance `instance` (0 ..< replicas) of service `s` unavailable to its hashing balancer
    /// (removed by a scale-down, failed, ejected as an outlier) or available again. Later picks pass
    /// it over: a ring's keys of that instance move to the next available one clockwise; a Maglev
    /// table is populated again. Returns the fraction of the key space remapped, which is also
    /// added to ``keysRemapped`` (and the change counted in ``membershipChanges``). A service whose
    /// policy does not hash, or a change to the current state, returns 0. The last available
    /// instance cannot be removed (a programmer error).
    @discardableResult
    public mutating func setInstanceAvailable(service s: Int, instance: Int, available: Bool) -> Double {
        var f = 0.0
        if hashRings[s] != nil {
            guard hashRings[s]!.available[instance] != available else { return 0 }
            precondition(available || hashRings[s]!.availableCount > 1, "cannot remove the last available instance")
            f = hashRings[s]!.setAvailable(instance, available)
        } else if maglevTables[s] != nil {
            guard maglevTables[s]!.available[instance] != available else { return 0 }
            precondition(available || maglevTables[s]!.available.filter { $0 }.count > 1, "cannot remove the last available instance")
            f = maglevTables[s]!.setAvailable(instance, available)
        } else {
            return 0
        }
        membershipChanges[s] += 1
        keysRemapped[s] += f
        return f
    }

    /// The instance (global index) service `s`'s root balancer would pick for request key `key` now,
    /// for hashing policies (nil for others); picks nothing and counts nothing.
    public func hashedInstance(service s: Int, key: UInt64) -> Int? {
        if let r = hashRings[s] { return firstInstance[s] + r.owner(ofPoint: StableHash.keyPoint(key)) }
        if let m = maglevTables[s] { return firstInstance[s] + m.pick(key: key) }
        return nil
    }

    /// Request `r`'s caller stops waiting for it: it no longer counts as outstanding in its balancer's view.
    @inline(__always)
    mutating func releaseBalancerSlot(_ r: UInt32) {
        if anyCounting && balancerSlot[Int(r)] >= 0 { releaseCountedRequest(r) }
    }

    /// ``releaseBalancerSlot(_:)`` of a request that counts: an attempt also leaves its call's list.
    @inline(never)
    mutating func releaseCountedRequest(_ r: UInt32) {
        outstanding[Int(balancerSlot[Int(r)])] -= 1
        balancerSlot[Int(r)] = -1
        let c = Int(requests[Int(r)].parent)
        guard c >= 0 else { return }
        // An attempt that counts is on the list of its call (same generation): unlink it.
        var prev: Int32 = -1
        var x = calls[c].counted
        while x >= 0 {
            if x == Int32(r) {
                if prev < 0 { calls[c].counted = nextCounted[Int(x)] }
                else { nextCounted[Int(prev)] = nextCounted[Int(x)] }
                break
            }
            prev = x
            x = nextCounted[Int(x)]
        }
        nextCounted[Int(r)] = -1
    }

    /// The caller stops waiting for call `c` (resolved, or its step ended): attempts still out stop
    /// counting in their balancer's view now, though their callees finish them (a losing hedge, a
    /// call `wait_for` no longer needs).
    @inline(__always)
    mutating func abandonCountedAttempts(_ c: Int) {
        var x = calls[c].counted
        while x >= 0 {
            let slot = balancerSlot[Int(x)]
            if slot >= 0 { outstanding[Int(slot)] -= 1 }
            balancerSlot[Int(x)] = -1
            let next = nextCounted[Int(x)]
            nextCounted[Int(x)] = -1
            x = next
        }
        calls[c].counted = -1
    }

    /// The next draw (ns) of work `k` (an endpoint's first work or a later work step, `Op.work`).
    @inline(__always)
    func drawWork(_ k: Int) -> Int64 {
        let c = workConstant[k]
        return c >= 0 ? c : workBlocks.next(k)
    }

    /// Request `r`, holding a worker on instance `i`, starts `work` ns of CPU.
    @inline(__always)
    mutating func start(_ r: UInt32, work: Int64, instance i: Int, service s: Int, engine: inout Engine) {
        if svcDedicated[s] {
            if svcTrackCores[s] { gauges[s].busyCores.add(1, at: engine.now) }
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

    // MARK: Endpoint programs

    /// Runs request `r`'s program from its current step until it waits (CPU, a worker, calls) or ends.
    mutating func run(_ r: UInt32, engine: inout Engine) {
        while true {
            let req = requests[Int(r)]
            let e = Int(req.endpoint)
            let i = Int(req.instance)
            let s = Int(instanceService[i])
            let at = opStart[e] + Int(req.pc)
            if at == opStart[e + 1] {
                finish(r, .ok, service: s, engine: &engine)
                return
            }
            switch ops[at] {
            case .work(let k):
                if req.flags & RequestFlag.holdsWorker == 0 {
                    // Back from its calls (io: async): a worker again, or wait for one.
                    let now = engine.now
                    gauges[s].detached.add(-1, at: now)
                    requests[Int(r)].flags &= ~RequestFlag.detached
                    if instances[i].busyWorkers < svcConcurrency[s] {
                        instances[i].busyWorkers += 1
                        gauges[s].workers.add(1, at: now)
                        requests[Int(r)].flags |= RequestFlag.holdsWorker
                    } else {
                        instances[i].resume.pushBack(r, rows: &requests)
                        gauges[s].queueLength.add(1, at: now)
                        return
                    }
                }
                var w = drawWork(k)
                if req.pc == 0 { w &+= req.serial }
                if w > 0 {
                    start(r, work: w, instance: i, service: s, engine: &engine)
                    return
                }
                requests[Int(r)].pc += 1
            case .group(let g):
                if !issue(r, group: g, engine: &engine) { return }
            }
        }
    }

    /// Request `r`'s work ended: its next step, or its end.
    @inline(__always)
    mutating func workFinished(_ r: UInt32, engine: inout Engine) {
        let e = Int(requests[Int(r)].endpoint)
        if endpointSimple[e] {
            let i = Int(requests[Int(r)].instance)
            let s = Int(instanceService[i])
            if simpleRootPath && requests[Int(r)].parent < 0 && !viewsObserve {
                finishSimpleRoot(r, instance: i, service: s, engine: &engine)
            }
            else { finish(r, .ok, service: s, engine: &engine, simple: true) }
        } else {
            requests[Int(r)].pc += 1
            run(r, engine: &engine)
        }
    }

    /// Issues the calls of group `g` for request `r`. Returns true when the step is already over and
    /// `r` goes on to its next step (false: it waits, or it has ended).
    mutating func issue(_ r: UInt32, group g: Int, engine: inout Engine) -> Bool {
        let lo = groupStart[g], hi = groupStart[g + 1]
        // Which calls are made (`probability`), decided before any goes out; a call not made is
        // left out of the step: `wait_for` counts the calls made (at most all of them).
        made.removeAll(keepingCapacity: true)
        for k in lo..<hi {
            let site = groupSites[k]
            let p = sites[site].probability
            if p >= 1 || gsl_rng_uniform(sites[site].rng) < p { made.append(site) }
        }
        requests[Int(r)].firstCall = -1
        requests[Int(r)].outstanding = Int32(made.count)
        requests[Int(r)].needed = Int32(min(groupWaitFor[g], made.count))
        requests[Int(r)].spare = 0
        requests[Int(r)].flags |= RequestFlag.issuing
        for k in made.indices {
            let site = made[k]
            let c = allocCall(span: r, site: site, now: engine.now)
            calls[Int(c)].next = requests[Int(r)].firstCall
            requests[Int(r)].firstCall = Int32(c)
            beginCall(c, engine: &engine)
        }
        requests[Int(r)].flags &= ~RequestFlag.issuing
        return stepSettled(r, engine: &engine, resumeIfDone: false)
    }

    /// Decides whether `r`'s current call step is over. When it succeeded: with `resumeIfDone` runs the
    /// next steps; returns true. When it failed: ends `r`; returns false. Otherwise `r` waits (frees
    /// its worker if `io: async`); returns false.
    mutating func stepSettled(_ r: UInt32, engine: inout Engine, resumeIfDone: Bool) -> Bool {
        let req = requests[Int(r)]
        let i = Int(req.instance)
        let s = Int(instanceService[i])
        if req.needed <= 0 {
            endStep(r)
            requests[Int(r)].pc += 1
            if resumeIfDone { run(r, engine: &engine) }
            return true
        }
        if req.spare < 0 {
            endStep(r)
            finish(r, req.outcome, service: s, engine: &engine)
            return false
        }
        if svcAsync[s] && req.flags & RequestFlag.holdsWorker != 0 {
            requests[Int(r)].flags &= ~RequestFlag.holdsWorker
            requests[Int(r)].flags |= RequestFlag.detached
            gauges[s].detached.add(1, at: engine.now)
            releaseWorker(instance: i, service: s, engine: &engine)
        }
        return false
    }

    /// Frees the call records of `r`'s current step; calls still running are abandoned (their
    /// attempts' responses will find a newer generation and be dropped).
    mutating func endStep(_ r: UInt32) {
        var c = requests[Int(r)].firstCall
        while c >= 0 {
            let next = calls[Int(c)].next
            if calls[Int(c)].active {
                calls[Int(c)].active = false
                releaseBulkhead(UInt32(c))
                if calls[Int(c)].counted >= 0 { abandonCountedAttempts(Int(c)) }
            }
            calls[Int(c)].gen &+= 1
            calls[Int(c)].next = freeCall
            freeCall = c
            c = next
        }
        requests[Int(r)].firstCall = -1
    }

    // MARK: Calls

    mutating func allocCall(span r: UInt32, site: Int, now: Int64) -> UInt32 {
        var rec = CallRecord()
        rec.span = r
        rec.site = Int32(site)
        rec.start = now
        rec.active = true
        if freeCall >= 0 {
            let c = UInt32(freeCall)
            freeCall = calls[Int(c)].next
            rec.gen = calls[Int(c)].gen
            calls[Int(c)] = rec
            return c
        }
        calls.append(rec)
        return UInt32(calls.count - 1)
    }

    func callerInstance(_ c: UInt32) -> Int { Int(requests[Int(calls[Int(c)].span)].instance) }

    /// The call's first attempt, after its bulkhead and budget bookkeeping.
    mutating func beginCall(_ c: UInt32, engine: inout Engine) {
        let site = Int(calls[Int(c)].site)
        if budgets[site] != nil { budgets[site]!.recordCall(at: engine.now) }
        if let maxC = sites[site].maxConcurrent {
            let key = site &* instances.count &+ callerInstance(c)
            let n = bulkheads[key, default: 0]
            if n >= maxC {
                calls[Int(c)].active = false      // no bulkhead place taken
                resolveRejectedAtOnce(c, engine: &engine)
                return
            }
            bulkheads[key] = n + 1
        }
        attempt(c, engine: &engine)
        if calls[Int(c)].active, let h = sites[site].hedge, h.max > 0 {
            engine.schedule(after: h.after, kind: ClusterEventKind.hedge, index: c, tag: UInt64(calls[Int(c)].gen))
        }
    }

    /// A call refused before any attempt (bulkhead full): it ends rejected at once.
    mutating func resolveRejectedAtOnce(_ c: UInt32, engine: inout Engine) {
        calls[Int(c)].active = true
        resolve(c, .rejected, engine: &engine, releaseBulkhead: false)
    }

    mutating func releaseBulkhead(_ c: UInt32) {
        let site = Int(calls[Int(c)].site)
        guard sites[site].maxConcurrent != nil else { return }
        let key = site &* instances.count &+ callerInstance(c)
        if let n = bulkheads[key] { bulkheads[key] = n > 1 ? n - 1 : nil }
    }

    /// Sends one attempt of call `c`: breaker, depth limit, a callee instance, the request message.
    mutating func attempt(_ c: UInt32, engine: inout Engine) {
        let now = engine.now
        let site = Int(calls[Int(c)].site)
        let caller = calls[Int(c)].span
        let ci = Int(requests[Int(caller)].instance)
        let depth = Int(requests[Int(caller)].depth) + 1
        if depth > maxCallDepth {
            attemptEnded(c, .error, engine: &engine, countInBreaker: false)
            return
        }
        if sites[site].breaker != nil {
            let key = site &* instances.count &+ ci
            if breakers[key] == nil { breakers[key] = CircuitBreaker(sites[site].breaker!) }
            if !breakers[key]!.allow(at: now) {
                // Open: fail fast without calling (resilience4j's CallNotPermittedException).
                attemptEnded(c, .rejected, engine: &engine, countInBreaker: false)
                return
            }
        }
        let te = sites[site].target
        let ts = sites[site].targetService
        let vb = sites[site].balancerBase
        let key = anyHashing ? requestKey[Int(caller)] : 0
        let (i, slot) = sites[site].override >= 0
            ? pickOverride(sites[site].override, service: ts, view: vb, now: now, zone: instances[ci].zone, key: key)
            : pickInstance(service: ts, view: vb < 0 ? -1
                           : vb + (ci - firstInstance[sites[site].caller]) * svcReplicas[ts],
                           rotation: sites[site].rotationBase + (ci - firstInstance[sites[site].caller]),
                           now: now, zone: instances[ci].zone, key: key)
        var row = Request(arrival: now, workload: requests[Int(caller)].workload, user: -1,
                          endpoint: Int32(te), instance: Int32(i))
        row.parent = Int32(c)
        row.parentGen = calls[Int(c)].gen
        row.depth = UInt16(depth)
        row.site = Int32(site)
        row.serial = sites[site].serialNs
        if requests[Int(caller)].trace >= 0 {
            row.trace = requests[Int(caller)].trace
            row.parentSpan = requests[Int(caller)].spanId
            row.spanId = tracer!.newSpan()
        }
        let x = allocRequest(row)
        if anyHashing { requestKey[Int(x)] = key }
        if anyEwma { pickedAt[Int(x)] = now }
        if slot >= 0 {
            balancerSlot[Int(x)] = slot
            nextCounted[Int(x)] = calls[Int(c)].counted
            calls[Int(c)].counted = Int32(x)
        }
        calls[Int(c)].outstanding += 1
        if let t = sites[site].timeout {
            engine.schedule(after: t, kind: ClusterEventKind.attemptTimeout, index: x, tag: UInt64(requests[Int(x)].gen))
        }
        let p = sites[site].proto
        if p >= 0 { sendViaPool(x, protocol: p, from: ci, to: i, engine: &engine) }
        else { transmit(x, from: ci, engine: &engine) }
    }

    /// Attempt `x`'s request message leaves caller instance `ci` for its callee.
    mutating func transmit(_ x: UInt32, from ci: Int, engine: inout Engine) {
        let i = Int(requests[Int(x)].instance)
        let d = network.delay(fromZone: instances[ci].zone, fromInstance: ci, toZone: instances[i].zone, toInstance: i,
                              bytes: sites[Int(requests[Int(x)].site)].requestBytes)
        if let d {
            if d == 0 {
                requests[Int(x)].arrival = engine.now
                arrive(x, instance: i, service: Int(instanceService[i]), engine: &engine)
            }
            else { engine.schedule(after: d, kind: ClusterEventKind.deliverRequest, index: x) }
        } else if sites[Int(requests[Int(x)].site)].timeout == nil {
            // Dropped, and no timeout will ever come for it: nothing refers to the row any more.
            if requests[Int(x)].conn >= 0 { releaseConnection(of: x, engine: &engine) }
            freeRequest(x)
        } else {
            requests[Int(x)].flags |= RequestFlag.lost    // freed when its timeout fires
        }
    }

    /// An attempt of call `c` ended with `o` (its response, its timeout, or a refusal).
    mutating func attemptEnded(_ c: UInt32, _ o: Outcome, engine: inout Engine, countInBreaker: Bool = true) {
        let site = Int(calls[Int(c)].site)
        let now = engine.now
        if countInBreaker, sites[site].breaker != nil {
            let key = site &* instances.count &+ callerInstance(c)
            breakers[key]?.record(ok: o == .ok, at: now)
        }
        if o == .ok { resolve(c, .ok, engine: &engine); return }
        if calls[Int(c)].outstanding > 0 { return }          // a hedge is still out: wait for it
        if let p = sites[site].retry, Int(calls[Int(c)].retries) < p.max,
           budgets[site]?.allowRetry(at: now) ?? true {
            calls[Int(c)].retries += 1
            budgets[site]?.recordRetry(at: now)
            store.counters[sites[site].slot].retries &+= 1
            let cs = sites[site].callerSlot
            if cs != sites[site].slot { store.counters[cs].retries &+= 1 }
            let wait = backoff(c, policy: p)
            engine.schedule(after: wait, kind: ClusterEventKind.retry, index: c, tag: UInt64(calls[Int(c)].gen))
            return
        }
        resolve(c, o, engine: &engine)
    }

    /// The wait before the next retry of call `c` (its `retries` already counts it).
    mutating func backoff(_ c: UInt32, policy p: RetryPolicy) -> Int64 {
        let rng = sites[Int(calls[Int(c)].site)].rng
        let out = p.backoff(retry: Int(calls[Int(c)].retries), previous: calls[Int(c)].lastBackoff,
                            uniform: p.jitter == .none ? 0 : gsl_rng_uniform(rng))
        calls[Int(c)].lastBackoff = out
        return out
    }

    /// Call `c` is over with outcome `o`: recorded in its call scope, then its span goes on.
    mutating func resolve(_ c: UInt32, _ o: Outcome, engine: inout Engine, releaseBulkhead rb: Bool = true) {
        guard calls[Int(c)].active else { return }
        let now = engine.now
        let site = Int(calls[Int(c)].site)
        store.record(sites[site].slot, o, latency: now &- calls[Int(c)].start, admitted: true)
        if rb { releaseBulkhead(c) }
        calls[Int(c)].active = false
        if calls[Int(c)].counted >= 0 { abandonCountedAttempts(Int(c)) }
        let r = calls[Int(c)].span
        requests[Int(r)].outstanding -= 1
        let left = requests[Int(r)].outstanding
        if o == .ok {
            requests[Int(r)].needed -= 1
        } else if sites[site].optional {
            // A failed optional call neither counts nor fails the step: the step needs no more
            // successes than the calls still out can give.
            requests[Int(r)].needed = min(requests[Int(r)].needed, left)
        } else if left < requests[Int(r)].needed && requests[Int(r)].spare == 0 {
            // Too few calls left to reach `wait_for`: the step fails. A gateway answers a
            // downstream timeout with a timeout (504), anything else with an error.
            requests[Int(r)].spare = -1
            requests[Int(r)].outcome = o == .timeout ? .timeout : .error
        }
        if requests[Int(r)].flags & RequestFlag.issuing != 0 { return }
        let req = requests[Int(r)]
        if req.needed <= 0 || req.spare < 0 { _ = stepSettled(r, engine: &engine, resumeIfDone: true) }
    }

    // MARK: Events

    /// Handles the call events (kinds 3 to 11).
    public mutating func handleCallEvent(_ ev: Event, engine: inout Engine) {
        switch ev.kind {
        case ClusterEventKind.deliverRequest:
            let x = ev.index
            requests[Int(x)].arrival = engine.now
            let i = Int(requests[Int(x)].instance)
            arrive(x, instance: i, service: Int(instanceService[i]), engine: &engine)
        case ClusterEventKind.deliverResponse:
            responseArrived(ev.index, engine: &engine)
        case ClusterEventKind.attemptTimeout:
            let x = ev.index
            guard UInt64(requests[Int(x)].gen) == ev.tag else { return }
            let flags = requests[Int(x)].flags
            if flags & RequestFlag.orphan != 0 { return }
            requests[Int(x)].flags |= RequestFlag.orphan
            if viewsObserve { observeAttempt(x, .timeout, picked: pickedAt.isEmpty ? 0 : pickedAt[Int(x)], engine: &engine) }
            releaseBalancerSlot(x)
            let c = UInt32(requests[Int(x)].parent)
            let parentGen = requests[Int(x)].parentGen
            // Still waiting for a connection: its pool drops it when its turn comes.
            if flags & RequestFlag.waitingConn == 0 { abandonConnection(of: x, engine: &engine) }
            if flags & RequestFlag.lost != 0 { freeRequest(x) }    // it will never arrive
            // Only now: giving up the connection can start other requests, which can end this call's
            // step and reuse its record.
            let live = calls[Int(c)].active && calls[Int(c)].gen == parentGen
            if live {
                calls[Int(c)].outstanding -= 1
                attemptEnded(c, .timeout, engine: &engine)
            }
        case ClusterEventKind.retry:
            let c = ev.index
            guard calls[Int(c)].active, UInt64(calls[Int(c)].gen) == ev.tag else { return }
            attempt(c, engine: &engine)
        case ClusterEventKind.hedge:
            let c = ev.index
            guard calls[Int(c)].active, UInt64(calls[Int(c)].gen) == ev.tag, calls[Int(c)].outstanding > 0 else { return }
            let site = Int(calls[Int(c)].site)
            guard let h = sites[site].hedge, Int(calls[Int(c)].hedges) < h.max else { return }
            calls[Int(c)].hedges += 1
            attempt(c, engine: &engine)
            if calls[Int(c)].active && Int(calls[Int(c)].hedges) < h.max {
                engine.schedule(after: h.after, kind: ClusterEventKind.hedge, index: c, tag: UInt64(calls[Int(c)].gen))
            }
        case ClusterEventKind.connReady...ClusterEventKind.connRetry:
            handleConnectionEvent(ev, engine: &engine)
        case ClusterEventKind.unejectInstance:
            uneject(slot: Int(ev.index), generation: ev.tag)
        default:
            preconditionFailure("not a call event: \(ev.kind)")
        }
    }

    /// Span `x`'s response reached its caller.
    mutating func responseArrived(_ x: UInt32, engine: inout Engine) {
        let req = requests[Int(x)]
        let c = UInt32(req.parent)
        let o = req.outcome
        if viewsObserve { observeAttempt(x, o, picked: pickedAt.isEmpty ? 0 : pickedAt[Int(x)], engine: &engine) }
        if req.conn >= 0 { releaseConnection(of: x, engine: &engine) }
        freeRequest(x)
        // Only now: releasing the connection can start waiting requests, which can end this call's
        // step and reuse its record (a newer generation then).
        let live = req.flags & RequestFlag.orphan == 0 && calls[Int(c)].active && calls[Int(c)].gen == req.parentGen
        if live {
            calls[Int(c)].outstanding -= 1
            attemptEnded(c, o, engine: &engine)
        }
    }

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
        workFinished(r, engine: &engine)
    }

    /// Handles a ``ClusterEventKind/workDone`` event: request `r` finished its work on its own core.
    public mutating func handleWorkDone(request r: UInt32, engine: inout Engine) {
        let s = Int(instanceService[Int(requests[Int(r)].instance)])
        if svcTrackCores[s] { gauges[s].busyCores.add(-1, at: engine.now) }
        workFinished(r, engine: &engine)
    }

    /// A worker of instance `i` is free: it takes a request back from its calls, else a queued one.
    mutating func releaseWorker(instance i: Int, service s: Int, engine: inout Engine) {
        let now = engine.now
        if !instances[i].resume.isEmpty, let q = instances[i].resume.popFront(rows: requests) {
            gauges[s].queueLength.add(-1, at: now)
            requests[Int(q)].flags |= RequestFlag.holdsWorker
            run(q, engine: &engine)
            return
        }
        let next = instances[i].queue.popFront(rows: requests)
        if let q = next {
            // The worker passes straight to the next queued request: workers stay as they are.
            gauges[s].queueLength.add(-1, at: now)
            let e = Int(requests[Int(q)].endpoint)
            if endpointSimple[e] { start(q, work: drawWork(e) &+ requests[Int(q)].serial, instance: i, service: s, engine: &engine) }
            else {
                requests[Int(q)].flags |= RequestFlag.holdsWorker
                run(q, engine: &engine)
            }
        } else {
            instances[i].busyWorkers -= 1
            gauges[s].workers.add(-1, at: now)
        }
    }

    /// Request `r` at service `s` is over with outcome `o`: recorded, its worker freed, and its
    /// response sent (a span) or its workload told (a root).
    ///
    /// `simple`: `r` served a simple endpoint to its end, so it was admitted and holds its worker
    /// (those requests keep no flags).
    mutating func finish(_ r: UInt32, _ outcome: Outcome, service s: Int, engine: inout Engine, simple: Bool = false) {
        let now = engine.now
        let req = requests[Int(r)]
        let latency = now &- req.arrival
        let admitted = simple || req.flags & RequestFlag.admitted != 0
        if admitted { inFlightTotal -= 1 }
        let root = req.parent < 0
        if root && store.currentIsFull { store.openBatch(at: now, integrals: integrals(at: now)) }
        // Each distinct aggregate once: scopes with the same requests share a slot (ScopeLayout).
        let plan = root ? Int(req.workload) : scopes.workloadCount + Int(req.endpoint)
        var k = scopes.planStart[plan]
        let end = scopes.planStart[plan + 1]
        while k < end {
            store.record(scopes.planSlots[k], outcome, latency: latency, admitted: admitted)
            k += 1
        }
        if root {
            store.observe(latency)
            finishedTotal &+= 1
        }
        let i = Int(req.instance)
        if svcReplicas[s] > 1 { store.instanceCounts[2 &* i &+ (outcome == .ok ? 1 : 0)] &+= 1 }
        if sampling { series!.record(outcome, latency: latency, service: s, root: root) }
        if req.trace >= 0 {
            tracer!.record(TraceSpan(trace: req.trace, span: req.spanId, parent: req.parentSpan, service: Int32(s),
                                     endpoint: req.endpoint, instance: req.instance &- Int32(truncatingIfNeeded: firstInstance[s]),
                                     start: req.arrival, end: now, outcome: outcome))
        }
        if req.flags & RequestFlag.detached != 0 { gauges[s].detached.add(-1, at: now) }
        if !root {
            requests[Int(r)].flags &= ~(RequestFlag.detached | RequestFlag.admitted | RequestFlag.holdsWorker)
            requests[Int(r)].outcome = outcome
        }
        if simple || req.flags & RequestFlag.holdsWorker != 0 {
            releaseWorker(instance: i, service: s, engine: &engine)
        }
        if root {
            if req.user >= 0 { usersFinished.append(UserFinished(workload: req.workload, user: req.user)) }
            if viewsObserve { observeAttempt(r, outcome, picked: req.arrival, engine: &engine) }
            freeRequest(r)
            return
        }
        // The response goes back to the caller's instance, unless nobody waits for it any more (the
        // caller timed out, took another attempt's answer, or moved on): then it is dropped here,
        // with the same effect as dropping it on arrival.
        let c = Int(req.parent)
        if req.flags & RequestFlag.orphan != 0 || !calls[c].active || calls[c].gen != req.parentGen {
            if req.conn >= 0 { releaseConnection(of: r, engine: &engine) }
            freeRequest(r)
            return
        }
        let callerInst = Int(requests[Int(calls[c].span)].instance)
        let d = network.delay(fromZone: instances[i].zone, fromInstance: i, toZone: instances[callerInst].zone,
                              toInstance: callerInst, bytes: sites[Int(req.site)].responseBytes)
        if let d {
            if d == 0 { responseArrived(r, engine: &engine) }
            else { engine.schedule(after: d, kind: ClusterEventKind.deliverResponse, index: r) }
        } else {
            // Dropped: the caller hears nothing; the stream is given up. With a timeout the row stays
            // (lost) until it fires, so the caller does see it; without one nothing refers to it.
            if req.conn >= 0 { releaseConnection(of: r, engine: &engine) }
            if sites[Int(req.site)].timeout == nil { freeRequest(r) }
            else { requests[Int(r)].flags |= RequestFlag.lost }
        }
    }

    /// ``finish(_:_:service:engine:simple:)`` of a root request that served a simple endpoint to
    /// its end (outcome ok, admitted, holding its worker on instance `i` of service `s`) when no
    /// balancer view observes outcomes: the most common end of a request, with finish's general
    /// branches left out. It must record exactly what finish records (the reports' golden tests
    /// and the M/M/1 benchmark go through here).
    @inline(__always)
    mutating func finishSimpleRoot(_ r: UInt32, instance i: Int, service s: Int, engine: inout Engine) {
        let now = engine.now
        let arrival = requests[Int(r)].arrival
        let workload = Int(requests[Int(r)].workload)
        let latency = now &- arrival
        inFlightTotal -= 1
        if store.currentIsFull { store.openBatch(at: now, integrals: integrals(at: now)) }
        var k = scopes.planStart[workload]
        let end = scopes.planStart[workload + 1]
        while k < end {
            store.recordOK(scopes.planSlots[k], latency: latency)
            k += 1
        }
        store.observe(latency)
        finishedTotal &+= 1
        if svcReplicas[s] > 1 { store.instanceCounts[2 &* i &+ 1] &+= 1 }
        if sampling { series!.record(.ok, latency: latency, service: s, root: true) }
        let req = requests[Int(r)]
        if req.trace >= 0 {
            tracer!.record(TraceSpan(trace: req.trace, span: req.spanId, parent: req.parentSpan, service: Int32(s),
                                     endpoint: req.endpoint, instance: req.instance &- Int32(truncatingIfNeeded: firstInstance[s]),
                                     start: arrival, end: now, outcome: .ok))
        }
        if req.flags & RequestFlag.detached != 0 { gauges[s].detached.add(-1, at: now) }
        releaseWorker(instance: i, service: s, engine: &engine)
        if req.user >= 0 { usersFinished.append(UserFinished(workload: req.workload, user: req.user)) }
        freeRequest(r)
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

    /// "SERVICE.ENDPOINT" of global endpoint `e`.
    public func endpointName(_ e: Int) -> String {
        String(scopes.names[scopes.endpoint(e)].dropFirst("endpoint:".count))
    }
}
