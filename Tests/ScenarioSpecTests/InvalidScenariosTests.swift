import Foundation
import Testing
@testable import ScenarioSpec

/// Every `Scenarios/invalid/NAME.yaml` must give exactly the diagnostics in `NAME.expected`: one
/// `FILE:LINE:COL: error: MESSAGE` line per diagnostic, in order, FILE being the base name (as
/// `clustersim validate NAME.yaml` prints it when run inside Scenarios/invalid).
@Suite struct InvalidScenariosTests {
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Support.invalidDirectory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func directoryIsComplete() throws {
        #expect(Self.names.count >= 28)
        let files = try FileManager.default.contentsOfDirectory(atPath: Support.invalidDirectory)
        let expected = files.filter { $0.hasSuffix(".expected") }.map { String($0.dropLast(9)) }.sorted()
        #expect(expected == Self.names, "every NAME.yaml needs a NAME.expected and the other way round")
    }

    @Test(arguments: names)
    func givesExactlyTheExpectedDiagnostics(_ name: String) throws {
        let dir = Support.invalidDirectory
        let expectedText = try String(contentsOfFile: "\(dir)/\(name).expected", encoding: .utf8)
        let expected = expectedText.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        do {
            _ = try ScenarioLoader.load(path: "\(dir)/\(name).yaml")
            Issue.record("\(name).yaml decoded without errors")
        } catch {
            let actual = error.diagnostics.map(Support.firstLine)
            #expect(actual == expected, "\(name).yaml, full output:\n\(error)")
            // Every diagnostic points into the file, shows its line, and errors come in file order.
            for d in error.diagnostics {
                #expect(d.location != nil)
                if let l = d.location, l.line > 0, name != "empty", name != "binary-garbage" {
                    #expect(d.sourceLine != nil, "\(Support.firstLine(d)) has no source line")
                }
            }
        }
    }
}
