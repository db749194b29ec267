import Foundation
import Testing
@testable import ScenarioSpec

/// Helpers shared by the ScenarioSpec tests.
enum Support {
    /// The repository root, found from this file's path (tests read Scenarios/ by path, not as
    /// SwiftPM resources).
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Tests/ScenarioSpecTests/TestSupport.swift
        return url.path
    }()

    static var invalidDirectory: String { repoRoot + "/Scenarios/invalid" }

    /// A minimal valid scenario; `extra` lines are appended at top level, `service` lines inside
    /// service `web`, `endpoint` lines inside endpoint `web.home`, `workload` lines inside the one
    /// workload item.
    static func yaml(extra: String = "", service: String = "", endpoint: String = "work: 5ms",
                     workload: String = "rate: 100/s") -> String {
        func indent(_ s: String, _ n: Int) -> String {
            s.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: n) + $0 }
                .joined(separator: "\n")
        }
        return """
        name: test
        duration: 10s
        services:
          web:
        \(indent(service, 4))
            endpoints:
              home:
        \(indent(endpoint, 8))
          db:
            endpoints:
              get: {work: 1ms}
        workload:
          - name: browse
            to: web.home
        \(indent(workload, 4))
        \(extra)
        """
    }

    static func decode(_ text: String, file: String = "test.yaml", base: String = "", overrides: [String] = [],
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Scenario? {
        do {
            return try ScenarioLoader.parse(yaml: text, file: file, baseDirectory: base, overrides: overrides)
        } catch {
            Issue.record("unexpected diagnostics:\n\(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The diagnostics of text that must fail.
    static func diagnostics(_ text: String, file: String = "test.yaml", base: String = "", overrides: [String] = [],
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Diagnostic] {
        do {
            _ = try ScenarioLoader.parse(yaml: text, file: file, baseDirectory: base, overrides: overrides)
            Issue.record("expected diagnostics, but the scenario decoded", sourceLocation: sourceLocation)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// `FILE:LINE:COL: error: MESSAGE` with FILE as its base name: the form of the `.expected` files.
    static func firstLine(_ d: Diagnostic) -> String {
        var s = ""
        if let l = d.location { s += "\((l.file as NSString).lastPathComponent):\(l.line):\(l.column): " }
        return s + "\(d.severity.rawValue): \(d.message)"
    }

    /// A fresh temporary directory.
    static func tempDirectory() -> String {
        let dir = NSTemporaryDirectory() + "scenariospec-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }
}
