import Testing
import Workloads
@testable import ScenarioSpec

/// `slo`, `sweep` and `plan` (scenario-format.md, "SLOs, sweeps, plans").
@Suite struct ExperimentDecodingTests {
    private func lines(_ text: String, overrides: [String] = []) -> [String] {
        Support.diagnostics(text, overrides: overrides).map(Support.firstLine)
    }

    @Test func gridPointsVaryTheLastParameterFastest() throws {
        let text = Support.yaml(extra: """
        sweep:
          parameters:
            services.web.replicas: [1, 2, 3]
            workload.browse.rate: [50/s, "100/s"]
        """)
        let s = try #require(Support.decode(text))
        let sweep = try #require(s.sweep)
        #expect(sweep.mode == .grid)
        #expect(sweep.parameters == ["services.web.replicas", "workload.browse.rate"])
        #expect(sweep.points.map(\.values) == [["1", "50/s"], ["1", "100/s"], ["2", "50/s"], ["2", "100/s"], ["3", "50/s"], ["3", "100/s"]])
        #expect(sweep.points.map(\.scenario.services[0].replicas) == [1, 1, 2, 2, 3, 3])
        #expect(sweep.points.map(\.scenario.workloads[0].arrival) == [50, 100, 50, 100, 50, 100].map { .open(shape: .poisson, rate: $0) })
        // The base scenario is the file as written; points have no sweep of their own.
        #expect(s.services[0].replicas == 1)
        #expect(sweep.points.allSatisfy { $0.scenario.sweep == nil && $0.scenario.plan == nil })
    }

    @Test func zipPointsGoRowByRow() throws {
        let text = Support.yaml(extra: """
        sweep:
          mode: zip
          parameters:
            services.web.replicas: [1, 2]
            services.web.endpoints.home.work: [1ms, {dist: exponential, mean: 2ms}]
        """)
        let sweep = try #require(Support.decode(text)?.sweep)
        #expect(sweep.points.map(\.values) == [["1", "1ms"], ["2", "{dist: exponential, mean: 2ms}"]])
        #expect(sweep.points[1].scenario.services[0].endpoints[0].work == .exponential(mean: 0.002))
    }

