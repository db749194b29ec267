@testable import ClusterModels
import SimKernel
import SimRandom
import Testing

let second: Int64 = 1_000_000_000

/// One scripted arrival: at `time`, a request to global endpoint `endpoint` from workload `workload`.
/// Every request carries a distinct `user` id, so its completion shows up in `usersFinished` and the
/// tests can tell requests apart.
struct Arrival {
    var time: Int64
    var endpoint: Int = 0
    var workload: Int = 0
    /// Request key (nil: none).
    var key: UInt64? = nil
}

/// The smallest driver of a ``Cluster`` (as Experiments' ClusterSimulation drives it): scripted
/// arrivals, the cluster's own completion events, and optional extra instants (warm-up end).
struct Driver: EventHandler, ~Copyable {
    static let arrivalKind: UInt32 = 16
    static let warmupKind: UInt32 = 19

    var cluster: Cluster
    var arrivals: [Arrival]
    /// Completions in the order they happened: (time, request id = index into `arrivals`).
    var finished: [(time: Int64, id: Int)] = []
    /// Completion events (either kind) handled, stale ones included.
    var completionEvents = 0

    mutating func handle(_ e: Event, engine: inout Engine) {
        switch e.kind {
        case ClusterEventKind.cpuDone:
            completionEvents += 1
            cluster.handleCPUDone(instance: Int(e.index), tag: e.tag, engine: &engine)
        case ClusterEventKind.workDone:
            completionEvents += 1
            cluster.handleWorkDone(request: e.index, engine: &engine)
        case ClusterEventKind.deliverRequest...ClusterEventKind.lastCallEvent:
            cluster.handleCallEvent(e, engine: &engine)
        case Driver.arrivalKind:
            let a = arrivals[Int(e.index)]
            cluster.submit(endpoint: a.endpoint, workload: a.workload, user: Int32(e.index), key: a.key, engine: &engine)
        case Driver.warmupKind:
            cluster.endWarmup(at: engine.now)
        default:
            preconditionFailure("unknown event kind \(e.kind)")
        }
        for f in cluster.usersFinished { finished.append((engine.now, Int(f.user))) }
        cluster.usersFinished.removeAll()
    }

    /// Finish time of each request, by id (−1 if it did not finish).
    var finishTimes: [Int64] {
        var t = [Int64](repeating: -1, count: arrivals.count)
        for f in finished { t[f.id] = f.time }
        return t
    }
}

struct Model {
    var services: [ServiceConfig]
    var workloadNames: [String] = ["w"]
    var workloadEndpoints: [Int] = [0]
    var seed: UInt64 = 1
    var maxInFlight = 1_000_000
    var network = NetworkConfig()
    var maxCallDepth = Cluster.defaultMaxCallDepth
    var timeseriesInterval: Int64? = nil
    var traceFraction = 0.0
    /// End simple root requests through the general `finish` instead of `finishSimpleRoot`.
    var generalFinish = false

    func cluster() -> Cluster {
        var c = Cluster(services: services, workloadNames: workloadNames, workloadEndpoints: workloadEndpoints,
                        seed: seed, replication: 0, maxInFlight: maxInFlight, timeseriesInterval: timeseriesInterval,
                        network: network, maxCallDepth: maxCallDepth, traceFraction: traceFraction)
        c.simpleRootPath = !generalFinish
        return c
    }

    /// Runs the scripted arrivals to `until` (events at exactly `until` run). Arrivals are scheduled
    /// up front in the given order, so arrivals at the same instant are submitted in that order, and
    /// before any completion due at the same instant. `warmupEnd` schedules `endWarmup` first of all.
    func run(_ arrivals: [Arrival], until: Int64 = Int64.max, warmupEnd: Int64? = nil,
             maxEvents: Int64 = 10_000_000) -> ModelRun {
        var engine = Engine()
        if let w = warmupEnd { engine.schedule(at: w, kind: Driver.warmupKind, index: 0) }
        for (i, a) in arrivals.enumerated() { engine.schedule(at: a.time, kind: Driver.arrivalKind, index: UInt32(i)) }
        var d = Driver(cluster: cluster(), arrivals: arrivals)
        let stop = engine.run(&d, until: until, maxEvents: maxEvents)
        return ModelRun(driver: d, engine: engine, stop: stop)
    }
}

/// What ``Model/run(_:until:warmupEnd:maxEvents:)`` ends with (a struct: a tuple cannot hold the
/// noncopyable driver).
struct ModelRun: ~Copyable {
    var driver: Driver
    var engine: Engine
    var stop: StopReason
}

/// One service `svc` with one endpoint `ep` of constant work.
func service(_ name: String = "svc", replicas: Int = 1, cores: Int = 1, concurrency: Int = 1,
             queue: Int = Int.max, discipline: QueueDiscipline = .fifo, balancer: BalancerPolicy = .roundRobin,
             work: Double = 1, endpoints: [String] = ["ep"]) -> ServiceConfig {
    ServiceConfig(name: name, replicas: replicas, cores: cores, concurrency: concurrency, queueCapacity: queue,
                  discipline: discipline, balancer: balancer,
                  endpoints: endpoints.map { EndpointConfig(name: $0, work: .constant(work)) })
}

extension Array where Element == MetricValue {
    /// The value of (scope, metric); records an issue when the row is missing.
    func value(_ scope: String, _ metric: String, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
        guard let m = first(where: { $0.scope == scope && $0.metric == metric }) else {
            Issue.record("no metric \(scope) \(metric)", sourceLocation: sourceLocation)
            return .nan
        }
        return m.value
    }
}

/// |a − b| ≤ tol·max(1, |b|).
func close(_ a: Double, _ b: Double, _ tol: Double = 1e-9) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }
