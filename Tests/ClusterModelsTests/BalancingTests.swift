@testable import ClusterModels
import CGSL
import SimKernel
import SimRandom
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
}
