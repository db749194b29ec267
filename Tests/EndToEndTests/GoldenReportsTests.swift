import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import Testing

/// Golden reports: every scenario of Scenarios/ that the validation suite does not already run is
/// run here and compared byte for byte with its committed Reports/ folder. (The validation
/// scenarios are compared in ValidationTests, on the same runs that check them against theory.)
@Suite(.enabled(if: isOptimizedBuild, "golden reports run in release builds (make test)"))
struct GoldenReportsTests {
    @Test func quickstartMatchesCommittedReports() throws {
        let s = try loadScenario("quickstart.yaml")
        let result = Runner.run(s, jobs: 2)
        expectMatchesCommittedReports(result)
        let events = try String(contentsOfFile: Repo.path("Reports/quickstart/events.jsonl"), encoding: .utf8)
        #expect(events == Reports.eventsJSONL(result))
    }

    /// Call graph, zone network and every resilience policy; traces.json too (about 4 s).
    @Test func checkoutMatchesCommittedReports() throws {
        let s = try loadScenario("checkout.yaml")
        let result = Runner.run(s, jobs: 2)
        expectMatchesCommittedReports(result)
        #expect(!result.limitHit)
        let traces = try String(contentsOfFile: Repo.path("Reports/checkout/traces.json"), encoding: .utf8)
        #expect(traces == Reports.tracesJSON(result))
    }

    /// DeathStarBench's social network: 22 services, parallel fan-out (about 4 s).
    @Test func socialNetworkMatchesCommittedReports() throws {
        let s = try loadScenario("social-network.yaml")
        let result = Runner.run(s, jobs: 2)
        expectMatchesCommittedReports(result)
        #expect(!result.limitHit)
    }

    @Test func everyScenarioHasCommittedReports() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.path("Scenarios")).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for f in files {
            let s = try loadScenario(f)
            #expect(FileManager.default.fileExists(atPath: Repo.path("Reports/\(s.name)/summary.csv")),
                    "Reports/\(s.name)/ is missing: run `make reports`")
        }
    }
}
