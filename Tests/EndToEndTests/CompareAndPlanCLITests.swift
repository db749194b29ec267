import Foundation
import Testing

/// `clustersim compare` and `clustersim plan` through the executable: exit codes, tables, files.
/// Small runs (they also run in debug builds).
@Suite(.serialized) struct CompareAndPlanCLITests {
    static let scenario = """
    name: small
    seed: 4
    duration: 200s
    warmup: 20s
    replications: 4
    services:
      web:
        replicas: 2
        instance: {cores: 1, concurrency: 4, queue: {capacity: unbounded}}
        endpoints: {home: {work: {dist: exponential, mean: 50ms}}}
    workload:
      - {name: browse, to: web.home, arrival: poisson, rate: 20/s}
    slo:
      - {name: mean, scope: endpoint:web.home, metric: latency_mean, max: 150ms}
    plan:
      vary: services.web.replicas
      range: [1, 6]

    """

    static func workspace() throws -> String {
        let dir = try CLI.tempDirectory()
        try scenario.write(toFile: dir + "/small.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func compareFlagsARegressionAndWritesMarkdown() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        // One replica instead of two, at utilization 1: mean latency rises well beyond 5 %.
        let worse = try CLI.run(["compare", "small.yaml", "--against", "services.web.replicas=2", "--set", "services.web.replicas=1",
                                 "--format", "markdown", "--out", "cmp"], in: ws)
        #expect(worse.status == 1, "\(worse.stderr)")
        #expect(worse.stdout.hasPrefix("### clustersim compare\n"))
        #expect(worse.stdout.contains("| endpoint:web.home | latency_mean (s) |"))
        #expect(worse.stdout.contains("**REGRESSION**"))
        #expect(worse.stdout.contains("Significant changes:"))
        #expect(worse.stdout.contains("<details><summary>All "))
        let csv = try String(contentsOfFile: ws + "/cmp/compare.csv", encoding: .utf8)
        #expect(csv.hasPrefix("scope,metric,unit,baseline_mean,"))
        #expect(csv.contains(",regression\r\n"))
        #expect(try String(contentsOfFile: ws + "/cmp/compare.md", encoding: .utf8) == worse.stdout)
        // The other way round it is better, and better is not a regression.
        let better = try CLI.run(["compare", "small.yaml", "--against", "services.web.replicas=1", "--set", "services.web.replicas=2"], in: ws)
        #expect(better.status == 0, "\(better.stderr)")
        #expect(better.stdout.contains("better"))
        #expect(better.stdout.contains("No regression beyond 5%"))
        // Two files: the same as --against/--set.
        try Self.scenario.replacingOccurrences(of: "replicas: 2", with: "replicas: 1").write(toFile: ws + "/one.yaml", atomically: true, encoding: .utf8)
        let files = try CLI.run(["compare", "small.yaml", "one.yaml", "--format", "markdown"], in: ws)
        #expect(files.status == 1)
        let strip = { (s: String) in s.split(separator: "\n").dropFirst(3).joined(separator: "\n") }
        #expect(strip(files.stdout) == strip(worse.stdout), "same numbers whichever way the configurations are given")
    }

    @Test func compareBadInput() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let nothing = try CLI.run(["compare", "small.yaml"], in: ws)
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("nothing to compare"))
        let badPath = try CLI.run(["compare", "small.yaml", "--against", "services.wbe.replicas=2", "--set", "seed=x"], in: ws)
        #expect(badPath.status == 2)
        #expect(badPath.stderr.contains(#"--set:1:10: error: in --against: unknown service "wbe""#), "\(badPath.stderr)")
        #expect(badPath.stderr.contains(#"--set:1:6: error: "seed" must be a non-negative whole number"#), "\(badPath.stderr)")
        let seeds = try CLI.run(["compare", "small.yaml", "--against", "seed=1", "--set", "seed=2"], in: ws)
        #expect(seeds.status == 2)
        #expect(seeds.stderr.contains("must share seed and replications"))
        let threshold = try CLI.run(["compare", "small.yaml", "--set", "seed=4", "--threshold", "lots"], in: ws)
        #expect(threshold.status == 2)
    }

    @Test func planAnswersAndRefusesWhenTheRangeHoldsNone() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let ok = try CLI.run(["plan", "small.yaml", "--out", "plan", "--jobs", "2"], in: ws)
        #expect(ok.status == 0, "\(ok.stderr)")
        let answer = try #require(ok.stdout.split(separator: "\n").first { $0.hasPrefix("answer: ") })
        #expect(answer.hasPrefix("answer: services.web.replicas = 2 "), "\(ok.stdout)")
        let csv = try String(contentsOfFile: ws + "/plan/plan.csv", encoding: .utf8)
        #expect(csv.hasPrefix("point,services.web.replicas,tried,meets_all,slo,scope,metric,"))
        let summary = try String(contentsOfFile: ws + "/plan/summary.csv", encoding: .utf8)
        #expect(summary.hasPrefix("point,services.web.replicas,scope,metric,"))
        // A range below the answer: exit 1, saying so.
        let none = try CLI.run(["plan", "small.yaml", "--out", "none", "--set", "plan.range=[1, 1]"], in: ws)
        #expect(none.status == 1)
        #expect(none.stdout.contains("no answer: no value in [1, 1] meets every SLO"), "\(none.stdout)")
        // No plan in the file, or a bad plan: exit 2.
        let noPlan = try CLI.run(["plan", Repo.path("Scenarios/mm1-rho05.yaml"), "--out", "x"], in: ws)
        #expect(noPlan.status == 2)
        let bad = try CLI.run(["plan", "small.yaml", "--set", "plan.range=[0, 4]"], in: ws)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"--set:1:13: error: "replicas" must be between 1 and 100000, found 0"#), "\(bad.stderr)")
    }

    @Test func runJudgesSLOsWithExitCodeAndJUnit() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let pass = try CLI.run(["run", "small.yaml", "--out", "r", "--junit", "r/junit.xml"], in: ws)
        #expect(pass.status == 0, "\(pass.stderr)")
        #expect(pass.stdout.contains("SLOs: all 1 met"))
        let junit = try String(contentsOfFile: ws + "/r/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testcase classname=\"small.slo\" name=\"mean\"/>"))
        let slo = try String(contentsOfFile: ws + "/r/slo.csv", encoding: .utf8)
        #expect(slo.hasPrefix("point,slo,scope,metric,unit,bound,target,mean,ci_low,ci_high,result\r\n0,mean,endpoint:web.home,latency_mean,s,max,0.15,"))
        let fail = try CLI.run(["run", "small.yaml", "--out", "f", "--set", "services.web.replicas=1", "--junit", "f.xml"], in: ws)
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("FAIL"))
        let fx = try String(contentsOfFile: ws + "/f.xml", encoding: .utf8)
        #expect(fx.contains("failures=\"1\""))
        #expect(fx.contains("<failure message=\"latency_mean of endpoint:web.home: mean "))
    }
}
