import ClusterModels
import SimKernel
import Testing

/// The cluster model driven directly: worker pool, queue, disciplines, rejection, balancers, limits.
@Suite struct ClusterTests {
    // MARK: Processor sharing through the cluster

    @Test func processorSharingThroughTheCluster() {
        // Many workers, one core: requests share the core.
        let m = Model(services: [service(cores: 1, concurrency: 10, work: 1)])
        let r = m.run([Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [2 * second, 2 * second])
        let m2 = Model(services: [service(cores: 2, concurrency: 10, work: 1)])
        let r2 = m2.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0)])
        #expect(r2.driver.finishTimes == [1_500_000_000, 1_500_000_000, 1_500_000_000])
    }

    @Test func staleCompletionEventsAreIgnored() {
        // Work 2 s at 0 and 1 s at 0.5 s on one core shared by 10 workers: the completion scheduled
        // for 2 s is superseded at 0.5 s and must be dropped when it fires (generation mismatch).
        let m = Model(services: [ServiceConfig(name: "svc", cores: 1, concurrency: 10, queueCapacity: 0, endpoints: [
            EndpointConfig(name: "long", work: .constant(2)), EndpointConfig(name: "short", work: .constant(1)),
        ])], workloadNames: ["a", "b"], workloadEndpoints: [0, 1])
        let r = m.run([Arrival(time: 0, endpoint: 0, workload: 0), Arrival(time: second / 2, endpoint: 1, workload: 1)])
        #expect(r.driver.finishTimes == [3 * second, 2_500_000_000])
        #expect(r.driver.finished.map(\.id) == [1, 0])
        // Completion events: the stale one at 2 s, then 2.5 s and 3 s.
        #expect(r.driver.completionEvents == 3)
        #expect(r.stop == .drained)
        #expect(r.engine.now == 3 * second)
    }

    @Test func aCompletionWithAnOldTagDoesNothing() {
        var c = Model(services: [service(cores: 1, concurrency: 4, work: 1)]).cluster()
        var engine = Engine()
        c.submit(endpoint: 0, workload: 0, user: 0, engine: &engine)
        c.submit(endpoint: 0, workload: 0, user: 1, engine: &engine)
        #expect(c.inFlightTotal == 2)
        engine.now = 2 * second
        c.handleCPUDone(instance: 0, tag: 0, engine: &engine)          // generation 0 was superseded
        c.handleCPUDone(instance: 0, tag: 123_456, engine: &engine)    // never issued
        #expect(c.finishedTotal == 0)
        #expect(c.inFlightTotal == 2)
    }

    // MARK: Worker pool and queue

    @Test func oneWorkerSerializes() {
        let m = Model(services: [service(concurrency: 1, work: 1)])
        let r = m.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second, 2 * second, 3 * second])
        #expect(r.driver.finished.map(\.id) == [0, 1, 2])
        #expect(r.driver.cluster.inFlightTotal == 0)
        #expect(r.driver.cluster.finishedTotal == 3)
    }

    @Test func oneWorkerOnManyCoresStillSerializes() {
        // Cores do not admit requests; workers do.
        let m = Model(services: [service(cores: 4, concurrency: 1, work: 1)])
        let r = m.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [1 * second, 2 * second, 3 * second])
    }

    @Test func twoWorkersOnOneCoreShareIt() {
        // Two admitted at once share the core (2 s each); the third waits for a worker, then runs alone.
        let m = Model(services: [service(cores: 1, concurrency: 2, work: 1)])
        let r = m.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0)])
        #expect(r.driver.finishTimes == [2 * second, 2 * second, 3 * second])
    }

    @Test func fifoServesInArrivalOrder() {
        let m = Model(services: [service(concurrency: 1, discipline: .fifo, work: 1)])
        let r = m.run((0..<5).map { _ in Arrival(time: 0) })
        #expect(r.driver.finished.map(\.id) == [0, 1, 2, 3, 4])
        #expect(r.driver.finished.map(\.time) == [1, 2, 3, 4, 5].map { $0 * second })
    }

    @Test func lifoServesTheNewestWaitingFirst() {
        // Request 0 takes the worker; 1…4 wait; each time the worker frees, the newest waiting goes.
        let m = Model(services: [service(concurrency: 1, discipline: .lifo, work: 1)])
        let r = m.run((0..<5).map { _ in Arrival(time: 0) })
        #expect(r.driver.finished.map(\.id) == [0, 4, 3, 2, 1])
        #expect(r.driver.finished.map(\.time) == [1, 2, 3, 4, 5].map { $0 * second })
    }

    @Test func lifoWithArrivalsWhileBusy() {
        // 0 runs 0–1 s; 1 and 2 queue; at 1 s request 2 (newest) starts; 3 arrives at 1.5 s and is
        // the newest when 2 ends at 2 s; then 1.
        let m = Model(services: [service(concurrency: 1, discipline: .lifo, work: 1)])
        let r = m.run([Arrival(time: 0), Arrival(time: 0), Arrival(time: 0), Arrival(time: 1_500_000_000)])
        #expect(r.driver.finished.map(\.id) == [0, 2, 3, 1])
    }

    @Test func queueLongerThanTheRingBufferKeepsOrder() {
        // More than the ring queue's first allocation (8), to cross a growth while wrapped around.
        let m = Model(services: [service(concurrency: 1, work: 0.001)])
        var arrivals = (0..<6).map { _ in Arrival(time: 0) }
        arrivals += (0..<30).map { _ in Arrival(time: 2_500_000) }   // after 2 completions, head moved
        let r = m.run(arrivals)
        #expect(r.driver.finished.map(\.id) == Array(0..<36))
    }

    @Test(arguments: [0, 1]) func fullQueueRejects(capacity: Int) {
        let m = Model(services: [service(concurrency: 1, queue: capacity, work: 1)])
        let r = m.run((0..<4).map { _ in Arrival(time: 0) })
        let t = r.driver.finishTimes
        // Request 0 is served; `capacity` wait; the rest are rejected at once (latency 0).
        #expect(t[0] == 1 * second)
        for k in stride(from: 1, through: capacity, by: 1) { #expect(t[k] == Int64(k + 1) * second) }
        for k in (1 + capacity)..<4 { #expect(t[k] == 0, "request \(k) rejected on arrival") }
        let res = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: [50])
        let rejected = Double(3 - capacity)
        #expect(res.metrics.value("all", "rejection_rate") == rejected / 4)
        #expect(res.metrics.value("service:svc", "rejection_rate") == rejected / 4)
        #expect(res.metrics.value("all", "error_rate") == rejected / 4, "a rejection is an error too")
        #expect(res.metrics.value("all", "timeout_rate") == 0)
        #expect(res.metrics.value("all", "requests") == 4)
        // Latency percentiles are of successful requests only.
        #expect(res.metrics.value("all", "latency_mean") == Double(1 + capacity * 2) / Double(1 + capacity))
    }

    // MARK: Balancers

    @Test func roundRobinCyclesOverReplicasInOrder() {
        // 3 replicas with one core each and many workers; requests 0.1 s apart, 1 s of work each.
        // Round robin sends 0→r0, 1→r1, 2→r2, 3→r0. On r0, request 0 runs alone 0–0.3 s, then shares:
        // its 0.7 s left take 1.4 s (1.7 s); request 3 has had 0.7 s then and ends 0.3 s later (2.0 s).
        // Requests 1 and 2 run alone (1.1 s, 1.2 s). Had 3 gone to r1, 1 would end at 1.9 s.
        let m = Model(services: [service(replicas: 3, cores: 1, concurrency: 10, work: 1)])
        let r = m.run((0..<4).map { Arrival(time: Int64($0) * 100_000_000) })
        #expect(r.driver.finishTimes == [1_700_000_000, 1_100_000_000, 1_200_000_000, 2_000_000_000])
        // Six at once: two per replica, so all share a core with one other and end at 2 s.
        let r6 = m.run((0..<6).map { _ in Arrival(time: 0) })
        #expect(r6.driver.finishTimes == Array(repeating: 2 * second, count: 6))
    }

    /// Instance loads from completion times: with one worker per instance and 1 s of work, all
    /// requests at t = 0, instance k finishes its requests at 1, 2, …, n_k s. So the number of
    /// completions at j seconds is #{k: n_k ≥ j}, from which the sorted loads follow.
    static func sortedLoads(_ times: [Int64], replicas: Int) -> [Int] {
        var atSecond: [Int64: Int] = [:]
        for t in times { atSecond[t / second, default: 0] += 1 }
        var loads = [Int](repeating: 0, count: replicas)
        for (j, c) in atSecond { for k in 0..<c { loads[k] = max(loads[k], Int(j)) } }
        return loads.sorted()
    }

    @Test func randomBalancerIsReproducibleAndSpreadsEvenly() {
        let n = 4000, replicas = 4
        func run(seed: UInt64) -> [Int64] {
            let m = Model(services: [service(replicas: replicas, concurrency: 1, balancer: .random, work: 1)], seed: seed)
            let r = m.run((0..<n).map { _ in Arrival(time: 0) })
            #expect(r.driver.finished.count == n)
            return r.driver.finishTimes
        }
        let a = run(seed: 5), b = run(seed: 5), c = run(seed: 6)
        #expect(a == b, "same seed, same choices")
        #expect(a != c, "another seed, other choices")
        let loads = Self.sortedLoads(a, replicas: replicas)
        #expect(loads.reduce(0, +) == n)
        // Each count is Binomial(4000, 1/4): mean 1000, σ ≈ 27.4; 5σ ≈ 137.
        for l in loads { #expect(abs(l - n / replicas) < 137, "loads \(loads)") }
        // Not round robin in disguise: the loads are not all equal.
        #expect(Set(loads).count > 1, "loads \(loads)")
        // Round robin for contrast: exactly even.
        let rr = Model(services: [service(replicas: replicas, concurrency: 1, work: 1)])
            .run((0..<n).map { _ in Arrival(time: 0) })
        #expect(Self.sortedLoads(rr.driver.finishTimes, replicas: replicas) == [1000, 1000, 1000, 1000])
    }

    // MARK: Limits

    @Test func maxInFlightStopsAnOverloadedQueue() {
        // Arrivals every 0.5 s, 1 s of work, one worker, unbounded queue: the queue grows by one every
        // second. Completions come at 1.5 s, 2.5 s, …; the scripted arrivals were scheduled first, so
        // an arrival at the instant of a completion counts before it. After arrival 2m + 1 (at
        // m + 0.5 s) there are 2m + 1 − (m − 1) = m + 2 in the system: 51 > 50 first at m = 49, 49.5 s.
        let m = Model(services: [service(concurrency: 1, work: 1)], maxInFlight: 50)
        let arrivals = (1...400).map { Arrival(time: Int64($0) * 500_000_000) }
        let r = m.run(arrivals)
        guard case .model(let why) = r.stop else {
            Issue.record("expected a model stop, got \(r.stop)")
            return
        }
        #expect(why.contains("max_in_flight"))
        #expect(r.engine.now == 49_500_000_000)
        #expect(r.engine.stopRequest != nil)
        #expect(r.driver.cluster.inFlightTotal == 51)
    }

    @Test func maxInFlightIsNotHitByAStableQueue() {
        let m = Model(services: [service(concurrency: 1, work: 0.4)], maxInFlight: 1)
        let r = m.run((1...100).map { Arrival(time: Int64($0) * 500_000_000) })
        #expect(r.stop == .drained)
        #expect(r.engine.stopRequest == nil)
        #expect(r.driver.finished.count == 100)
    }

    @Test func rejectedRequestsDoNotCountTowardsMaxInFlight() {
        // A bounded queue sheds load instead of growing: no limit is hit.
        let m = Model(services: [service(concurrency: 1, queue: 5, work: 1)], maxInFlight: 10)
        let r = m.run((1...200).map { Arrival(time: Int64($0) * 100_000_000) })
        #expect(r.stop == .drained)
        let res = r.driver.cluster.results(end: r.engine.now, warmup: .fixed(0), percentiles: [])
        #expect(res.metrics.value("all", "rejection_rate") > 0.8)
    }
}
