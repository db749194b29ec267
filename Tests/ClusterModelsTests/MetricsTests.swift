import ClusterModels
import SimKernel
import Testing

/// Per-replication estimates against hand-computed integrals, in every scope layout; warm-up.
@Suite struct MetricsTests {
    /// Every 4 s from 1 s on (1, 5, …, 37 s), two requests of 1.5 s arrive together: the first runs
    /// 1.5 s, the second waits 1.5 s and runs 1.5 s. Per 4-s cycle: 3 s busy, 1.5 s one waiting,
    /// in flight 2 for 1.5 s and 1 for 1.5 s (4.5 s); latencies 1.5 s and 3 s. With `twoWorkloads`,
    /// the first of each pair comes from workload 0, the second from workload 1.
    static func pairs(cycles: Int = 10, twoWorkloads: Bool = false) -> [Arrival] {
        var out: [Arrival] = []
        for k in 0..<cycles {
            let t: Int64 = Int64(4 * k + 1) * second
            out.append(Arrival(time: t, workload: 0))
            out.append(Arrival(time: t, workload: twoWorkloads ? 1 : 0))
        }
        return out
    }

    static let oneWorker = service(cores: 1, concurrency: 1, work: 1.5)

    @Test func oneServiceOneEndpointOneWorkloadShareOneSlot() {
        let m = Model(services: [Self.oneWorker])
        let layout = m.cluster().scopes
        #expect(layout.names == ["all", "service:svc", "endpoint:svc.ep", "workload:w"])
        #expect(layout.slotCount == 1)
        #expect(Set(layout.slotOf) == [0])
    }

    @Test func integralsOfAHandComputedCase() {
        let m = Model(services: [Self.oneWorker])
        let r = m.run(Self.pairs(), until: 40 * second)
        #expect(r.driver.finished.count == 20)
        let res = r.driver.cluster.results(end: 40 * second, warmup: .fixed(0), percentiles: [50, 99])
        #expect(res.warmup == 0)
        let v = res.metrics
        // The four scopes are the same requests, and each reports them.
        for scope in ["all", "endpoint:svc.ep", "workload:w"] {
            #expect(v.value(scope, "requests") == 20)
            #expect(close(v.value(scope, "throughput"), 0.5))
            #expect(close(v.value(scope, "latency_mean"), 2.25))
            #expect(abs(v.value(scope, "latency_p50") - 1.5) <= 0.01 * 1.5)
            #expect(abs(v.value(scope, "latency_p99") - 3.0) <= 0.01 * 3.0)
            #expect(v.value(scope, "error_rate") == 0)
        }
        let svc = "service:svc"
        #expect(close(v.value(svc, "throughput"), 0.5))
        #expect(close(v.value(svc, "utilization"), 0.75))            // 30 s busy of 40
        #expect(close(v.value(svc, "queue_length_mean"), 0.375))     // 15 of 40
        #expect(close(v.value(svc, "in_flight_mean"), 1.125))        // 45 of 40
        #expect(close(v.value(svc, "replicas_mean"), 1))
        #expect(v.value(svc, "replicas_max") == 1)
        // L = 1.125, λ = 0.5/s, W = 2.25 s: exactly λW.
        #expect(v.value(svc, "littles_law_gap") < 1e-12)
    }

    @Test func integralsWhenRequestsShareACore() {
        // Two workers on one core: each pair shares the core and both finish 3 s after arriving.
        // Per cycle: 3 s busy, nothing queued, 2 in flight for 3 s.
        let m = Model(services: [service(cores: 1, concurrency: 2, work: 1.5)])
        let r = m.run(Self.pairs(), until: 40 * second)
        let v = r.driver.cluster.results(end: 40 * second, warmup: .fixed(0), percentiles: [50]).metrics
        #expect(close(v.value("all", "latency_mean"), 3))
        #expect(close(v.value("service:svc", "utilization"), 0.75))
        #expect(v.value("service:svc", "queue_length_mean") == 0)
        #expect(close(v.value("service:svc", "in_flight_mean"), 1.5))
        #expect(v.value("service:svc", "littles_law_gap") < 1e-12)
    }

    @Test func utilizationIsOverEveryCoreOfEveryReplica() {
        // 2 replicas × 2 cores: the pair goes one request to each replica (round robin), each alone on
        // a core for 1.5 s: 3 core-seconds per 4 s over 4 cores = 0.1875.
        let m = Model(services: [service(replicas: 2, cores: 2, concurrency: 4, work: 1.5)])
        let r = m.run(Self.pairs(), until: 40 * second)
        let v = r.driver.cluster.results(end: 40 * second, warmup: .fixed(0), percentiles: []).metrics
        #expect(close(v.value("service:svc", "utilization"), 0.1875))
        #expect(close(v.value("service:svc", "replicas_mean"), 2))
        #expect(close(v.value("service:svc", "in_flight_mean"), 0.75))
        #expect(close(v.value("all", "latency_mean"), 1.5))
    }

