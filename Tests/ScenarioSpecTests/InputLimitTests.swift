import Foundation
import Testing
@testable import ScenarioSpec

/// Hostile or broken input gives a diagnostic: no crash, no hang, no reading a huge file whole.
@Suite struct InputLimitTests {
    private func only(_ d: [Diagnostic]) -> String? {
        #expect(d.count == 1)
        return d.first.map(Support.firstLine)
    }

    @Test func fileLargerThanTheLimitIsRefused() throws {
        let dir = Support.tempDirectory()
        let path = dir + "/huge.yaml"
        var data = Data("name: huge\n".utf8)
        data.append(Data(repeating: UInt8(ascii: "#"), count: ScenarioLoader.maxFileBytes))
        _ = FileManager.default.createFile(atPath: path, contents: data)
        #expect(ScenarioLoader.maxFileBytes == 8 * 1024 * 1024)
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("a file over the limit was accepted")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics.first.map(Support.firstLine) == "huge.yaml:1:1: error: file is larger than 8 MiB, the limit for a scenario")
        }
        try? FileManager.default.removeItem(atPath: dir)
        // The same limit for text handed over directly.
        let text = "name: x\n" + String(repeating: "#", count: ScenarioLoader.maxFileBytes)
        #expect(only(Support.diagnostics(text)) == "test.yaml:1:1: error: file is larger than 8 MiB, the limit for a scenario")
    }

    @Test func missingFileAndDirectory() {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/x.yaml") }
        do { _ = try ScenarioLoader.load(path: "/nonexistent/x.yaml") } catch {
            #expect(error.diagnostics.map(\.message) == [#"cannot read "/nonexistent/x.yaml": no such file"#])
        }
        do { _ = try ScenarioLoader.load(path: NSTemporaryDirectory()) } catch {
            #expect(error.diagnostics.first?.message.hasSuffix("it is a directory") == true)
        }
    }

    @Test func binaryAndEncoding() throws {
        let dir = Support.tempDirectory()
        _ = FileManager.default.createFile(atPath: dir + "/bin.yaml", contents: Data([0xFF, 0x00, 0xFE, 0x13, 0x88, 0x00]))
        do { _ = try ScenarioLoader.load(path: dir + "/bin.yaml") } catch {
            #expect(error.diagnostics.map(Support.firstLine) == ["bin.yaml:1:1: error: file is not UTF-8 text (binary data?)"])
        }
        // A bad byte later on is located.
        _ = FileManager.default.createFile(atPath: dir + "/late.yaml", contents: Data("name: a\ndescription: é\u{FF}".utf8) + Data([0xC3, 0x28]))
        do { _ = try ScenarioLoader.load(path: dir + "/late.yaml") } catch {
            #expect(error.diagnostics.map(Support.firstLine) == ["late.yaml:2:16: error: file is not UTF-8 text (binary data?)"])
        }
        #expect(only(Support.diagnostics("name: a\u{0}b")) == "test.yaml:1:8: error: file contains a NUL byte (binary data?)")
        // A byte order mark is fine.
        #expect(Support.decode("\u{FEFF}" + Support.yaml()) != nil)
    }

    @Test func emptyFiles() {
        #expect(only(Support.diagnostics("")) == "test.yaml:1:1: error: file is empty")
        #expect(only(Support.diagnostics("\n# only a comment\n\n")) == "test.yaml:1:1: error: file is empty")
    }

    @Test func syntaxErrorsAreLocated() throws {
        let d = Support.diagnostics("name: a\nservices: [web\nduration: 1s\n")
        #expect(d.count == 1)
        #expect(d.first?.location?.line == 3)
        #expect(d.first?.message.hasPrefix("invalid YAML:") == true)
        let tab = Support.diagnostics("name: a\nservices:\n\tweb: {}\n")
        #expect(tab.first?.location?.line == 3)
        #expect(tab.first?.sourceLine == "\tweb: {}")
        #expect(Support.diagnostics("a: 1\n---\nb: 2\n").first?.message.contains("another document") == true)
    }

    @Test(arguments: [
        String(repeating: "[", count: 100_000),
        String(repeating: "{a: ", count: 100_000),
        "a: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        String(repeating: "- ", count: 100_000) + "x",
        "a: &x " + String(repeating: "[", count: 100_000),
        "a: !!seq " + String(repeating: "[", count: 100_000),
        "a: \"quoted\" " + String(repeating: "[", count: 100_000),
    ])
    func absurdNestingIsRefusedQuickly(_ text: String) {
        let start = Date()
        let d = Support.diagnostics(text)
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix("nesting deeper than 64 levels") == true
                || d.first?.message.hasPrefix("invalid YAML") == true)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func deepBlockNesting() {
        // One column per level.
        var text = ""
        for i in 0..<500 { text += String(repeating: " ", count: i) + "a:\n" }
        #expect(Support.diagnostics(text).map(\.message) == ["nesting deeper than 64 levels"])
        // Sequences written at their key's column: two levels per indentation step.
        var alternating = "a:\n"
        for i in 0..<200 { alternating += String(repeating: " ", count: 2 * i) + "- b:\n" }
        #expect(Support.diagnostics(alternating).map(\.message) == ["nesting deeper than 64 levels"])
        // Shallow enough for the text scan (one column per two levels), caught exactly on the tree:
        // line k + 1 holds a list at depth 2k and a mapping at depth 2k + 1, so the 65th level is
        // the mapping of line 33, whose first key is at column 65.
        var moderate = "a:\n"
        for i in 0..<40 { moderate += String(repeating: " ", count: 2 * i) + "- b:\n" }
        #expect(Support.diagnostics(moderate).map(Support.firstLine) == ["test.yaml:33:65: error: nesting deeper than 64 levels"])
    }

    @Test func longLinesAreClippedAfterTheCaret() throws {
        let d = try #require(Support.diagnostics("description: " + String(repeating: "[", count: 100_000)).first)
        let line = try #require(d.sourceLine)
        #expect(line.count < 300)
        #expect(line.hasSuffix(" …"))
        #expect(d.location?.column == 77)
    }

    @Test func diagnosticsAreCapped() {
        let items = (0..<1000).map { "{name: w\($0), to: web.home, rate: 1}" }.joined(separator: ", ")
        let text = "name: many\nduration: 1s\nservices: {web: {endpoints: {home: {work: 1ms}}}}\nworkload: [\(items)]\n"
        let d = Support.diagnostics(text)
        #expect(d.count == ScenarioLoader.maxDiagnostics + 1)
        #expect(d.last?.message == "… and 500 more errors")
    }

    @Test func duplicateKeysPointAtTheRepetition() {
        let d = Support.diagnostics("name: a\nduration: 1m\nservices:\n  web: {}\nduration: 2m\n")
        #expect(d.map(Support.firstLine) == [#"test.yaml:5:1: error: duplicate key "duration" in a mapping"#])
        #expect(d.first?.hint == "first written at line 2; each key may appear once per mapping")
        let nested = Support.diagnostics("a:\n  - name: x\n    to: y\n    name: z\n")
        #expect(nested.map(Support.firstLine) == [#"test.yaml:4:5: error: duplicate key "name" in a mapping"#])
        let flow = Support.diagnostics("a: {b: 1, b: 2}\n")
        #expect(flow.map(Support.firstLine) == [#"test.yaml:1:5: error: duplicate key "b" in a mapping"#])
    }

    @Test func depthLimitIsExact() {
        // Root mapping + 63 lists = 64 levels: accepted (and then refused for its type).
        let ok = "description: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63)
        #expect(Support.diagnostics(ok).contains { $0.message.hasPrefix(#""description" must be a string"#) })
        // One more list is one level too many; the caret is on the 65th level.
        let deep = "description: " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(Support.diagnostics(deep).map(Support.firstLine) == ["test.yaml:1:77: error: nesting deeper than 64 levels"])
    }

    @Test func aliasExpansionIsBounded() {
        var text = "name: bomb\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
        for i in 1..<9 { text += "x\(i): &x\(i) [" + Array(repeating: "*x\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let start = Date()
        let d = Support.diagnostics(text)
        #expect(d.map(\.message) == ["document has more than 1000000 values once its aliases are expanded"])
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test(arguments: ["? [a]\n: b\n", "*x : b\n", "a: &x [1]\n*x : 2\n", "[a, b]: c\n", "{[a]: b}\n", "a: {*x : 1}\n", "{? a: b}\n"])
    func complexKeysAreRefused(_ text: String) {
        #expect(Support.diagnostics(text).map(\.message) == ["mapping keys must be plain names, not lists, mappings or aliases"])
    }

    @Test func aliasesAsValuesStillWork() throws {
        let text = Support.yaml(endpoint: "work: &w {dist: exponential, mean: 5ms}")
            .replacingOccurrences(of: "get: {work: 1ms}", with: "get: {work: *w}")
        let s = try #require(Support.decode(text))
        #expect(s.services[1].endpoints[0].work == .exponential(mean: 0.005))
    }

    @Test func tooManyServicesAndWorkloads() {
        let services = (0...CountLimits.services).map { "s\($0): {endpoints: {e: {work: 1ms}}}" }.joined(separator: ", ")
        let text = "name: many\nduration: 1s\nservices: {\(services)}\nworkload: [{name: w, to: s0.e, rate: 1/s}]\n"
        #expect(Support.diagnostics(text).map(Support.firstLine) == ["test.yaml:3:11: error: more than 10000 services"])
        let workloads = (0...CountLimits.workloads).map { "{name: w\($0), to: web.home, rate: 1/s}" }.joined(separator: ", ")
        let text2 = "name: many\nduration: 1s\nservices: {web: {endpoints: {home: {work: 1ms}}}}\nworkload: [\(workloads)]\n"
        #expect(Support.diagnostics(text2).map(Support.firstLine) == ["test.yaml:4:11: error: more than 10000 workloads"])
    }
}
