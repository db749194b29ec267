import Foundation
import Testing
@testable import ScenarioSpec

@Test func zzDumpAll() {
    var out = ""
    for name in InvalidScenariosTests.names {
        do { _ = try ScenarioLoader.load(path: "Scenarios/invalid/\(name).yaml") } catch { out += "\(error)\n\n" }
    }
    try? out.write(toFile: "/tmp/spec/dump.txt", atomically: true, encoding: .utf8)
}
