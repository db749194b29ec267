import ClusterModels
import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import SimKernel
import SimRandom
import Testing
import Workloads

/// Rule 2 of DESIGN.md: the same scenario, seed and version give byte-identical reports whatever
/// `--jobs` is; another seed gives other numbers.
@Suite struct DeterminismTests {
    /// The quick-start day cut to 20 minutes and 2 replications (about 170 000 events a run), with
    /// a time series every minute.
    static func quickstart(seed: UInt64? = nil) throws -> Scenario {
        var overrides = ["duration=20m", "replications=2", "output.timeseries=1m"]
        if let seed { overrides.append("seed=\(seed)") }
        return try loadScenario("quickstart.yaml", overrides: overrides)
    }

    static func reports(_ r: RunResult) -> [String] {
        [Reports.summaryCSV(r), Reports.replicationsCSV(r), Reports.timeseriesCSV(r), Reports.eventsJSONL(r), Reports.json(r)]
    }

    @Test func quickstartIsByteIdenticalAcrossRunsAndJobs() throws {
        let s = try Self.quickstart()
        #expect(s.duration == SimDuration(ns: 1_200_000_000_000))
        #expect(s.replications == 2)
        let a = Self.reports(Runner.run(s, jobs: 1))
        let b = Self.reports(Runner.run(s, jobs: 1))
        let c = Self.reports(Runner.run(s, jobs: 2))
        for k in a.indices {
            #expect(a[k] == b[k], "report \(k) differs between two runs with jobs 1")
            #expect(a[k] == c[k], "report \(k) differs between jobs 1 and jobs 2")
        }
        // Not vacuous: the reports hold rows for every scope and a time series.
        #expect(a[0].contains("endpoint:web.search,latency_p99,s,"))
        #expect(a[1].split(separator: "\r\n").count > 100)
        #expect(a[2].contains(",service:web,utilization,"))
        #expect(a[2].split(separator: "\r\n").count > 2 * 20 * 9)   // 2 replications × 20 samples × 10 rows
    }

    @Test func anotherSeedGivesOtherNumbers() throws {
        let a = Runner.run(try Self.quickstart(), jobs: 2)
        let b = Runner.run(try Self.quickstart(seed: 43), jobs: 2)
        #expect(Reports.summaryCSV(a) != Reports.summaryCSV(b))
        #expect(Reports.timeseriesCSV(a) != Reports.timeseriesCSV(b))
        #expect(a.row("all", "latency_mean").interval.mean != b.row("all", "latency_mean").interval.mean)
        #expect(a.row("all", "requests").interval.mean != b.row("all", "requests").interval.mean)
        #expect(a.replications.map(\.seed) != b.replications.map(\.seed))
        // Same layout of rows, though: only the numbers move.
        #expect(a.summary.map { "\($0.scope) \($0.metric)" } == b.summary.map { "\($0.scope) \($0.metric)" })
    }

    @Test func replicationsOfOneRunDiffer() throws {
        let r = Runner.run(try Self.quickstart(), jobs: 2)
        let means = r.replications.map { rep in rep.metrics.first { $0.scope == "all" && $0.metric == "latency_mean" }!.value }
        #expect(means.count == 2)
        #expect(means[0] != means[1])
        #expect(r.row("all", "latency_mean").interval.n == 2)
    }

    @Test func aProgrammaticScenarioIsDeterministicWithManyJobs() {
        // Two services, a random balancer and an MMPP: every stream in play.
        let web = ServiceConfig(name: "web", replicas: 3, cores: 2, concurrency: 8, queueCapacity: 20,
                                balancer: .random, endpoints: [EndpointConfig(name: "get", work: .exponential(mean: 0.02))])
        let db = ServiceConfig(name: "db", replicas: 1, cores: 1, concurrency: 1, queueCapacity: 50,
                               discipline: .lifo, endpoints: [EndpointConfig(name: "query", work: .lognormal(mu: -5, sigma: 0.5))])
        let s = Scenario(name: "mix", seed: 99, duration: SimDuration(ns: 100_000_000_000), warmup: .auto, replications: 4,
                         services: [web, db],
                         workloads: [
                             WorkloadConfig(name: "bursty", service: "web", endpoint: "get",
                                            arrival: .mmpp(rates: [20, 150], meanHolding: [10, 2])),
                             WorkloadConfig(name: "steady", service: "db", endpoint: "query", arrival: .open(shape: .poisson, rate: 100)),
                         ],
                         output: OutputConfig(timeseries: SimDuration(ns: 10_000_000_000)))
        let one = Self.reports(Runner.run(s, jobs: 1))
        let two = Self.reports(Runner.run(s, jobs: 2))
        let four = Self.reports(Runner.run(s, jobs: 4))
        #expect(one == two)
        #expect(one == four)
    }

    /// The balancers that observe (ewma, outlier detection), zone_aware and a proxy tier, through the
    /// whole pipeline: byte-identical across runs and jobs, with an `ejections` row where asked for.
    @Test func balancerViewsAndProxiesAreByteIdentical() throws {
        let yaml = """
        name: views
        duration: 2m
        replications: 2
        network: {zones: [a, b], within_zone: {latency: 1ms}, across_zones: {latency: 5ms}}
        services:
          edge:
            kind: proxy
            replicas: 2
            work: 100us
            proxy: {to: web, policy: ewma, max_connections: 50}
          web:
            replicas: 4
            balancer: {policy: zone_aware, spill_at: 50%}
            instance: {cores: 2, concurrency: 8}
            endpoints:
              home:
                work: {dist: exponential, mean: 2ms}
                calls:
                  - {call: db.get, timeout: 50ms, retries: {max: 1}}
          db:
            replicas: 5
            balancer: {policy: p2c, outlier_detection: {consecutive_errors: 3, ejection: 5s, max_ejected: 40%}}
            instance: {cores: 1, concurrency: 4, queue: {capacity: 20}}
            endpoints:
              get: {work: {dist: lognormal, median: 3ms, p99: 60ms}}
        workload:
          - {name: browse, to: edge.home, arrival: poisson, rate: 400/s}
        """
        let s = try ScenarioLoader.parse(yaml: yaml, file: "views.yaml", baseDirectory: "")
        let a = Self.reports(Runner.run(s, jobs: 1))
        let b = Self.reports(Runner.run(s, jobs: 1))
        let c = Self.reports(Runner.run(s, jobs: 2))
        for k in a.indices {
            #expect(a[k] == b[k], "report \(k) differs between two runs with jobs 1")
            #expect(a[k] == c[k], "report \(k) differs between jobs 1 and jobs 2")
        }
        #expect(a[0].contains("service:db,ejections,count,"))
        // Every service reports ejections (0 without outlier detection).
        #expect(a[0].contains("service:web,ejections,count,0,0,0,0,"))
        #expect(a[0].contains("endpoint:edge.home,latency_p99,s,"))
    }
}