    @Test func pathErrorsPointIntoTheKey() {
        // Quoted keys: the column is that of the segment, past the quote.
        let text = Support.yaml(extra: "sweep: {parameters: {\"services.wbe.replicas\": [1, 2]}}")
        #expect(lines(text) == [#"test.yaml:16:32: error: unknown service "wbe""#])
        #expect(lines(Support.yaml(extra: "sweep: {parameters: {workload.brows.rate: [1/s]}}"))
                == [#"test.yaml:16:31: error: "workload" has no item named "brows""#])
        #expect(lines(Support.yaml(extra: "sweep: {parameters: {seed.x: [1]}}", service: ""))
                == [#"test.yaml:16:22: error: "seed" must be a whole number, found a mapping"#])
        #expect(lines(Support.yaml(extra: "sweep: {parameters: {services..replicas: [1]}}"))
                == [#"test.yaml:16:31: error: empty segment in parameter path "services..replicas""#])
        #expect(lines(Support.yaml(extra: "sweep: {parameters: {sweep.mode: [grid]}}"))
                == [#"test.yaml:16:22: error: sweep parameter "sweep.mode" cannot be varied"#])
    }

    @Test func aBadValueIsReportedOnceWhateverTheNumberOfPoints() {
        let text = Support.yaml(extra: "sweep: {parameters: {services.web.replicas: [0, 2], seed: [1, 2, 3]}}")
        #expect(lines(text) == [#"test.yaml:16:46: error: "replicas" must be between 1 and 100000, found 0"#])
    }

    @Test func aSweepPathWorksWithSetToo() throws {
        // --set may change a value the sweep then varies, and a --set value may be swept over.
        let text = Support.yaml(extra: "sweep: {parameters: {services.web.replicas: [2, 3]}}")
        let s = try #require(Support.decode(text, overrides: ["services.web.replicas=5", "seed=9"]))
        #expect(s.services[0].replicas == 5)
        #expect(s.sweep?.points.map(\.scenario.services[0].replicas) == [2, 3])
        #expect(s.sweep?.points.map(\.scenario.seed) == [9, 9])
        // And --set can replace the sweep.
        let t = try #require(Support.decode(text, overrides: ["sweep.parameters={seed: [1, 2, 3]}"]))
        #expect(t.sweep?.parameters == ["seed"])
        #expect(t.sweep?.points.count == 3)
    }

    @Test func tooManyPoints() {
        let list = "[" + (1...100).map(String.init).joined(separator: ", ") + "]"
        let text = Support.yaml(extra: "sweep: {parameters: {seed: \(list), services.web.replicas: \(list), services.db.replicas: \(list)}}")
        #expect(lines(text) == [#"test.yaml:16:21: error: the sweep has more than 100000 points"#])
    }

    @Test func slosDecodeInTheReportUnit() throws {
        let text = Support.yaml(extra: """
        slo:
          - {name: p99, scope: endpoint:web.home, metric: latency_p99, max: 250ms}
          - {name: errors, scope: all, metric: error_rate, max: 0.1%}
          - {name: tput, scope: service:web, metric: throughput, min: 6000/m}
          - {name: busy, scope: service:db, metric: utilization, max: 0.8}
          - {name: q, scope: workload:browse, metric: requests, min: 10}
        """)
        let s = try #require(Support.decode(text))
        #expect(s.slos.map(\.value) == [0.25, 0.001, 100, 0.8, 10])
        #expect(s.slos.map(\.unit) == ["s", "ratio", "1/s", "ratio", "count"])
        #expect(s.slos.map(\.bound) == [.max, .max, .min, .max, .min])
        #expect(s.slos[0].isMet(low: 0.1, high: 0.25))
        #expect(!s.slos[0].isMet(low: 0.1, high: 0.2500001))
        #expect(!s.slos[0].isMet(low: .nan, high: .nan))
        #expect(s.slos[2].isMet(low: 100, high: 300))
        #expect(!s.slos[2].isMet(low: 99.9, high: 300))
    }

    @Test func sloProblems() {
        #expect(lines(Support.yaml(extra: "slo: [{name: a, scope: all, metric: latency_mean, max: 1s, min: 0s}]"))
                == [#"test.yaml:16:60: error: an SLO takes "max" or "min", not both"#])
        #expect(lines(Support.yaml(extra: "slo: [{name: a, scope: all, metric: latency_mean}]"))
                == [#"test.yaml:16:7: error: slo entry is missing "max""#])
        #expect(lines(Support.yaml(extra: "slo: [{name: a, scope: all, metric: latency_mean, max: 1s}, {name: a, scope: all, metric: latency_mean, max: 2s}]"))
                == [#"test.yaml:16:68: error: two SLOs are named "a""#])
        #expect(lines(Support.yaml(extra: "slo: [{name: a, scope: workload:brwse, metric: latency_mean, max: 1s}]"))
                == [#"test.yaml:16:33: error: unknown workload "brwse""#])
        #expect(lines(Support.yaml(extra: "slo: [{name: a, scope: everything, metric: latency_mean, max: 1s}]"))
                == [#"test.yaml:16:24: error: unknown SLO scope "everything""#])
    }

    @Test func planDecodesAndChecksBothEndsOfItsRange() throws {
        let slo = "slo: [{name: a, scope: all, metric: latency_mean, max: 1s}]\n"
        let s = try #require(Support.decode(Support.yaml(extra: slo + "plan: {vary: services.web.replicas, range: [2, 9], confidence: 90%, search: linear}")))
        let plan = try #require(s.plan)
        #expect(plan.vary == "services.web.replicas")
        #expect(plan.range == 2...9)
        #expect(plan.confidence == 0.9)
        #expect(plan.search == .linear)
        #expect(try plan.scenario(for: 7).services[0].replicas == 7)
        // The default confidence is the scenario's.
        let d = try #require(Support.decode(Support.yaml(extra: slo + "confidence: 0.8\nplan: {vary: services.web.replicas, range: [1, 2]}")))
        #expect(d.plan?.confidence == 0.8)
        #expect(d.plan?.search == .bisection)
        // A range end the parameter does not take is reported at that end.
        #expect(lines(Support.yaml(extra: slo + "plan: {vary: services.web.replicas, range: [1, 100001]}"))
                == [#"test.yaml:17:48: error: "replicas" must be between 1 and 100000, found 100001"#])
        // Varying a rate, which needs a unit, fails at both ends: the plan varies integers.
        #expect(lines(Support.yaml(extra: slo + "plan: {vary: workload.browse.rate, range: [1, 4]}"))
                == [#"test.yaml:17:44: error: rate "1" has no unit"#, #"test.yaml:17:47: error: rate "4" has no unit"#])
    }

    @Test func fingerprintIgnoresLayoutButNotContent() throws {
        let a = try #require(Support.decode(Support.yaml()))
        let b = try #require(Support.decode("# a comment\n" + Support.yaml().replacingOccurrences(of: "work: 5ms", with: "work:   5ms # five")))
        #expect(a.fingerprint.count == 32)
        #expect(a.fingerprint == b.fingerprint)
        let c = try #require(Support.decode(Support.yaml(), overrides: ["seed=2"]))
        #expect(c.fingerprint != a.fingerprint)
        let d = try #require(Support.decode(Support.yaml().replacingOccurrences(of: "work: 5ms", with: "work: 6ms")))
        #expect(d.fingerprint != a.fingerprint)
    }
}
