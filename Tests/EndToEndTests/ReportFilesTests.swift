import Foundation
@testable import ReportWriter
import Testing

/// How report files reach the disk: whole or not at all, with one sync per file and one for the folder.
@Suite struct ReportFilesTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clustersim-reports-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func contents(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    @Test func filesAreWrittenWholeAndNoTemporaryIsLeft() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = String(repeating: "0123456789,", count: 100_000)   // 1.1 MB: more than one write(2) may take
        let paths = try Reports.write([("a.csv", "x,y\n1,2\n"), ("b.csv", big)], to: dir, optional: [])
        #expect(paths == [dir + "/a.csv", dir + "/b.csv"])
        #expect(try contents(dir) == ["a.csv", "b.csv"])
        #expect(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8) == "x,y\n1,2\n")
        #expect(try String(contentsOfFile: dir + "/b.csv", encoding: .utf8) == big)
    }

    @Test func aSecondWriteReplacesTheFilesAndRemovesAStaleOptionalOne() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Reports.write([("a.csv", "old, and longer than the new text\n"), ("slo.csv", "old\n")], to: dir, optional: ["slo.csv"])
        _ = try Reports.write([("a.csv", "new\n")], to: dir, optional: ["slo.csv"])
        #expect(try contents(dir) == ["a.csv"])
        #expect(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8) == "new\n")
        try Reports.atomicWrite("again\n", to: dir + "/a.csv")
        #expect(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8) == "again\n")
        #expect(try contents(dir) == ["a.csv"])
    }

    /// A file that cannot be written (here its temporary name is taken by a folder) leaves the
    /// previous files as they were and no temporary behind.
    @Test func aFailedWriteChangesNothing() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Reports.write([("a.csv", "old a\n"), ("b.csv", "old b\n")], to: dir, optional: [])
        try FileManager.default.createDirectory(atPath: dir + "/b.csv.tmp", withIntermediateDirectories: false)
        #expect(throws: (any Error).self) {
            _ = try Reports.write([("a.csv", "new a\n"), ("b.csv", "new b\n")], to: dir, optional: [])
        }
        #expect(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8) == "old a\n")
        #expect(try String(contentsOfFile: dir + "/b.csv", encoding: .utf8) == "old b\n")
        #expect(try contents(dir) == ["a.csv", "b.csv", "b.csv.tmp"], "a.csv.tmp removed; the folder in the way stays")
    }

    @Test func aFolderThatIsAFileGivesAnErrorNamingThePath() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notAFolder = dir + "/plain"
        try "x".write(toFile: notAFolder, atomically: false, encoding: .utf8)
        do {
            _ = try Reports.write([("a.csv", "1\n")], to: notAFolder, optional: [])
            Issue.record("writing into a regular file succeeded")
        } catch {
            #expect(error.localizedDescription.contains(notAFolder + "/a.csv.tmp"), "\(error.localizedDescription)")
            #expect(error.localizedDescription.contains("Not a directory"), "\(error.localizedDescription)")
        }
    }
}
