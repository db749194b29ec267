import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import Testing

/// Paths and helpers shared by the end-to-end suites.
enum Repo {
    /// The repository root, found from this file's path (Tests/EndToEndTests/Support.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ rel: String) -> String { root.appendingPathComponent(rel).path }
}

/// True in an optimized build (`swift test -c release`, what `make test` runs). The statistical
/// validation suite simulates tens of millions of requests: in a debug build (15–30× slower) it is
/// skipped with a note rather than shrunk, since shrinking it would loosen what it proves.
let isOptimizedBuild: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()

extension RunResult {
    /// The summary row of (scope, metric); fails the test loudly when missing.
    func row(_ scope: String, _ metric: String) -> SummaryRow {
        guard let r = summary.first(where: { $0.scope == scope && $0.metric == metric }) else {
            preconditionFailure("no summary row \(scope) \(metric)")
        }
        return r
    }
}

/// Loads a scenario under Scenarios/, optionally with --set overrides.
func loadScenario(_ name: String, overrides: [String] = []) throws -> Scenario {
    try ScenarioLoader.load(path: Repo.path("Scenarios/\(name)"), overrides: overrides)
}

/// Compares a run with the reports committed in Reports/<name>/ (written by scripts/make-reports.sh
/// from the same scenario, so the files must match byte for byte).
func expectMatchesCommittedReports(_ result: RunResult, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let dir = Repo.path("Reports/\(result.scenario.name)")
    let files: [(String, String)] = [
        ("summary.csv", Reports.summaryCSV(result)),
        ("replications.csv", Reports.replicationsCSV(result)),
        ("timeseries.csv", Reports.timeseriesCSV(result)),
    ]
    for (name, fresh) in files {
        let path = dir + "/" + name
        guard let committed = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("missing \(path): run `make reports` and commit Reports/", sourceLocation: sourceLocation)
            continue
        }
        #expect(committed == fresh, "\(path) differs from a fresh run: run `make reports` after a model change and commit Reports/",
                sourceLocation: sourceLocation)
    }
}
