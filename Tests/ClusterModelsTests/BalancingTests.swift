@testable import ClusterModels
import CGSL
import SimKernel
import SimRandom
import Foundation
import Testing

/// The balancer policies (Sources/ClusterModels/Balancing/) alone and inside the cluster.
@Suite struct BalancingTests {
    // MARK: Policies alone

    @Test func smoothWeightedRoundRobinSpreadsAsNginxDoes() {
        // Nginx's example (ngx_http_upstream_round_robin.c, 1.0.1 change log): weights 5, 1, 1 give
        // a a b a c a a.
        var w = SmoothWeightedRoundRobin(weights: [5, 1, 1])
        #expect((0..<14).map { _ in w.pick(count: 3) } == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
        // Equal weights: exactly round robin's order.
        var e = SmoothWeightedRoundRobin(weights: [1, 1, 1])
        var rr = RoundRobin()
        for _ in 0..<9 { #expect(e.pick(count: 3) == rr.pick(count: 3)) }
    }

    @Test func leastRequestsTakesTheFewestAndRotatesTies() {
        var lr = LeastRequests()
        var counts: [Int32] = [9, 2, 0, 1, 7]
        #expect(lr.pick(count: 4, outstanding: &counts, base: 1, rng: nil) == 1)   // view [2, 0, 1, 7]
        var zeros: [Int32] = [0, 0, 0]
        var fresh = LeastRequests()
        #expect((0..<6).map { _ in fresh.pick(count: 3, outstanding: &zeros, base: 0, rng: nil) } == [0, 1, 2, 0, 1, 2])
    }

    @Test func powerOfChoicesDrawsDistinctCandidatesAndTakesTheLeastLoaded() {
        let stream = RandomStream(master: 3, replication: 0, name: "test")
        // d = n: every instance is a candidate, so the pick is the least loaded one.
        var all = PowerOfChoices(choices: 3)
        var counts: [Int32] = [5, 0, 5]
        for _ in 0..<100 { #expect(all.pick(count: 3, outstanding: &counts, base: 0, rng: stream.rng) == 1) }
        // d = 2 of 5 with one busy instance: it is picked only if both candidates are it (never,
        // being distinct) or the other is as busy; the idle ones share the rest evenly.
        var two = PowerOfChoices(choices: 2)
        var busy: [Int32] = [100, 0, 0, 0, 0]
        var hits = [Int](repeating: 0, count: 5)
        for _ in 0..<40_000 { hits[two.pick(count: 5, outstanding: &busy, base: 0, rng: stream.rng)] += 1 }
        #expect(hits[0] == 0)
        for k in 1..<5 { #expect(abs(hits[k] - 10_000) < 500, "hits \(hits)") }
        // Exactly d draws a pick, so a stream's later draws do not depend on the loads.
        let a = RandomStream(master: 9, replication: 0, name: "x"), b = RandomStream(master: 9, replication: 0, name: "x")
        var p = PowerOfChoices(choices: 3), q = PowerOfChoices(choices: 3)
        var ca: [Int32] = [0, 1, 2, 3, 4, 5], cb: [Int32] = [5, 4, 3, 2, 1, 0]
        for _ in 0..<50 {
            _ = p.pick(count: 6, outstanding: &ca, base: 0, rng: a.rng)
            _ = q.pick(count: 6, outstanding: &cb, base: 0, rng: b.rng)
        }
        #expect(gsl_rng_get(a.rng) == gsl_rng_get(b.rng))
    }

    // MARK: In the cluster

    func svc(_ name: String, replicas: Int, balancer: BalancerPolicy, work: Double = 1,
             steps: [EndpointStep] = [], concurrency: Int = 1) -> ServiceConfig {
        ServiceConfig(name: name, replicas: replicas, cores: concurrency, concurrency: concurrency, queueCapacity: Int.max,
                      balancer: balancer, endpoints: [EndpointConfig(name: "ep", work: .constant(work), steps: steps)])
    }

    @Test func rootsStopCountingWhenTheyFinish() {
        // Two instances, 1 s of work, one worker each. Three requests at 0: least_requests sends
        // two to one instance (done at 1 s and 2 s) and one to the other (done at 1 s). At 1.5 s
        // the second is idle, the first still busy: the fourth goes to the idle one, done at 2.5 s.
        for policy in [BalancerPolicy.leastRequests, .p2c] {
            let m = Model(services: [svc("s", replicas: 2, balancer: policy)])
            let r = m.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0), Arrival(time: 3 * second / 2)])
            #expect(r.driver.finishTimes.sorted() == [second, second, 2 * second, 5 * second / 2], "\(policy)")
            #expect(r.driver.cluster.outstanding.allSatisfy { $0 == 0 }, "\(policy): \(r.driver.cluster.outstanding)")
        }
    }

