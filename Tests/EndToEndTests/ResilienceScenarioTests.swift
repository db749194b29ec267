import ClusterModels
import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import Testing

/// Scenarios of call graphs and resilience whose story is checked, not only their bytes.
@Suite(.enabled(if: isOptimizedBuild, "golden reports run in release builds (make test)"))
struct ResilienceScenarioTests {
    /// retry-storm.yaml: both stacks fail during the spike (60–90 s); the one without a retry budget
    /// stays down after it (metastable), the one with a 10 % budget recovers.
    @Test func retriesWithoutABudgetStayDownAfterTheSpike() throws {
        let result = Runner.run(try loadScenario("retry-storm.yaml"), jobs: 2)
        expectMatchesCommittedReports(result)
        for rep in result.replications {
            func errors(_ service: String, _ range: ClosedRange<Double>) -> [Double] {
                rep.timeseries.filter { $0.scope == "service:\(service)" && $0.metric == "error_rate" && range.contains($0.time) }
                    .map(\.value)
            }
            // Before the spike both are healthy.
            #expect(errors("frontend-nobudget", 5...55).allSatisfy { $0 < 0.01 })
            #expect(errors("frontend-budget", 5...55).allSatisfy { $0 < 0.01 })
            // During it both fail.
            #expect(errors("frontend-nobudget", 70...85).allSatisfy { $0 > 0.5 })
            #expect(errors("frontend-budget", 70...85).allSatisfy { $0 > 0.5 })
            // After it: the budget recovers within 15 s; without it, the stack never does.
            let late = 110.0...300.0
            #expect(!errors("frontend-budget", late).isEmpty && errors("frontend-budget", late).allSatisfy { $0 < 0.01 })
            #expect(!errors("frontend-nobudget", late).isEmpty && errors("frontend-nobudget", late).allSatisfy { $0 > 0.9 })
        }
        // The backend without a budget spends its capacity on requests whose callers have gone.
        #expect(result.row("service:backend-a", "utilization").interval.mean > 0.9)
        #expect(result.row("call:frontend-nobudget->backend-a.get", "retries").interval.mean
                > 10 * result.row("call:frontend-budget->backend-b.get", "retries").interval.mean)
    }
}

/// traces.json: sampled requests as Chrome trace events, one span per request and call attempt.
@Suite struct TraceOutputTests {
    @Test func everySpanOfATracedRequestIsWritten() throws {
        let yaml = """
        name: traced
        seed: 4
        stop: {requests: 50}
        warmup: 0s
        replications: 2
        services:
          web:
            endpoints:
              home:
                work: 1ms
                calls:
                  - parallel: [{call: db.get}, {call: cache.get}]
                  - work: 1ms
          db:
            endpoints:
              get: {work: 2ms}
          cache:
            endpoints:
              get: {work: 100us}
        workload:
          - {name: w, to: web.home, arrival: poisson, rate: 10/s}
        output: {traces: 100%}
        """
        let s = try ScenarioLoader.parse(yaml: yaml, file: "traced.yaml", baseDirectory: "", overrides: [])
        let result = Runner.run(s, jobs: 1)
        for rep in result.replications {
            // 50 requests × (root + 2 calls), every request traced.
            #expect(rep.traces.count == 150)
            let roots = rep.traces.filter { $0.parent < 0 }
            #expect(roots.count == 50)
            for t in rep.traces where t.parent >= 0 {
                // A child lies inside its parent, in the same trace.
                let p = try #require(rep.traces.first { $0.trace == t.trace && $0.span == t.parent })
                #expect(p.start <= t.start && t.end <= p.end)
            }
        }
        let json = Reports.tracesJSON(result)
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let events = try #require(doc?["traceEvents"] as? [[String: Any]])
        #expect(events.count == 300)
        #expect(events.allSatisfy { $0["ph"] as? String == "X" })
        #expect(Set(events.compactMap { $0["name"] as? String }) == ["web.home", "db.get", "cache.get"])
    }
}
