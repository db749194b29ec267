import ClusterModels
import Experiments
import ScenarioSpec
import SimKernel
import SimRandom
import Testing
import Workloads

private let second: Int64 = 1_000_000_000

/// One service `server.serve` with one workload `load` on it.
private func scenario(_ arrival: ArrivalProcess, work: Distribution = .constant(1), concurrency: Int = 1, cores: Int = 1,
                      queue: Int = Int.max, duration: Int64? = nil, stopRequests: Int64? = nil, warmup: Warmup = .fixed(.zero),
                      replications: Int = 1, limits: Limits = Limits(), timeseries: Int64? = nil, seed: UInt64 = 1) -> Scenario {
    let svc = ServiceConfig(name: "server", cores: cores, concurrency: concurrency, queueCapacity: queue,
                            endpoints: [EndpointConfig(name: "serve", work: work)])
    return Scenario(name: "test", seed: seed, duration: duration.map { SimDuration(ns: $0) }, stopRequests: stopRequests,
                    warmup: warmup, replications: replications, limits: limits, services: [svc],
                    workloads: [WorkloadConfig(name: "load", service: "server", endpoint: "serve", arrival: arrival)],
                    output: OutputConfig(percentiles: [50, 99], timeseries: timeseries.map { SimDuration(ns: $0) }))
}

/// Arrivals at 0, 1, …, n − 1 s.
private func everySecond(_ n: Int) -> ArrivalProcess { .trace(times: (0..<n).map { Int64($0) * second }, speedup: 1) }

/// Equal to within a relative 1e-9 (reports convert ns to s with a multiplication by 1e-9).
private func approx(_ a: Double?, _ b: Double) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= 1e-9 * max(1, abs(b))
}

private extension ReplicationResult {
    func value(_ scope: String, _ metric: String) -> Double? {
        metrics.first { $0.scope == scope && $0.metric == metric }?.value
    }
}