    @Test func weightedRoundRobinFollowsItsWeights() {
        var s = svc("s", replicas: 3, balancer: .weightedRoundRobin)
        s.balancerWeights = [2, 1, 1]
        let r = Model(services: [s]).run((0..<8).map { _ in Arrival(time: 0) })
        // Instance 0 gets 4 of 8 (done at 1, 2, 3, 4 s), the others 2 each.
        #expect(r.driver.finishTimes.sorted() == [1, 1, 1, 2, 2, 2, 3, 4].map { $0 * second })
    }

    @Test func instanceScopesGiveEachReplicasShareAndTheServiceItsImbalance() {
        // Weights 2, 1, 1 and 8 requests: instance 0 serves 4, the others 2 each; max/mean = 4/(8/3).
        var s = svc("s", replicas: 3, balancer: .weightedRoundRobin)
        s.balancerWeights = [2, 1, 1]
        let r = Model(services: [s]).run((0..<8).map { _ in Arrival(time: 0) })
        let m = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: []).metrics
        #expect(m.value("instance:s/0", "requests") == 4)
        #expect(m.value("instance:s/1", "requests") == 2)
        #expect(m.value("instance:s/2", "requests") == 2)
        #expect(m.value("instance:s/0", "load_share") == 0.5)
        #expect(m.value("instance:s/2", "load_share") == 0.25)
        // Throughput over the 4 s run: 4/4 and 2/4 a second.
        #expect(close(m.value("instance:s/0", "throughput"), 1))
        #expect(close(m.value("instance:s/1", "throughput"), 0.5))
        #expect(close(m.value("service:s", "load_imbalance"), 1.5))
        // Instance rows come after every other scope, in replica order.
        let scopes = m.map(\.scope)
        #expect(scopes.firstIndex(of: "instance:s/0")! > scopes.lastIndex(of: "service:s")!)
        // A lone instance is its service: share 1, imbalance 1.
        let one = Model(services: [svc("t", replicas: 1, balancer: .roundRobin)]).run([Arrival(time: 0), Arrival(time: 0)])
        let m1 = one.driver.cluster.results(end: one.engine.now, warmup: .fixed(0), percentiles: []).metrics
        #expect(m1.value("instance:t/0", "requests") == 2)
        #expect(m1.value("instance:t/0", "load_share") == 1)
        #expect(m1.value("service:t", "load_imbalance") == 1)
    }

    @Test func eachCallerInstanceTakesItsOwnTurns() {
        // Roots alternate between web0 and web1 (the service's one rotation); each web instance
        // calls db (2 instances, round robin) with its own rotation: web0's first call and web1's
        // first call both go to db0. (A rotation shared by both callers would send the second to db1.)
        for policy in [BalancerPolicy.roundRobin, .weightedRoundRobin, .leastRequests] {
            let call = CallSpec(service: "db", endpoint: "ep")
            let web = svc("web", replicas: 2, balancer: .roundRobin, work: 0, steps: [.call(call)], concurrency: 10)
            let db = svc("db", replicas: 2, balancer: policy, work: 0.1, concurrency: 10)
            let r = Model(services: [web, db]).run([Arrival(time: 0), Arrival(time: second)])
            let m = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: []).metrics
            #expect(m.value("instance:web/0", "requests") == 1, "\(policy)")
            #expect(m.value("instance:db/0", "requests") == 2, "\(policy)")
            #expect(m.value("instance:db/1", "requests") == 0, "\(policy)")
        }
    }

    @Test func instanceCountsRespectTheWarmUp() {
        // Round robin over 2 instances, arrivals every second, 1 s of work: after a warm-up ending
        // at 4.5 s only the requests finished after it count (at 5, 6, 7, 8 s: two per instance).
        let r = Model(services: [svc("s", replicas: 2, balancer: .roundRobin)])
            .run((0..<8).map { Arrival(time: Int64($0) * second) }, warmupEnd: 4 * second + second / 2)
        let m = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(4 * second + second / 2), percentiles: []).metrics
        #expect(m.value("instance:s/0", "requests") == 2)
        #expect(m.value("instance:s/1", "requests") == 2)
        #expect(m.value("service:s", "load_imbalance") == 1)
    }

    @Test func anAbandonedHedgeStopsCountingWhenTheCallResolves() {
        // web calls db (2 instances, 1 s of work, many workers) with a hedge after 0.5 s: the first
        // attempt goes to db0, the hedge to db1. At 1 s the first answers and the call is over:
        // the hedge, still running until 1.5 s, no longer counts in web's view from then on.
        var call = CallSpec(service: "db", endpoint: "ep")
        call.hedge = HedgeConfig(after: 500 * 1_000_000)
        let web = svc("web", replicas: 1, balancer: .roundRobin, work: 0, steps: [.call(call)], concurrency: 10)
        let db = svc("db", replicas: 2, balancer: .leastRequests, work: 1, concurrency: 10)
        let m = Model(services: [web, db])
        let view = 2   // db's root view comes first
        let during = m.run([Arrival(time: 0)], until: 750 * 1_000_000)
        #expect(Array(during.driver.cluster.outstanding[view...]) == [1, 1])
        let after = m.run([Arrival(time: 0)], until: 1200 * 1_000_000)
        #expect(after.driver.finishTimes == [second])
        #expect(Array(after.driver.cluster.outstanding[view...]) == [0, 0])
    }

    @Test func callersKeepTheirOwnViewsAndEveryAttemptIsReleased() {
        // web (2 instances) calls db (3 instances) with a timeout, retries and a hedge; db is
        // sometimes slow. However attempts end (answered, timed out, abandoned), every view's
        // counts are back to zero once the run is over.
        for policy in [BalancerPolicy.leastRequests, .p2c] {
            var call = CallSpec(service: "db", endpoint: "ep")
            call.timeout = 1500 * 1_000_000
            call.retries = RetryPolicy(max: 2)
            call.hedge = HedgeConfig(after: 500 * 1_000_000)
            let web = svc("web", replicas: 2, balancer: .roundRobin, work: 0.01, steps: [.call(call)], concurrency: 50)
            let db = ServiceConfig(name: "db", replicas: 3, cores: 1, concurrency: 1, queueCapacity: Int.max,
                                   balancer: policy,
                                   endpoints: [EndpointConfig(name: "ep", work: .exponential(mean: 0.4))])
            var m = Model(services: [web, db])
            m.seed = 7
            let r = m.run((0..<300).map { Arrival(time: Int64($0) * 300_000_000) })
            #expect(r.driver.finished.count == 300)
            let c = r.driver.cluster
            // db's root view (every counting service has one) and one view of db per web instance.
            #expect(c.outstanding.count == 3 + 2 * 3)
            #expect(c.outstanding.allSatisfy { $0 == 0 }, "\(policy): \(c.outstanding)")
        }
    }

    // MARK: Views that observe (ewma, outlier detection) and zone_aware

    /// web (one instance, zone a) calls db (instances in `dbZones`); within a zone 1 ms each way,
    /// across zones `across` each way. One root every `gap`.
    func zoned(_ policy: BalancerPolicy, dbZones: [String], across: Double = 0.010, dbWork: Double = 0.001,
               timeout: Int64? = nil, dbConcurrency: Int = 10) -> (model: Model, web: ServiceConfig, db: ServiceConfig) {
        var call = CallSpec(service: "db", endpoint: "ep")
        call.timeout = timeout
        var web = svc("web", replicas: 1, balancer: .roundRobin, work: 0, steps: [.call(call)], concurrency: 100)
        web.zones = ["a"]
        var db = svc("db", replicas: dbZones.count, balancer: policy, work: dbWork, concurrency: dbConcurrency)
        db.zones = dbZones
        var m = Model(services: [web, db])
        m.network.zones = ["a", "b"]
        m.network.withinZone = .init(latency: .constant(0.001))
        m.network.acrossZones = .init(latency: .constant(across))
        return (m, web, db)
    }

    @Test func peakEwmaUpdatesAsFinagleDoes() {
        // A slower observation replaces the cost at once; a faster one moves it by 1 − e^(−Δt/τ).
        var cost = 0.0, stamp: Int64 = 0
        let tau = 10e9
        PeakEwma.update(cost: &cost, stamp: &stamp, rtt: 20e6, now: second, tau: tau)
        #expect(cost == 20e6)
        PeakEwma.update(cost: &cost, stamp: &stamp, rtt: 2e6, now: 11 * second, tau: tau)
        let w = exp(-1.0)
        #expect(abs(cost - (20e6 * w + 2e6 * (1 - w))) < 1e-3)
        // No latency yet but requests out: Finagle's penalty; idle and unobserved: 0.
        var costs: [Double] = [0, 0], stamps: [Int64] = [0, 0]
        let outs: [Int32] = [1, 0]
        #expect(PeakEwma.load(slot: 0, outstanding: outs, costs: &costs, stamps: &stamps, now: 0, tau: tau) == PeakEwma.penalty + 1)
        #expect(PeakEwma.load(slot: 1, outstanding: outs, costs: &costs, stamps: &stamps, now: 0, tau: tau) == 0)
    }

    @Test func ewmaMovesLoadAwayFromASlowInstance() {
        // db (no work) in web's zone answers in 1 ms + 1 ms = 2 ms, across zones in 10 + 10 = 20 ms:
        // 10× slower. One root every 100 ms, never two out at once. The first pick sees two costs
        // of 0 and takes the first drawn; the next takes the other one (cost 0 against the first's
        // 2 ms): both are observed. From then on p2c over two always compares both, and the slow one
        // would only win again once its cost, read (and so decayed) at every pick, fell below the
        // fast one's: 20 ms · e^(−t/10 s) < ~2 ms, after ~23 s. Over 20 s it gets exactly 1 of the
        // 200 roots, where round robin gives it 100.
        let arrivals = (0..<200).map { Arrival(time: Int64($0) * 100_000_000) }
        func slowShare(_ p: BalancerPolicy) -> Int {
            let r = zoned(p, dbZones: ["a", "b"], dbWork: 0).model.run(arrivals)
            #expect(r.driver.finished.count == 200)
            return zip(arrivals, r.driver.finishTimes).filter { $1 - $0.time > 10_000_000 }.count
        }
        #expect(slowShare(.roundRobin) == 100)
        #expect(slowShare(.ewma) == 1)
        // Deterministic: the same run twice gives the same finish times.
        let a = zoned(.ewma, dbZones: ["a", "b"]).model.run(arrivals).driver.finishTimes
        let b = zoned(.ewma, dbZones: ["a", "b"]).model.run(arrivals).driver.finishTimes
        #expect(a == b)
    }

    @Test func zoneAwareStaysLocalUnderSpillAtAndSpillsAbove() {
        // db: one instance in zone a (web's), one in b, 10 workers each, 1 s of work; spill at 50%:
        // local while the local instance has at most 5 outstanding from web.
        var (m, _, db) = zoned(.zoneAware, dbZones: ["a", "b"], dbWork: 1)
        db.balancerSpillAt = 0.5
        m.services[1] = db
        let view = 2   // db's root view (2 slots) comes first, then web's view of db
        let five = m.run((0..<5).map { _ in Arrival(time: 0) }, until: second / 2)
        #expect(Array(five.driver.cluster.outstanding[view...]) == [5, 0])
        let eight = m.run((0..<8).map { _ in Arrival(time: 0) }, until: second / 2)
        #expect(Array(eight.driver.cluster.outstanding[view...]) == [5, 3])
        // Roots (no caller zone) take the zones in turn.
        var roots = m
        roots.workloadEndpoints = [1]
        let r = roots.run((0..<4).map { _ in Arrival(time: 0, endpoint: 1) }, until: second / 2)
        #expect(Array(r.driver.cluster.outstanding[0..<2]) == [2, 2])
    }

    /// db2 (zone b) answers after 2 s, web times out at 0.5 s: every call to it fails. One root a second.
    func failing(_ policy: BalancerPolicy, dbZones: [String] = ["a", "a", "b"], od: OutlierDetection) -> Model {
        var (m, _, db) = zoned(policy, dbZones: dbZones, across: 1, timeout: 500_000_000)
        db.outlierDetection = od
        m.services[1] = db
        return m
    }

    @Test func outlierDetectionEjectsAfterConsecutiveErrorsAndDoublesTheNextEjection() {
        // Round robin: db2 gets roots 2, 5, 8 (calls at 2, 5, 8 s); the third timeout, at 8.5 s,
        // ejects it for 10 s: back at 18.5 s. Three more timeouts eject it again, for 20 s.
        let m = failing(.roundRobin, od: OutlierDetection(consecutiveErrors: 3, ejection: 10 * second,
                                                           maxEjection: 300 * second, maxEjected: 0.34))
        // (A third ejection, for 30 s, starts at 52.5 s.)
        let arrivals = (0..<55).map { Arrival(time: Int64($0) * second) }
        let slot = 3 + 2   // db's root view (3), then web's view: db2
        var ejectedAt: [Int64] = []   // quarter seconds at which db2 is ejected in web's view
        for q in stride(from: Int64(0), to: 56 * 4, by: 1) {
            let run = m.run(arrivals, until: q * second / 4 + 1)
            let c = run.driver.cluster
            if c.outlier[slot].ejected { ejectedAt.append(q) }
        }
        // First ejection: 8.5 s ..< 18.5 s, i.e. quarters 34 ..< 74.
        #expect(ejectedAt.first == 34)
        let firstRun = ejectedAt.prefix { $0 < 74 }
        #expect(firstRun.count == 40 && firstRun.last == 73)
        // The next three calls to db2 time out at 19.5, 22.5 and 25.5 s: ejected 25.5 ..< 45.5 s.
        let again = ejectedAt.filter { $0 >= 74 && $0 < 200 }
        #expect(again.first == 102)
        #expect(again.count == 80, "second ejection lasts 20 s: \(again)")
        #expect(again.last.map { $0 - again[0] + 1 } == 80)
        let run = m.run(arrivals)
        let end = run.driver.cluster
        #expect(end.outlier[slot].times == 3)
        let dbSlot = end.scopes.slotOf[end.scopes.service(1)]
        #expect(end.store.closed.map { $0.scopes[dbSlot].ejections }.reduce(end.store.current.scopes[dbSlot].ejections, +) == 3)
        #expect(end.outstanding.allSatisfy { $0 == 0 })
    }

    @Test func aSuccessResetsTheConsecutiveErrors() {
        // Roots to db (2 instances, round robin, ejected at 3 errors in a row), whose endpoint calls
        // dep (1 worker, no queue: a call finding it busy is rejected and the root fails). Blockers
        // keep dep busy over 0–1 s and 3–4 s. db0 fails at 0.1 and 0.3 s, succeeds at 1.5 s (done at
        // 2.5 s), fails at 3.1 and 3.2 s: 4 errors, never 3 in a row. db1 fails at 0.2, 0.4 and
        // 1.6 s: ejected at 1.6 s.
        let db = svc("db", replicas: 2, balancer: .roundRobin, work: 0,
                     steps: [.call(CallSpec(service: "dep", endpoint: "ep"))], concurrency: 10)
        var withOD = db
        withOD.outlierDetection = OutlierDetection(consecutiveErrors: 3, ejection: 10 * second, maxEjection: 300 * second,
                                                   maxEjected: 1)
        let dep = ServiceConfig(name: "dep", replicas: 1, cores: 1, concurrency: 1, queueCapacity: 0,
                                endpoints: [EndpointConfig(name: "ep", work: .constant(1))])
        let ms: Int64 = 1_000_000
        let arrivals = [Arrival(time: 0, endpoint: 1)] + [100, 200, 300, 400, 1500, 1600].map { Arrival(time: $0 * ms) }
            + [Arrival(time: 3000 * ms, endpoint: 1)] + [3100, 3200].map { Arrival(time: $0 * ms) }
        let r = Model(services: [withOD, dep]).run(arrivals, until: 5 * second)
        let finishTimes = r.driver.finishTimes
        let c = r.driver.cluster
        #expect(!c.outlier[0].ejected && c.outlier[0].consecutive == 2 && c.outlier[0].times == 0)
        #expect(c.outlier[1].ejected && c.outlier[1].times == 1)
        // Both roots after 3 s went to db0 (db1 ejected) and failed.
        #expect(finishTimes.suffix(2) == [3100 * ms, 3200 * ms])
    }

    @Test func outlierDetectionNeverEjectsAboveMaxEjected() {
        // db1 and db2 both fail; max 10% of 3 instances: only the one Envoy always allows at a time.
        // (zone_aware keeps web's calls on db0, in its zone: nothing fails there.)
        for policy in [BalancerPolicy.roundRobin, .random, .leastRequests, .p2c, .ewma, .weightedRoundRobin] {
            let m = failing(policy, dbZones: ["a", "b", "b"],
                            od: OutlierDetection(consecutiveErrors: 1, ejection: 5 * second, maxEjection: 300 * second, maxEjected: 0.1))
            let arrivals = (0..<60).map { Arrival(time: Int64($0) * second / 2) }
            var most: Int32 = 0
            var ever = false
            for q in 0..<120 {
                let run = m.run(arrivals, until: Int64(q) * second / 4 + 1)
                let c = run.driver.cluster
                most = max(most, c.viewEjected[3])
                if c.viewEjected[3] > 0 { ever = true }
            }
            #expect(ever, "\(policy)")
            #expect(most == 1, "\(policy)")
        }
    }

    // MARK: Proxy tier

    /// A proxy tier `px` (2 instances, 2 ms of work, max_connections 10) in front of db (2
    /// instances, 1 s of work, round robin of its own), 5 ms each way on the network.
    func proxied(_ policy: BalancerPolicy) -> Model {
        var call = CallSpec(service: "db", endpoint: "ep")
        call.proxyBalancer = ProxyBalancer(policy: policy)
        let px = ServiceConfig(name: "px", replicas: 2, cores: 10, concurrency: 10, queueCapacity: Int.max,
                               balancer: .roundRobin,
                               endpoints: [EndpointConfig(name: "ep", work: .constant(0.002), steps: [.call(call)])])
        let db = svc("db", replicas: 2, balancer: .roundRobin, work: 1, concurrency: 10)
        var m = Model(services: [px, db])
        m.network.withinZone = .init(latency: .constant(0.005))
        return m
    }

    @Test func aProxyTierAddsItsWorkAndOneHop() {
        // Straight to db: 1 s. Through the proxy: 2 ms of work, 5 ms there, 1 s, 5 ms back.
        let m = proxied(.leastRequests)
        let direct = m.run([Arrival(time: 0, endpoint: 1)])
        #expect(direct.driver.finishTimes == [second])
        let viaProxy = m.run([Arrival(time: 0, endpoint: 0)])
        #expect(viaProxy.driver.finishTimes == [second + 12_000_000])
    }

    @Test func aProxyTierBalancesThroughOneSharedView() {
        // Four roots at 0 reach px0, px1, px0, px1; both proxy instances count in the one view of
        // db, so least_requests spreads them 2 and 2 and the view has db's 2 slots, not 2 × 2.
        for policy in [BalancerPolicy.leastRequests, .p2c, .ewma] {
            let r = proxied(policy).run((0..<4).map { _ in Arrival(time: 0) }, until: second / 2)
            let c = r.driver.cluster
            #expect(c.outstanding.count == 2, "\(policy)")
            if policy != .ewma { #expect(c.outstanding == [2, 2], "\(policy)") }
            #expect(c.outstanding.reduce(0, +) == 4, "\(policy)")
            let done = proxied(policy).run((0..<4).map { _ in Arrival(time: 0) })
            #expect(done.driver.finished.count == 4)
            #expect(done.driver.cluster.outstanding == [0, 0])
        }
        // Deterministic with draws: two runs, the same finish times.
        let a = proxied(.p2c).run((0..<50).map { Arrival(time: Int64($0) * 10_000_000) }).driver.finishTimes
        let b = proxied(.p2c).run((0..<50).map { Arrival(time: Int64($0) * 10_000_000) }).driver.finishTimes
        #expect(a == b)
    }
}
