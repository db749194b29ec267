import Experiments
import Foundation
import ScenarioSpec

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