@Suite struct RunnerTests {
    @Test func constantLoadGivesHandComputedEstimates() {
        // One request per second, 0.5 s each, for 100 s: utilization 0.5, no queue, latency 0.5 s.
        let s = scenario(everySecond(100), work: .constant(0.5), duration: 100 * second)
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .drained)
        #expect(r.endTime == 100 * second, "idle from the last completion to the horizon")
        #expect(r.limitMessage == nil)
        #expect(r.value("all", "requests") == 100)
        #expect(approx(r.value("all", "latency_mean"), 0.5))
        #expect(approx(r.value("all", "throughput"), 1))
        #expect(approx(r.value("service:server", "utilization"), 0.5))
        #expect(r.value("service:server", "queue_length_mean") == 0)
        #expect(approx(r.value("service:server", "in_flight_mean"), 0.5))
        #expect(r.value("all", "warmup") == 0)
        #expect(r.value("all", "limit_reached") == 0)
        // Events: 100 arrivals and 100 completions.
        #expect(r.value("all", "events") == 200)
    }

    @Test func fixedWarmupDropsEarlierRequests() {
        // Same load with a 40-s warm-up: the requests finishing before 40 s are dropped.
        let s = scenario(everySecond(100), work: .constant(0.5), duration: 100 * second,
                         warmup: .fixed(SimDuration(ns: 40 * second)))
        let r = Runner.run(s).replications[0]
        #expect(r.warmup == 40 * second)
        #expect(approx(r.value("all", "warmup"), 40))
        // Completions at 0.5, 1.5, …, 99.5 s: those after 40 s are 40.5 … 99.5 (60 of them).
        #expect(r.value("all", "requests") == 60)
        #expect(approx(r.value("all", "throughput"), 1))
        #expect(approx(r.value("service:server", "utilization"), 0.5))
    }

    @Test func mserTruncatesTheBurstAtTheStartOfATrace() {
        // 400 requests at 0 (a backlog of 400 s), then one request every 2 s from 1000 s on.
        let times = Array(repeating: Int64(0), count: 400) + (0..<4000).map { (1000 + 2 * Int64($0)) * second }
        let s = scenario(.trace(times: times, speedup: 1), warmup: .auto)
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .drained)
        #expect(r.warmup >= 400 * second, "warm-up \(Double(r.warmup) * 1e-9) s")
        #expect(!r.mserAtLimit)
        #expect(approx(r.value("all", "latency_mean"), 1))
        let fixed = Runner.run(scenario(.trace(times: times, speedup: 1), warmup: .fixed(.zero))).replications[0]
        #expect(fixed.value("all", "latency_mean")! > 10)
    }

    @Test func littlesLawHoldsOnAnMM1() {
        let s = scenario(.open(shape: .poisson, rate: 0.7), work: .exponential(mean: 1), stopRequests: 20_000,
                         warmup: .auto, replications: 2, seed: 3)
        let res = Runner.run(s, jobs: 2)
        for r in res.replications {
            let gap = r.value("service:server", "littles_law_gap")!
            #expect(gap < 0.01, "replication \(r.index): gap \(gap)")
        }
        #expect(!res.limitHit)
    }

    @Test func maxInFlightEndsTheRunWithALimitRow() {
        // λ = 2/s into μ = 1/s with an unbounded queue: the backlog grows about 1 per second.
        let s = scenario(.open(shape: .poisson, rate: 2), work: .exponential(mean: 1), stopRequests: 1_000_000,
                         replications: 2, limits: Limits(maxInFlight: 200))
        let res = Runner.run(s, jobs: 2)
        #expect(res.limitHit)
        for r in res.replications {
            guard case .model(let why) = r.stop else {
                Issue.record("replication \(r.index) stopped by \(r.stop)")
                continue
            }
            #expect(why.contains("max_in_flight"))
            #expect(r.limitMessage?.contains("max_in_flight (200)") == true)
            #expect(r.value("all", "limit_reached") == 1)
            #expect(r.events < 5_000)
        }
    }

    @Test func maxEventsEndsTheRunWithALimitRow() {
        let s = scenario(.open(shape: .constant, rate: 1), work: .constant(0.5), duration: 1000 * second,
                         limits: Limits(maxEvents: 50))
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .maxEvents)
        #expect(r.events == 50)
        #expect(r.limitMessage?.contains("max_events (50)") == true)
        #expect(r.value("all", "limit_reached") == 1)
    }

    @Test func stopAfterRequests() {
        let s = scenario(.open(shape: .constant, rate: 1), work: .constant(0.5), stopRequests: 30)
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .requests)
        #expect(r.value("all", "requests") == 30)
        #expect(r.endTime == 30 * second + second / 2)
    }

    @Test func aTraceThatEndsBeforeTheHorizonIsIdleUntilIt() {
        // 10 requests in the first 10 s, horizon 100 s: throughput is over the whole 100 s.
        let s = scenario(.trace(times: (0..<10).map { Int64($0) * second }, speedup: 1), work: .constant(0.5),
                         duration: 100 * second)
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .drained)
        #expect(r.endTime == 100 * second)
        #expect(approx(r.value("all", "throughput"), 0.1))
        #expect(approx(r.value("service:server", "utilization"), 0.05))
    }

    @Test func aTraceShorterThanStopRequestsEndsWhenItRunsOut() {
        // With a time series and no horizon, the sampling must not keep the run alive after the last
        // request: the run ends (drained) instead of sampling an empty system until max_events.
        let s = scenario(.trace(times: (0..<10).map { Int64($0) * second }, speedup: 1), work: .constant(0.5),
                         stopRequests: 100, limits: Limits(maxEvents: 100_000), timeseries: second)
        let r = Runner.run(s).replications[0]
        #expect(r.limitMessage == nil, "\(r.limitMessage ?? "")")
        #expect(r.stop == .drained)
        #expect(r.value("all", "requests") == 10)
        #expect(r.endTime <= 11 * second)
    }

    @Test func aRunThatEndsBeforeItsWarmupKeepsNothing() {
        // stop.requests is reached at 9.5 s, inside a 100-s warm-up: no observation may be reported
        // as if it came after the warm-up.
        let s = scenario(everySecond(10), work: .constant(0.5), stopRequests: 10, warmup: .fixed(SimDuration(ns: 100 * second)))
        let r = Runner.run(s).replications[0]
        #expect(r.stop == .requests)
        #expect(r.value("all", "requests") == 0)
        #expect(r.value("all", "latency_mean")?.isNaN == true)
        #expect(approx(r.value("all", "warmup"), 9.5))
    }

    @Test func timeSeriesSamplesEveryInterval() {
        // One request per second of 0.5 s; samples every 10 s over 100 s. Each interval holds 10
        // arrivals and 10 completions (a sample runs before an arrival due at the same instant).
        let s = scenario(everySecond(100), work: .constant(0.5), duration: 100 * second, timeseries: 10 * second)
        let r = Runner.run(s).replications[0]
        let util = r.timeseries.filter { $0.scope == "service:server" && $0.metric == "utilization" }
        #expect(util.count == 10)
        #expect(zip(util.map(\.time), 1...10).allSatisfy { approx($0, Double($1 * 10)) })
        #expect(util.allSatisfy { approx($0.value, 0.5) })
        let inflight = r.timeseries.filter { $0.scope == "service:server" && $0.metric == "in_flight" }
        #expect(inflight.count == 10 && inflight.allSatisfy { approx($0.value, 0.5) })
        let queue = r.timeseries.filter { $0.scope == "service:server" && $0.metric == "queue_length" }
        #expect(queue.count == 10 && queue.allSatisfy { $0.value == 0 })
        let tput = r.timeseries.filter { $0.scope == "all" && $0.metric == "throughput" }
        #expect(tput.count == 10)
        #expect(tput.allSatisfy { approx($0.value, 1) })
        let p99 = r.timeseries.filter { $0.scope == "all" && $0.metric == "latency_p99" }
        #expect(p99.count == 10 && p99.allSatisfy { approx($0.value, 0.5) })
        let replicas = r.timeseries.filter { $0.metric == "replicas" }
        #expect(replicas.count == 10 && replicas.allSatisfy { $0.value == 1 })
    }

    @Test func replicationsDifferAndResultsDoNotDependOnJobs() {
        let s = scenario(.open(shape: .poisson, rate: 0.5), work: .exponential(mean: 1), stopRequests: 5_000,
                         warmup: .auto, replications: 3, timeseries: 100 * second, seed: 9)
        let a = Runner.run(s, jobs: 1), b = Runner.run(s, jobs: 2), c = Runner.run(s, jobs: 3)
        #expect(a.summary == b.summary)
        #expect(a.summary == c.summary)
        for k in 0..<3 {
            #expect(a.replications[k].metrics == b.replications[k].metrics)
            #expect(a.replications[k].timeseries == b.replications[k].timeseries)
            #expect(a.replications[k].seed == c.replications[k].seed)
        }
        #expect(a.replications.map(\.index) == [0, 1, 2])
        #expect(Set(a.replications.map(\.seed)).count == 3)
        #expect(a.replications[0].value("all", "latency_mean") != a.replications[1].value("all", "latency_mean"))
    }
}