    @Test func twoWorkloadsOnOneEndpointKeepTheirOwnSlots() {
        let m = Model(services: [Self.oneWorker], workloadNames: ["first", "second"], workloadEndpoints: [0, 0])
        let layout = m.cluster().scopes
        #expect(layout.names == ["all", "service:svc", "endpoint:svc.ep", "workload:first", "workload:second"])
        let all = layout.slotOf[0]
        #expect(layout.slotOf[layout.service(0)] == all)
        #expect(layout.slotOf[layout.endpoint(0)] == all)
        #expect(layout.slotOf[layout.workload(0)] != all)
        #expect(layout.slotOf[layout.workload(1)] != all)
        #expect(layout.slotOf[layout.workload(0)] != layout.slotOf[layout.workload(1)])
        #expect(layout.slotCount == 3)

        let r = m.run(Self.pairs(twoWorkloads: true), until: 40 * second)
        let v = r.driver.cluster.results(end: 40 * second, warmup: .fixed(0), percentiles: [50]).metrics
        for scope in ["all", "endpoint:svc.ep"] {
            #expect(v.value(scope, "requests") == 20)
            #expect(close(v.value(scope, "latency_mean"), 2.25))
            #expect(close(v.value(scope, "throughput"), 0.5))
        }
        // The first of each pair never waits; the second always waits 1.5 s.
        #expect(v.value("workload:first", "requests") == 10)
        #expect(close(v.value("workload:first", "latency_mean"), 1.5))
        #expect(close(v.value("workload:first", "throughput"), 0.25))
        #expect(v.value("workload:second", "requests") == 10)
        #expect(close(v.value("workload:second", "latency_mean"), 3))
        #expect(close(v.value("workload:second", "throughput"), 0.25))
        #expect(close(v.value("service:svc", "throughput"), 0.5))
        #expect(close(v.value("service:svc", "utilization"), 0.75))
        #expect(close(v.value("service:svc", "in_flight_mean"), 1.125))
    }

