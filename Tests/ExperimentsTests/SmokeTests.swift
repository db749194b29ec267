import ClusterModels
import Experiments
import ScenarioSpec
import SimKernel
import SimRandom
import Testing
import Workloads

@Suite struct SmokeTests {
    static func mm1(lambda: Double, requests: Int64, reps: Int = 2) -> Scenario {
        let svc = ServiceConfig(name: "server", replicas: 1, cores: 1, concurrency: 1, queueCapacity: Int.max,
                                endpoints: [EndpointConfig(name: "serve", work: .exponential(mean: 1))])
        let wl = WorkloadConfig(name: "arrivals", service: "server", endpoint: "serve",
                                arrival: .open(shape: .poisson, rate: lambda))
        return Scenario(name: "mm1", seed: 42, stopRequests: requests, warmup: .auto, replications: reps,
                        services: [svc], workloads: [wl])
    }

    @Test func mm1RunsAndIsDeterministic() {
        let s = Self.mm1(lambda: 0.5, requests: 50_000)
        let a = Runner.run(s, jobs: 1)
        let b = Runner.run(s, jobs: 2)
        #expect(a.summary == b.summary)
        let mean = a.summary.first { $0.scope == "all" && $0.metric == "latency_mean" }!.interval.mean
        #expect(abs(mean - 2.0) < 0.15, "M/M/1 rho=0.5 mean \(mean)")
    }
}