/// Regressions found in review: how runs end and how same-instant events are ordered.
@Suite struct RunEndingTests {
    static func scenario(_ yaml: String) throws -> Scenario {
        try ScenarioLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "/tmp")
    }

    /// A D/D/1 at utilization exactly 1: every completion coincides with the next arrival. The
    /// completion was scheduled first, so it runs first and the server takes the arrival.
    @Test func aServerFreedAtAnArrivalsInstantTakesIt() throws {
        let s = try Self.scenario("""
        name: dd1
        duration: 10s
        warmup: 0s
        replications: 1
        services:
          s:
            instance: {cores: 1, concurrency: 1, queue: {capacity: 0}}
            endpoints: {e: {work: 10ms}}
        workload:
          - {name: w, to: s.e, arrival: constant, rate: 100/s}
        """)
        let r = Runner.run(s)
        let m = r.replications[0].metrics
        #expect(m.first { $0.scope == "all" && $0.metric == "rejection_rate" }?.value == 0)
        #expect(m.first { $0.scope == "all" && $0.metric == "requests" }?.value == 999)
    }

    /// A run whose last event uses the budget's last unit ended by itself: not a limit hit.
    @Test func exhaustingTheBudgetOnTheLastEventIsNotALimit() throws {
        let yaml = """
        name: budget
        duration: 1s
        warmup: 0s
        replications: 1
        limits: {max_events: EVENTS}
        services:
          s:
            instance: {cores: 1, concurrency: 1}
            endpoints: {e: {work: 1ms}}
        workload:
          - {name: w, to: s.e, arrival: constant, rate: 100/s}
        """
        let full = Runner.run(try Self.scenario(yaml.replacingOccurrences(of: "EVENTS", with: "1000000")))
        let used = full.replications[0].events
        let exact = Runner.run(try Self.scenario(yaml.replacingOccurrences(of: "EVENTS", with: "\(used)")))
        #expect(exact.replications[0].limitMessage == nil)
        #expect(!exact.limitHit)
        let short = Runner.run(try Self.scenario(yaml.replacingOccurrences(of: "EVENTS", with: "\(used - 1)")))
        #expect(short.limitHit)
    }

    /// Users with zero think time against a service that rejects at once loop without time
    /// moving: the run stops with a clear message instead of spinning to max_events.
    @Test(.enabled(if: runEndingTestsOptimized, "10⁷ events: release builds only (make test)"))
    func aLoopThatTakesNoTimeStopsTheRun() throws {
        let s = try Self.scenario("""
        name: spin
        duration: 10s
        replications: 1
        limits: {max_events: 30000000}
        services:
          s:
            instance: {cores: 1, concurrency: 1, queue: {capacity: 0}}
            endpoints: {e: {work: 1s}}
        workload:
          - {name: u, to: s.e, closed: {users: 2, think: 0s}}
        """)
        let r = Runner.run(s)
        #expect(r.limitHit)
        #expect(r.replications[0].limitMessage?.contains("no simulated progress") == true)
        #expect(r.replications[0].events <= Engine.maxEventsAtOneInstant + 10)
    }
}

private let runEndingTestsOptimized: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()
