import Experiments
import Foundation
import ReportWriter
import ScenarioSpec
import Testing

/// The built `clustersim` executable, run as a subprocess (spec/reports.md: commands, exit codes,
/// diagnostics, report files). Every run is small: a debug build simulates 15–30× slower.
enum CLI {
    /// The executable beside the test bundle, in the products directory of the current build.
    static let binary: URL? = {
        var dirs: [URL] = []
        // Linux: the test runner is the `…PackageTests.xctest` executable in the products directory.
        dirs.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        if let first = CommandLine.arguments.first {
            dirs.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        // macOS: `…PackageTests.xctest` is a bundle in the products directory.
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dirs.append(b.bundleURL.deletingLastPathComponent()) }
        for d in dirs {
            let u = d.appendingPathComponent("clustersim")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return nil
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    }

    /// Runs the executable with `arguments` in `directory` (the repository root by default). Output
    /// goes to files, not pipes, so a large output cannot block the child. A run still going after
    /// `timeout` seconds is killed and reported as timed out (a hang is a bug: DESIGN.md rule 3).
    static func run(_ arguments: [String], in directory: String = Repo.root.path, timeout: TimeInterval = 180,
                    environment: [String: String]? = nil, executable: String? = nil) throws -> Output {
        guard let built = binary else {
            throw CLIError.notBuilt
        }
        let binary = executable.map { URL(fileURLWithPath: $0) } ?? built
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("clustersim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout"), errURL = tmp.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        if let environment { p.environment = environment }
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        var timedOut = false
        if p.isRunning {
            timedOut = true
            p.terminate()
        }
        p.waitUntilExit()
        try out.close()
        try err.close()
        let so = (try? String(contentsOf: outURL, encoding: .utf8)) ?? "<not UTF-8>"
        let se = (try? String(contentsOf: errURL, encoding: .utf8)) ?? "<not UTF-8>"
        return Output(status: p.terminationStatus, stdout: so, stderr: se, timedOut: timedOut)
    }

    enum CLIError: Error, CustomStringConvertible {
        case notBuilt
        var description: String {
            "the clustersim executable was not found beside the test bundle (swift build builds it; EndToEndTests depends on it)"
        }
    }

    /// A fresh temporary directory for reports.
    static func tempDirectory() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("clustersim-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }
}

/// Whether a line is `FILE:LINE:COL: error: …`, the compiler-style first line of a diagnostic
/// (spec/reports.md).
func isDiagnosticLine(_ line: String) -> Bool {
    line.firstMatch(of: #/^[^:]+:[0-9]+:[0-9]+: error: /#) != nil
}

@Suite(.serialized) struct CLITests {
    static let invalidDirectory = Repo.path("Scenarios/invalid")
    static let invalidFiles: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: invalidDirectory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func theExecutableIsBuilt() throws {
        let b = try #require(CLI.binary, "\(CLI.CLIError.notBuilt)")
        #expect(b.lastPathComponent == "clustersim")
    }

    // MARK: validate

    @Test func everyInvalidScenarioIsListed() {
        #expect(Self.invalidFiles.count >= 28)
    }

    /// Run inside Scenarios/invalid with the base name, `validate` prints exactly the diagnostics of
    /// NAME.expected (first lines; source lines, carets and hints follow them) and exits 2.
    @Test(arguments: invalidFiles)
    func validateRejectsAnInvalidScenario(_ file: String) throws {
        let r = try CLI.run(["validate", file], in: Self.invalidDirectory, timeout: 60)
        #expect(!r.timedOut, "\(file): validate did not finish within 60 s")
        #expect(r.status == 2, "\(file): exit \(r.status)\n\(r.stderr)")
        let errors = r.stderrLines.filter { isDiagnosticLine($0) }
        #expect(!errors.isEmpty, "\(file): no FILE:LINE:COL: error: line on stderr:\n\(r.stderr)")
        for e in errors { #expect(e.hasPrefix(file + ":"), "\(e)") }
        let expectedText = try String(contentsOfFile: "\(Self.invalidDirectory)/\(file.dropLast(5)).expected", encoding: .utf8)
        let expected = expectedText.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(errors == expected, "\(file): stderr was\n\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(file): diagnostics go to stderr only; stdout was \(r.stdout)")
    }

    @Test func validateFromTheRepositoryRootNamesThePath() throws {
        let r = try CLI.run(["validate", "Scenarios/invalid/unknown-service.yaml", "Scenarios/invalid/several-errors.yaml"])
        #expect(r.status == 2)
        let errors = r.stderrLines.filter { isDiagnosticLine($0) }
        #expect(errors.first == "Scenarios/invalid/unknown-service.yaml:10:9: error: unknown service \"fronted\"")
        #expect(errors.filter { $0.hasPrefix("Scenarios/invalid/several-errors.yaml:") }.count == 13, "every error of every file")
    }

    @Test func validateAcceptsEveryExampleScenario() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.path("Scenarios"))
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "Scenarios/" + $0 }
        #expect(files.count >= 6)
        let r = try CLI.run(["validate"] + files)
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        #expect(!r.timedOut)
        for f in files { #expect(r.stdout.contains("\(f): ok"), "\(f) not reported ok:\n\(r.stdout)") }
    }

    @Test func validateOfAMissingFileExitsTwo() throws {
        let r = try CLI.run(["validate", "Scenarios/no-such-file.yaml"])
        #expect(r.status == 2)
        #expect(r.stderrLines.contains { isDiagnosticLine($0) || $0.contains("error:") })
    }

    // MARK: run

    static let summaryHeader = "point,scope,metric,unit,mean,ci_low,ci_high,stddev,replications"
    static let replicationsHeader = "point,replication,seed,scope,metric,unit,value"
    static let timeseriesHeader = "point,replication,time,scope,metric,value"

    @Test func runWritesTheReportsWithTheSpecifiedHeaders() throws {
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let sets = ["duration=10m", "output.timeseries=1m"]
        let r = try CLI.run(["run", "Scenarios/quickstart.yaml", "--out", out, "--replications", "2", "--jobs", "2"]
                            + sets.flatMap { ["--set", $0] })
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        #expect(r.stdout.hasPrefix("quickstart: 2 replications, seed 42"), "\(r.stdout)")
        #expect(r.stdout.contains("endpoint:web.home"))
        #expect(!r.stdout.contains("LIMIT"))
        for (name, header) in [("summary.csv", Self.summaryHeader), ("replications.csv", Self.replicationsHeader),
                               ("timeseries.csv", Self.timeseriesHeader)] {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            let lines = text.components(separatedBy: "\r\n")
            #expect(lines.first == header, "\(name) header")
            #expect(lines.last == "", "\(name) ends with CRLF")
            #expect(lines.count > 3, "\(name) has rows")
            let columns = header.split(separator: ",").count
            for l in lines.dropLast() {
                #expect(l.split(separator: ",", omittingEmptySubsequences: false).count == columns, "\(name): \(l)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: out + "/events.jsonl"), "quickstart asks for output.events")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)

        // The files are what the library writes for the same scenario in this process, byte for byte.
        let s = try loadScenario("quickstart.yaml", overrides: sets + ["replications=2"])
        let result = Runner.run(s, jobs: 1)
        #expect(try String(contentsOfFile: out + "/summary.csv", encoding: .utf8) == Reports.summaryCSV(result))
        #expect(try String(contentsOfFile: out + "/replications.csv", encoding: .utf8) == Reports.replicationsCSV(result))
        #expect(try String(contentsOfFile: out + "/timeseries.csv", encoding: .utf8) == Reports.timeseriesCSV(result))
    }

    @Test func runPrintsValidJSON() throws {
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["run", "Scenarios/mm1-rho05.yaml", "--out", out, "--format", "json", "--replications", "2",
                             "--set", "stop.requests=3000"])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let doc = try #require(json as? [String: Any])
        #expect(doc["scenario"] as? String == "mm1-rho05")
        #expect(doc["replications"] as? Int == 2)
        #expect((doc["limits_hit"] as? [Any])?.isEmpty == true)
        let summary = try #require(doc["summary"] as? [[String: Any]])
        #expect(!summary.isEmpty)
        let mean = summary.first { $0["scope"] as? String == "all" && $0["metric"] as? String == "latency_mean" }
        #expect((mean?["mean"] as? Double).map { $0 > 0.5 && $0 < 10 } == true, "\(String(describing: mean))")
        for row in summary {
            for key in ["point", "scope", "metric", "unit", "mean", "ci_low", "ci_high", "stddev", "replications"] {
                #expect(row[key] != nil, "summary row without \(key): \(row)")
            }
        }
        #expect(!r.stdout.contains("quickstart:"), "no table on stdout with --format json")
    }

    @Test func aRunThatHitsMaxInFlightExitsThree() throws {
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        // M/M/1 at λ = 2/s, μ = 1/s: the backlog grows ~1 per second and passes 1000 in ~1000 s.
        let r = try CLI.run(["run", "Scenarios/mm1-rho05.yaml", "--out", out, "--replications", "2",
                             "--set", "workload.arrivals.rate=2/s", "--set", "limits.max_in_flight=1000",
                             "--set", "stop.requests=100000"])
        #expect(r.status == 3, "stderr:\n\(r.stderr)")
        #expect(!r.timedOut)
        #expect(r.stdout.contains("LIMIT: replication 1 stopped: max_in_flight (1000) reached"), "\(r.stdout)")
        #expect(r.stdout.contains("LIMIT: replication 2 stopped: max_in_flight (1000)"))
        #expect(r.stderr.contains("hit a limit"))
        let reps = try String(contentsOfFile: out + "/replications.csv", encoding: .utf8).components(separatedBy: "\r\n")
        let limitRows = reps.filter { $0.contains(",all,limit_reached,count,") }
        #expect(limitRows.count == 2)
        #expect(limitRows.allSatisfy { $0.hasSuffix(",all,limit_reached,count,1") }, "\(limitRows)")
        let summary = try String(contentsOfFile: out + "/summary.csv", encoding: .utf8)
        #expect(summary.contains("0,all,limit_reached,count,1,1,1,0,2\r\n"))
    }

    @Test func aRunWithinItsLimitsReportsLimitReachedZero() throws {
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["run", "Scenarios/mm1-rho05.yaml", "--out", out, "--replications", "1", "--seed", "5",
                             "--set", "stop.requests=2000"])
        #expect(r.status == 0, "stderr:\n\(r.stderr)")
        let reps = try String(contentsOfFile: out + "/replications.csv", encoding: .utf8)
        #expect(reps.contains(",all,limit_reached,count,0\r\n"))
        #expect(r.stdout.hasPrefix("mm1-rho05: 1 replication, seed 5"), "\(r.stdout)")
    }

    // MARK: invalid input

    @Test func anUnknownSetPathExitsTwo() throws {
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["run", "Scenarios/mm1-rho05.yaml", "--out", out, "--set", "services.nosuch.replicas=2"])
        #expect(r.status == 2, "stderr:\n\(r.stderr)")
        #expect(r.stderrLines.contains { isDiagnosticLine($0) }, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "no reports for invalid input")
    }

    @Test func anInvalidScenarioFileMakesRunExitTwo() throws {
        let r = try CLI.run(["run", "Scenarios/invalid/unknown-service.yaml", "--out", "/nonexistent/never-written"])
        #expect(r.status == 2)
        #expect(r.stderrLines.contains { isDiagnosticLine($0) })
    }

    @Test(arguments: [["--jobs", "0"], ["--jobs", "-1"], ["--replications", "0"], ["--format", "xml"], ["--jobs", "two"]])
    func badOptionsExitTwo(_ option: [String]) throws {
        let r = try CLI.run(["run", "Scenarios/mm1-rho05.yaml", "--out", "/nonexistent/never-written"] + option)
        #expect(r.status == 2, "\(option): exit \(r.status), stderr:\n\(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test func unknownSubcommandOrNoArgumentsExitTwo() throws {
        #expect(try CLI.run(["frobnicate"]).status == 2)
        #expect(try CLI.run(["run"]).status == 2)
    }

    @Test(arguments: [["--help"], ["run", "--help"], ["validate", "--help"], ["--version"]])
    func helpExitsZero(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 0, "\(args): exit \(r.status)\n\(r.stderr)")
        #expect(!r.stdout.isEmpty)
    }

    @Test func helpShowsTheExitCodes() throws {
        let r = try CLI.run(["--help"])
        #expect(r.stdout.contains("Exit codes: 0 ok, 1 an SLO is violated, 2 invalid input, 3 a run hit a limit."))
        #expect(r.stdout.contains("run"))
        #expect(r.stdout.contains("validate"))
    }
}
