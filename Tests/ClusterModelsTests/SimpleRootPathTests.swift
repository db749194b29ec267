@testable import ClusterModels
import SimKernel
import SimRandom
import Foundation
import Testing

/// `finishSimpleRoot` is a copy of `finish` for its most common case (a root request that served a
/// simple endpoint): the same runs through it and through the general `finish` must record the same
/// numbers, bit for bit.
@Suite struct SimpleRootPathTests {
    /// Two services under random work and arrivals: `web` with 3 replicas of 2 dedicated workers
    /// (FIFO, a short queue that rejects), `batch` with 4 workers sharing 1 core (processor sharing,
    /// LIFO); time series, traces, warm-up batches and per-instance counts all on.
    func model(generalFinish: Bool) -> Model {
        let web = ServiceConfig(name: "web", replicas: 3, cores: 2, concurrency: 2, queueCapacity: 3,
                                endpoints: [EndpointConfig(name: "get", work: .exponential(mean: 0.05)),
                                            EndpointConfig(name: "put", work: .constant(0.02))])
        let batch = ServiceConfig(name: "batch", replicas: 1, cores: 1, concurrency: 4, queueCapacity: 1_000,
                                  discipline: .lifo, endpoints: [EndpointConfig(name: "run", work: .exponential(mean: 0.2))])
        var m = Model(services: [web, batch], workloadNames: ["a", "b", "c"], workloadEndpoints: [0, 1, 2])
        m.timeseriesInterval = second
        m.traceFraction = 0.5
        m.generalFinish = generalFinish
        return m
    }

    /// About 100 arrivals a second over 30 s, to the three endpoints at random (xorshift64, fixed seed).
    func arrivals() -> [Arrival] {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }
        var t: Int64 = 0
        return (0..<3_000).map { _ in
            let u = Double(next() >> 11) / 9_007_199_254_740_992   // [0, 1)
            t += Int64(-0.01 * log(1 - u) * 1e9)
            let w = Int(next() % 3)
            return Arrival(time: t, endpoint: w, workload: w)
        }
    }

    @Test func finishSimpleRootRecordsWhatFinishRecords() {
        var fast = model(generalFinish: false).run(arrivals())
        var general = model(generalFinish: true).run(arrivals())
        fast.driver.cluster.sample(at: fast.engine.now)        // the time series' one interval
        general.driver.cluster.sample(at: general.engine.now)
        #expect(fast.engine.now == general.engine.now && fast.engine.eventsProcessed == general.engine.eventsProcessed)
        #expect(fast.driver.cluster.finishedTotal == 3_000 && general.driver.cluster.finishedTotal == 3_000)
        let ra = fast.driver.cluster.results(end: fast.engine.now, warmup: .mser, percentiles: [50, 99])
        let rb = general.driver.cluster.results(end: general.engine.now, warmup: .mser, percentiles: [50, 99])
        #expect(ra.warmup == rb.warmup)
        let differing = zip(ra.metrics, rb.metrics).filter { $0.0 != $0.1 }
            .map { "\($0.0.scope) \($0.0.metric): \($0.0.value) against \($0.1.value)" }
        #expect(ra.metrics.count == rb.metrics.count && differing.isEmpty, "\(differing)")
        #expect(ra.metrics.contains { $0.scope == "service:web" && $0.metric == "rejection_rate" && $0.value > 0 },
                "the short queue rejects some requests")
        #expect(fast.driver.cluster.series!.rows == general.driver.cluster.series!.rows && !fast.driver.cluster.series!.rows.isEmpty)
        #expect(fast.driver.cluster.tracer!.spans == general.driver.cluster.tracer!.spans && !fast.driver.cluster.tracer!.spans.isEmpty)
        #expect(fast.driver.finished.map(\.time) == general.driver.finished.map(\.time))
        #expect(fast.driver.finished.map(\.id) == general.driver.finished.map(\.id))
    }
}