    @Test func twoServicesThreeWorkloadsAndAnUnusedEndpoint() {
        // x: endpoints a (1 s), b (2 s), unused (1 s); y: endpoint c (0.5 s). Workloads p → x.a,
        // q → x.b, r → y.c. Scopes sharing requests: service y = endpoint y.c = workload r;
        // endpoint x.a = workload p; endpoint x.b = workload q. x.unused has a slot of its own.
        let x = ServiceConfig(name: "x", cores: 1, concurrency: 10, endpoints: [
            EndpointConfig(name: "a", work: .constant(1)), EndpointConfig(name: "b", work: .constant(2)),
            EndpointConfig(name: "unused", work: .constant(1)),
        ])
        let y = ServiceConfig(name: "y", cores: 1, concurrency: 1, endpoints: [EndpointConfig(name: "c", work: .constant(0.5))])
        let m = Model(services: [x, y], workloadNames: ["p", "q", "r"], workloadEndpoints: [0, 1, 3])
        let L = m.cluster().scopes
        #expect(L.names == ["all", "service:x", "service:y", "endpoint:x.a", "endpoint:x.b", "endpoint:x.unused",
                            "endpoint:y.c", "workload:p", "workload:q", "workload:r"])
        func slot(_ name: String) -> Int { L.slotOf[L.names.firstIndex(of: name)!] }
        #expect(slot("service:y") == slot("endpoint:y.c"))
        #expect(slot("service:y") == slot("workload:r"))
        #expect(slot("endpoint:x.a") == slot("workload:p"))
        #expect(slot("endpoint:x.b") == slot("workload:q"))
        #expect(Set(["all", "service:x", "service:y", "endpoint:x.a", "endpoint:x.b", "endpoint:x.unused"].map(slot)).count == 6)
        #expect(L.slotCount == 6)

        // Every 10 s: p and q together on x (sharing its core: a ends after 2 s, b after 3 s), r on y (0.5 s).
        var arrivals: [Arrival] = []
        for k in 0..<5 {
            let t = Int64(10 * k) * second
            arrivals += [Arrival(time: t, endpoint: 0, workload: 0), Arrival(time: t, endpoint: 1, workload: 1),
                         Arrival(time: t, endpoint: 3, workload: 2)]
        }
        let r = m.run(arrivals, until: 50 * second)
        let v = r.driver.cluster.results(end: 50 * second, warmup: .fixed(0), percentiles: [50]).metrics
        #expect(v.value("all", "requests") == 15)
        #expect(close(v.value("all", "latency_mean"), (2 + 3 + 0.5) / 3))
        #expect(close(v.value("service:x", "throughput"), 10.0 / 50))
        #expect(close(v.value("service:y", "throughput"), 5.0 / 50))
        for (scope, latency) in [("endpoint:x.a", 2.0), ("workload:p", 2.0), ("endpoint:x.b", 3.0), ("workload:q", 3.0),
                                 ("endpoint:y.c", 0.5), ("workload:r", 0.5)] {
            #expect(v.value(scope, "requests") == 5, "\(scope)")
            #expect(close(v.value(scope, "latency_mean"), latency), "\(scope)")
            #expect(close(v.value(scope, "throughput"), 0.1), "\(scope)")
        }
        #expect(v.value("endpoint:x.unused", "requests") == 0)
        #expect(v.value("endpoint:x.unused", "latency_mean").isNaN)
        #expect(v.value("endpoint:x.unused", "error_rate").isNaN)
        // x: busy 3 s of every 10 (the core is shared, never idle while either runs); y: 0.5 of 10.
        #expect(close(v.value("service:x", "utilization"), 0.3))
        #expect(close(v.value("service:y", "utilization"), 0.05))
        #expect(close(v.value("service:x", "in_flight_mean"), 0.5))   // (2 + 3) s per 10 s
        #expect(close(v.value("service:y", "in_flight_mean"), 0.05))
        #expect(v.value("service:x", "littles_law_gap") < 1e-12)
        #expect(v.value("service:y", "littles_law_gap") < 1e-12)
    }

    // MARK: Warm-up

    @Test func fixedWarmupDropsEverythingBefore() {
        // The warm-up ends at 21 s: the cycles starting at 21, 25, 29, 33, 37 s remain, over 19 s.
        let m = Model(services: [Self.oneWorker])
        let r = m.run(Self.pairs(), until: 40 * second, warmupEnd: 21 * second)
        let res = r.driver.cluster.results(end: 40 * second, warmup: .fixed(21 * second), percentiles: [50])
        #expect(res.warmup == 21 * second)
        #expect(!res.mserAtLimit)
        let v = res.metrics
        #expect(v.value("all", "requests") == 10)
        #expect(close(v.value("all", "latency_mean"), 2.25))
        #expect(close(v.value("all", "throughput"), 10.0 / 19))
        #expect(close(v.value("service:svc", "utilization"), 15.0 / 19))
        #expect(close(v.value("service:svc", "queue_length_mean"), 7.5 / 19))
        #expect(close(v.value("service:svc", "in_flight_mean"), 22.5 / 19))
    }

    @Test func fixedWarmupCountsRequestsThatFinishAfterIt() {
        // Pairs at 1 s and 5 s; the warm-up ends at 3 s, while the first pair's second request runs
        // (2.5–4 s). It counts, with its whole latency (3 s); the first request (ended 2.5 s) does not.
        let m = Model(services: [Self.oneWorker])
        let r = m.run(Self.pairs(cycles: 2), until: 8 * second, warmupEnd: 3 * second)
        let v = r.driver.cluster.results(end: 8 * second, warmup: .fixed(3 * second), percentiles: [50]).metrics
        #expect(v.value("all", "requests") == 3)
        #expect(close(v.value("all", "latency_mean"), (3 + 1.5 + 3) / 3))
        // Busy from 3 to 4 s and 5 to 8 s: 4 s of 5.
        #expect(close(v.value("service:svc", "utilization"), 0.8))
    }

    @Test func mserTruncatesAnInitialBurst() {
        // 300 requests at once (a backlog that takes 300 s to clear, latencies 1…300 s), then from
        // 1000 s one request every 2 s that never waits (latency 1 s exactly).
        let m = Model(services: [service(concurrency: 1, work: 1)])
        var arrivals = (0..<300).map { _ in Arrival(time: 0) }
        for k in 0..<3000 { arrivals.append(Arrival(time: (1000 + 2 * Int64(k)) * second)) }
        let r = m.run(arrivals)
        let end = r.engine.now
        let none = r.driver.cluster.results(end: end, warmup: .fixed(0), percentiles: [50])
        #expect(none.metrics.value("all", "latency_mean") > 10, "the burst dominates without truncation")
        let res = r.driver.cluster.results(end: end, warmup: .mser, percentiles: [50, 99])
        #expect(res.warmup >= 300 * second, "MSER keeps the burst out: warm-up \(Double(res.warmup) * 1e-9) s")
        #expect(res.warmup < 2000 * second, "…and not much more")
        #expect(!res.mserAtLimit)
        #expect(res.metrics.value("all", "latency_mean") == 1)
        #expect(abs(res.metrics.value("all", "latency_p99") - 1) < 0.01)
        let requests = res.metrics.value("all", "requests")
        #expect(requests > 2000 && requests < 3000)
        // Throughput over the kept span: one request per 2 s.
        #expect(abs(res.metrics.value("all", "throughput") - 0.5) < 0.01)
        #expect(res.metrics.value("service:svc", "littles_law_gap") < 0.01)
    }

    @Test func mserKeepsEverythingWithoutATransient() {
        // Constant arrivals into an idle server: every batch is the same, nothing to cut.
        let m = Model(services: [service(concurrency: 1, work: 1)])
        let r = m.run((0..<2000).map { Arrival(time: 2 * Int64($0) * second) })
        let res = r.driver.cluster.results(end: r.engine.now, warmup: .mser, percentiles: [50])
        #expect(res.warmup == 0)
        #expect(res.metrics.value("all", "requests") == 2000)
    }
}
