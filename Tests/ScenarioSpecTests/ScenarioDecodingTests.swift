import ClusterModels
import Foundation
import SimKernel
import SimRandom
import Testing
import Workloads
@testable import ScenarioSpec

@Suite struct ScenarioDecodingTests {
    static let full = """
    name: checkout-peak_v1.2
    description: Checkout path at Black Friday peak
    seed: 42
    duration: 10m
    stop: {requests: 1000000}
    warmup: 30s
    replications: 7
    confidence: 0.9
    limits: {max_events: 2_000_000_000, max_in_flight: 50000}
    services:
      frontend:
        replicas: 4
        instance:
          cores: 2
          concurrency: 64
          io: async
          queue: {capacity: 1000, discipline: lifo}
        balancer: {policy: random}
        endpoints:
          checkout:
            work: {dist: gamma, mean: 4ms, cv: 0.5}
          home:
            work: 1.5ms
      cart:
        instance:
          queue: {capacity: unbounded}
        endpoints:
          get: {work: 250us}
    workload:
      - name: browse
        to: frontend.home
        arrival: poisson
        rate: 300/s
      - name: steady
        to: cart.get
        arrival: constant
        rate: 30000/m
    output:
      percentiles: [50, 95, 99.9]
      timeseries: 10s
      events: true
    """

    @Test func everyTopLevelKey() throws {
        let s = try #require(Support.decode(Self.full, file: "Scenarios/full.yaml"))
        #expect(s.name == "checkout-peak_v1.2")
        #expect(s.description == "Checkout path at Black Friday peak")
        #expect(s.seed == 42)
        #expect(s.duration == SimDuration(ns: 600_000_000_000))
        #expect(s.stopRequests == 1_000_000)
        #expect(s.warmup == .fixed(SimDuration(ns: 30_000_000_000)))
        #expect(s.replications == 7)
        #expect(s.confidence == 0.9)
        #expect(s.limits == Limits(maxEvents: 2_000_000_000, maxInFlight: 50_000))
        #expect(s.output == OutputConfig(percentiles: [50, 95, 99.9], timeseries: SimDuration(ns: 10_000_000_000), events: true))
        #expect(s.file == "Scenarios/full.yaml")
    }

    @Test func services() throws {
        let s = try #require(Support.decode(Self.full))
        #expect(s.services.map(\.name) == ["frontend", "cart"])   // file order
        let fe = s.services[0]
        #expect(fe.replicas == 4 && fe.cores == 2 && fe.concurrency == 64)
        #expect(fe.io == .async && fe.queueCapacity == 1000 && fe.discipline == .lifo && fe.balancer == .random)
        #expect(fe.endpoints.map(\.name) == ["checkout", "home"])
        #expect(fe.endpoints[0].work == .gamma(shape: 4, scale: 0.004 * 0.25))
        #expect(fe.endpoints[1].work == .constant(0.0015))
        let cart = s.services[1]
        #expect(cart.replicas == 1 && cart.cores == 1)
        #expect(cart.concurrency == ServiceConfig.defaultConcurrency)
        #expect(cart.queueCapacity == Int.max)
        #expect(cart.io == .blocking && cart.discipline == .fifo && cart.balancer == .roundRobin)
        #expect(cart.endpoints[0].work == .constant(0.00025))
    }

    @Test func defaults() throws {
        let s = try #require(Support.decode(Support.yaml()))
        #expect(s.seed == 1)
        #expect(s.warmup == .auto)
        #expect(s.replications == 5)
        #expect(s.confidence == 0.95)
        #expect(s.limits == Limits())
        #expect(s.output == OutputConfig())
        #expect(s.stopRequests == nil)
        #expect(s.description == nil)
        #expect(s.services[0].queueCapacity == ServiceConfig.defaultQueueCapacity)
    }

    @Test func warmupForms() throws {
        let auto = try #require(Support.decode(Support.yaml(extra: "warmup: auto")))
        #expect(auto.warmup == .auto)
        let zero = try #require(Support.decode(Support.yaml(extra: "warmup: 0s")))
        #expect(zero.warmup == .fixed(.zero))
        let d = Support.diagnostics(Support.yaml(extra: "warmup: 20s"))
        #expect(d.map(\.message) == [#""warmup" (20s) is not shorter than "duration" (10s)"#])
    }

    @Test func stopRequestsAloneIsEnough() throws {
        let text = Support.yaml().replacingOccurrences(of: "duration: 10s", with: "stop: {requests: 5000}")
        let s = try #require(Support.decode(text))
        #expect(s.duration == nil)
        #expect(s.stopRequests == 5000)
    }

    @Test func confidenceAsPercentage() throws {
        let s = try #require(Support.decode(Support.yaml(extra: "confidence: 99%")))
        #expect(s.confidence == 0.99)
    }

    @Test func openWorkloads() throws {
        let s = try #require(Support.decode(Self.full))
        #expect(s.workloads == [
            WorkloadConfig(name: "browse", service: "frontend", endpoint: "home", arrival: .open(shape: .poisson, rate: 300)),
            WorkloadConfig(name: "steady", service: "cart", endpoint: "get", arrival: .open(shape: .constant, rate: 500)),
        ])
        let hourly = try #require(Support.decode(Support.yaml(workload: "rate: 7200/h")))
        #expect(hourly.workloads[0].arrival == .open(shape: .poisson, rate: 2))
    }

    @Test func profileWorkload() throws {
        let w = """
        arrival: constant
        profile:
          - {at: 0s, rate: 100/s}
          - {at: 2m, rate: 800/s, ramp: 30s}
          - {at: 8m, rate: 0/s}
        """
        let s = try #require(Support.decode(Support.yaml(workload: w)))
        #expect(s.workloads[0].arrival == .profile(shape: .constant, points: [
            ProfilePoint(at: 0, rate: 100),
            ProfilePoint(at: 120_000_000_000, rate: 800, ramp: 30_000_000_000),
            ProfilePoint(at: 480_000_000_000, rate: 0),
        ]))
    }

    @Test func mmppWorkload() throws {
        let w = "arrival: mmpp\nmmpp: {rates: [100/s, 900/s, 0/s], mean_holding: [30s, 5s, 500ms]}"
        let s = try #require(Support.decode(Support.yaml(workload: w)))
        #expect(s.workloads[0].arrival == .mmpp(rates: [100, 900, 0], meanHolding: [30, 5, 0.5]))
    }

    @Test func closedWorkload() throws {
        let w = "closed: {users: 200, think: {dist: exponential, mean: 2s}}"
        let s = try #require(Support.decode(Support.yaml(workload: w)))
        #expect(s.workloads[0].arrival == .closed(users: 200, think: .exponential(mean: 2)))
    }

    @Test func traceWorkload() throws {
        let dir = Support.tempDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/traces", withIntermediateDirectories: true)
        Support.write("id,timestamp_s\n1,0\n2,0.5\n3,0.5\n4,1.0000000015\n5,12\n", to: dir + "/traces/monday.csv")
        let w = "arrival: trace\ntrace: {file: traces/monday.csv, column: timestamp_s, speedup: 2}"
        let s = try #require(Support.decode(Support.yaml(workload: w), base: dir))
        #expect(s.workloads[0].arrival == .trace(times: [0, 500_000_000, 500_000_000, 1_000_000_002, 12_000_000_000], speedup: 2))
        // Default column: the first one; default speedup 1.
        Support.write("t\n0.25\n1\n", to: dir + "/one.csv")
        let s2 = try #require(Support.decode(Support.yaml(workload: "arrival: trace\ntrace: {file: one.csv}"), base: dir))
        #expect(s2.workloads[0].arrival == .trace(times: [250_000_000, 1_000_000_000], speedup: 1))
    }

    @Test func loadResolvesDataFilesNextToTheScenario() throws {
        let dir = Support.tempDirectory()
        Support.write("latency_ms\n1\n2\n", to: dir + "/samples.csv")
        let text = Support.yaml(endpoint: "work: {dist: empirical, file: samples.csv, column: latency_ms, unit: ms}")
        Support.write(text, to: dir + "/s.yaml")
        let s = try ScenarioLoader.load(path: dir + "/s.yaml")
        #expect(s.services[0].endpoints[0].work == .empirical(samples: [0.001, 0.002]))
        #expect(s.file == dir + "/s.yaml")
    }

    @Test func locationsOfKeys() throws {
        let s = try #require(Support.decode(Self.full, file: "full.yaml"))
        func at(_ path: String) -> String? { s.locations[path].map { "\($0.line):\($0.column)" } }
        #expect(at("name") == "1:7")
        #expect(at("services") == "10:1")
        #expect(at("services.frontend") == "11:3")
        #expect(at("services.frontend.replicas") == "12:15")
        #expect(at("services.frontend.instance.cores") == "14:14")
        #expect(at("services.frontend.instance.queue.capacity") == "17:25")
        #expect(at("services.frontend.balancer.policy") == "18:24")
        #expect(at("services.frontend.endpoints.checkout") == "20:7")
        #expect(at("services.frontend.endpoints.checkout.work") == "21:9")
        #expect(at("services.frontend.endpoints.home.work") == "23:15")
        #expect(at("workload.browse") == "30:5")
        #expect(at("workload.browse.rate") == "33:11")
        #expect(at("workload.steady.to") == "35:9")
        #expect(at("stop.requests") == "5:18")
        #expect(at("output.timeseries") == "40:15")
        #expect(s.locations["services.frontend"]?.file == "full.yaml")
    }

    @Test func allErrorsAreReportedInFileOrder() {
        let text = """
        name: bad name
        duration: 10
        replications: 0
        services:
          web:
            replica: 2
            endpoints:
              home: {work: {dist: exponentail, mean: 5ms}}
        workload:
          - {name: a, to: web.hom, rate: -5/s}
        """
        let lines = Support.diagnostics(text).map(Support.firstLine)
        #expect(lines == [
            #"test.yaml:1:7: error: invalid scenario name "bad name""#,
            #"test.yaml:2:11: error: duration "10" has no unit"#,
            #"test.yaml:3:15: error: "replications" must be between 1 and 10000, found 0"#,
            #"test.yaml:6:5: error: unknown key "replica""#,
            #"test.yaml:8:27: error: unknown distribution "exponentail""#,
            #"test.yaml:10:23: error: service "web" has no endpoint "hom""#,
            #"test.yaml:10:34: error: "rate" must be positive, found "-5/s""#,
        ])
    }

    @Test func hintsAndSourceLines() throws {
        let d = Support.diagnostics(Support.yaml(service: "replica: 2"))
        let first = try #require(d.first)
        #expect(first.hint == #"did you mean "replicas"? valid keys: replicas, zones, instance, balancer, endpoints, rate_limit, protocol, kind, proxy, work"#)
        #expect(first.sourceLine == "    replica: 2")
        #expect(first.description == """
        test.yaml:5:5: error: unknown key "replica"
            replica: 2
            ^
        hint: did you mean "replicas"? valid keys: replicas, zones, instance, balancer, endpoints, rate_limit, protocol, kind, proxy, work
        """)
        let policy = Support.diagnostics(Support.yaml(service: "balancer: {policy: round_robbin}"))
        #expect(policy.first?.message == #"unknown balancer policy "round_robbin""#)
        #expect(policy.first?.hint?.hasPrefix(#"did you mean "round_robin"?"#) == true)
        let unit = Support.diagnostics(Support.yaml(extra: "output: {timeseries: 10}"))
        #expect(unit.first?.hint == #"write a duration with a unit, e.g. "5ms" or "2s""#)
        let rate = Support.diagnostics(Support.yaml(workload: "rate: 100"))
        #expect(rate.first?.hint == #"write a rate with a unit, e.g. "500/s" or "30000/m""#)
    }

    @Test func unsupportedKeysAreErrorsNotIgnored() {
        let cases: [(String, String)] = [
            (Support.yaml(extra: "cluster: {nodes: 3}"), #""cluster" is not supported yet in this version of clustersim"#),
            (Support.yaml(extra: "faults: []"), #""faults" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "autoscaler: {kind: hpa}"), #""autoscaler" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "consensus: {protocol: raft}"), #""consensus" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "storage: {}"), #""storage" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "instance: {cpu_limit: 1.5}"), #""cpu_limit" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "instance: {startup: 5s}"), #""startup" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "instance: {queue: {discipline: priority}}"),
             #"queue discipline "priority" is not supported yet in this version of clustersim"#),
            (Support.yaml(service: "balancer: {policy: consistent_hash, key: user}"), #""key" is not supported yet in this version of clustersim"#),
            (Support.yaml(endpoint: "work: 1ms\nwrite: true"), #""write" is not supported yet in this version of clustersim"#),
            (Support.yaml(endpoint: "work: 1ms\nread: leader"), #""read" is not supported yet in this version of clustersim"#),
        ]
        for (text, message) in cases {
            let d = Support.diagnostics(text)
            #expect(d.map(\.message) == [message])
            #expect(d.first?.hint?.isEmpty == false)
        }
    }

    @Test func workloadValidation() {
        func messages(_ w: String) -> [String] { Support.diagnostics(Support.yaml(workload: w)).map(\.message) }
        #expect(messages("rate: 5/s\nprofile: [{at: 0s, rate: 5/s}]") == [#"give "rate" or "profile", not both"#])
        #expect(messages("arrival: poisson") == [#"poisson workload is missing "rate""#])
        #expect(messages("closed: {users: 3, think: 1s}\nrate: 5/s") == [#"a closed workload takes no "rate""#])
        #expect(messages("closed: {users: 0, think: 1s}") == [#""users" must be between 1 and 10000000, found 0"#])
        #expect(messages("arrival: mmpp\nmmpp: {rates: [1/s], mean_holding: [1s]}") == [#""rates" needs at least 2 states"#])
        #expect(messages("arrival: mmpp\nmmpp: {rates: [1/s, 2/s], mean_holding: [1s]}") == ["mmpp has 2 rates but 1 mean holding times"])
        #expect(messages("arrival: possion\nrate: 5/s") == [#"unknown arrival "possion""#])
        #expect(messages("arrival: poisson\nrate: 5/s\nmmpp: {rates: [1/s, 2/s], mean_holding: [1s, 1s]}")
                == [#""mmpp" does not apply to arrival "poisson""#])
        #expect(messages("profile: [{at: 0s, rate: 5/s}, {at: 1m, rate: 9/s, ramp: 2m}, {at: 2m, rate: 1/s}]")
                == ["the previous point's ramp ends after this point"])
        #expect(messages("profile: [{at: 0s, rate: 5/s}, {at: 1m, rate: 9/s}, {at: 1m, rate: 1/s}]")
                == [#"profile points must be in increasing order of "at""#])
        #expect(messages("rate: 0/s") == [#""rate" must be positive, found "0/s""#])
    }

    @Test func workloadTargets() throws {
        let badService = Support.diagnostics(Support.yaml(workload: "rate: 5/s").replacingOccurrences(of: "to: web.home", with: "to: wbe.home"))
        #expect(badService.map(\.message) == [#"unknown service "wbe""#])
        #expect(badService.first?.hint == #"did you mean "web"? known: web, db"#)
        let noDot = Support.diagnostics(Support.yaml(workload: "rate: 5/s").replacingOccurrences(of: "to: web.home", with: "to: web"))
        #expect(noDot.map(\.message) == [#""to" must be SERVICE.ENDPOINT, found "web""#])
        // A quoted target: the caret still lands on the endpoint.
        let quotedTarget = Support.diagnostics(Support.yaml().replacingOccurrences(of: "to: web.home", with: #"to: "web.hme""#))
        #expect(quotedTarget.first?.location?.column == 14)
        #expect(quotedTarget.first?.hint == #"did you mean "home"? its endpoints: home"#)
    }

    @Test func aBrokenServiceDoesNotCascade() {
        // The service's endpoints cannot be read: one diagnostic, not one more per workload.
        let text = Support.yaml().replacingOccurrences(of: "      home:\n        work: 5ms", with: "      - home")
        #expect(Support.diagnostics(text).map(\.message) == [#""endpoints" must be a mapping of endpoint names, found a list"#])
    }

    @Test func typeErrors() {
        #expect(Support.diagnostics(Support.yaml(service: "replicas: three")).map(\.message)
                == [#""replicas" must be a whole number, found "three""#])
        #expect(Support.diagnostics(Support.yaml(service: "replicas: 2.5")).map(\.message)
                == [#""replicas" must be a whole number, found "2.5""#])
        #expect(Support.diagnostics(Support.yaml(service: "instance: [2]")).map(\.message)
                == [#""instance" must be a mapping, found a list"#])
        #expect(Support.diagnostics(Support.yaml(service: "instance: {cores: 2000}")).map(\.message)
                == [#""cores" must be between 1 and 1024, found 2000"#])
        #expect(Support.diagnostics(Support.yaml(service: "replicas:")).map(\.message) == [#""replicas" has no value"#])
        #expect(Support.diagnostics(Support.yaml(extra: "seed: -1")).map(\.message)
                == [#""seed" must be a non-negative whole number, found "-1""#])
        #expect(Support.diagnostics(Support.yaml(extra: "output: {events: maybe}")).map(\.message)
                == [#""events" must be true or false, found "maybe""#])
        #expect(Support.diagnostics(Support.yaml(extra: "output: {percentiles: [50, 50]}")).map(\.message)
                == ["percentile 50 is listed twice"])
        #expect(Support.diagnostics("- a\n- b").map(\.message)
                == ["a scenario must be a mapping of keys (name, services, workload, …), found a list"])
    }

    @Test func names() {
        #expect(Support.diagnostics(Support.yaml().replacingOccurrences(of: "name: test", with: "name: ../etc")).map(\.message)
                == [#"invalid scenario name "../etc""#])
        #expect(Support.diagnostics(Support.yaml().replacingOccurrences(of: "  db:", with: "  d.b:")).map(\.message)
                == [#"invalid service name "d.b""#])
        #expect(Support.diagnostics(Support.yaml().replacingOccurrences(of: "name: browse", with: "name: a.b")).map(\.message)
                == [#"invalid workload name "a.b""#])
    }

    @Test func yamlDuplicateKeysAreSyntaxErrors() {
        let d = Support.diagnostics(Support.yaml(service: "replicas: 2\nreplicas: 3"))
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix(#"duplicate key "replicas""#) == true)
    }
}
