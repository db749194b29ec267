import Foundation
import Testing

/// `clustersim sweep`, `merge`, sharding and `--resume` through the executable (spec/reports.md,
/// "Commands"): a sweep split into shards and merged, or killed and resumed, writes exactly the
/// files of the sweep run whole.
@Suite(.serialized) struct SweepCLITests {
    static let scenario = """
    name: sweep-e2e
    seed: 3
    duration: 300s
    replications: 2
    services:
      web:
        replicas: 2
        instance: {cores: 1, concurrency: 4, queue: {capacity: 50}}
        endpoints: {home: {work: {dist: exponential, mean: 20ms}}}
    workload:
      - {name: browse, to: web.home, arrival: poisson, rate: 40/s}
    slo:
      - {name: p99, scope: all, metric: latency_p99, max: 200ms}
    output: {timeseries: 60s, events: true}
    sweep:
      parameters:
        services.web.replicas: [1, 2, 3]
        workload.browse.rate: [20/s, 40/s]

    """

    static let files = ["summary.csv", "replications.csv", "timeseries.csv", "events.jsonl", "slo.csv"]

    /// A directory holding the scenario file; removed by the caller.
    static func workspace(_ text: String = scenario) throws -> String {
        let dir = try CLI.tempDirectory()
        try text.write(toFile: dir + "/sweep.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func expectSameFiles(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for f in files {
            let x = read(a + "/" + f), y = read(b + "/" + f)
            #expect(x != nil, "\(a)/\(f) missing", sourceLocation: sourceLocation)
            #expect(x == y, "\(f) differs between \(a) and \(b)", sourceLocation: sourceLocation)
        }
    }

    @Test func sweepWritesParameterColumnsInPointOrder() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let r = try CLI.run(["sweep", "sweep.yaml", "--out", "whole", "--jobs", "2", "--junit", "junit.xml"], in: ws)
        #expect(r.status == 1, "an SLO fails at some point: \(r.stderr)")
        let summary = try #require(Self.read(ws + "/whole/summary.csv"))
        let lines = summary.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "point,services.web.replicas,workload.browse.rate,scope,metric,unit,mean,ci_low,ci_high,stddev,replications")
        // Grid order, the last parameter fastest; every point's rows together.
        let points = lines.dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        var order: [String] = []
        for p in points where order.last != p { order.append(p) }
        #expect(order == ["0,1,20/s", "0,1,40/s", "1,2,20/s", "1,2,40/s", "2,3,20/s", "2,3,40/s"].enumerated().map { i, s in
            "\(i)," + s.split(separator: ",").dropFirst().joined(separator: ",")
        })
        let reps = try #require(Self.read(ws + "/whole/replications.csv"))
        #expect(reps.hasPrefix("point,services.web.replicas,workload.browse.rate,replication,seed,scope,metric,unit,value\r\n"))
        // Common random numbers: replication r has the same seed at every point.
        let seeds = Set(reps.split(separator: "\r\n").dropFirst().filter { $0.contains(",1,") }.map { $0.split(separator: ",")[4] })
        #expect(seeds.count == 2, "one seed per replication index, shared by the points: \(seeds)")
        #expect(!FileManager.default.fileExists(atPath: ws + "/whole/units.journal"), "the journal goes once the reports are written")
        // JUnit: one test case per SLO and point, failures as in slo.csv.
        let junit = try #require(Self.read(ws + "/junit.xml"))
        let slo = try #require(Self.read(ws + "/whole/slo.csv"))
        let fails = slo.split(separator: "\r\n").filter { $0.hasSuffix(",fail") }.count
        #expect(junit.components(separatedBy: "<testcase ").count - 1 == 6)
        #expect(junit.contains("<testsuites name=\"clustersim\" tests=\"6\" failures=\"\(fails)\">"))
        #expect(fails > 0 && fails < 6)
        #expect(r.stdout.contains("sweep of 6 points × 2 replications"))
    }

    @Test func shardsMergedAreByteIdenticalToTheWholeSweep() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let whole = try CLI.run(["sweep", "sweep.yaml", "--out", "whole", "--jobs", "2"], in: ws)
        #expect(whole.status == 1)
        for k in 1...3 {
            let r = try CLI.run(["sweep", "sweep.yaml", "--out", "shard-\(k)", "--shard", "\(k)/3"], in: ws)
            #expect(r.status == 0, "shard \(k): \(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: ws + "/shard-\(k)/units.journal"))
            #expect(!FileManager.default.fileExists(atPath: ws + "/shard-\(k)/summary.csv"))
        }
        // Any order of the directories.
        let m = try CLI.run(["merge", "shard-3", "shard-1", "shard-2", "--out", "merged"], in: ws)
        #expect(m.status == 1, "the merged sweep has the whole sweep's failing SLO: \(m.stderr)")
        Self.expectSameFiles(ws + "/whole", ws + "/merged")
        #expect(m.stdout == whole.stdout, "the same table")
        // `--shard auto` from a Slurm array (ids 0…2) is the same split.
        var env = ProcessInfo.processInfo.environment
        env["SLURM_ARRAY_TASK_MIN"] = "0"
        env["SLURM_ARRAY_TASK_COUNT"] = "3"
        env["SLURM_ARRAY_TASK_ID"] = "1"
        let auto = try CLI.run(["sweep", "sweep.yaml", "--out", "auto-2", "--shard", "auto"], in: ws, environment: env)
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(Self.read(ws + "/auto-2/units.journal") == Self.read(ws + "/shard-2/units.journal"))
    }

    @Test func mergeRefusesMismatchedOrMissingShards() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        _ = try CLI.run(["sweep", "sweep.yaml", "--out", "a1", "--shard", "1/2"], in: ws)
        _ = try CLI.run(["sweep", "sweep.yaml", "--out", "a2", "--shard", "2/2"], in: ws)
        _ = try CLI.run(["sweep", "sweep.yaml", "--out", "b2", "--shard", "2/2", "--set", "services.web.instance.cores=2"], in: ws)
        _ = try CLI.run(["sweep", "sweep.yaml", "--out", "c3", "--shard", "3/3"], in: ws)
        let other = try CLI.run(["merge", "a1", "b2", "--out", "m"], in: ws)
        #expect(other.status == 2)
        #expect(other.stderr.contains("error: b2 holds a shard of scenario \"sweep-e2e\""), "\(other.stderr)")
        let missing = try CLI.run(["merge", "a1", "--out", "m"], in: ws)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: shard 2/2 is missing"), "\(missing.stderr)")
        let twice = try CLI.run(["merge", "a1", "a1", "--out", "m"], in: ws)
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("is given twice"), "\(twice.stderr)")
        let counts = try CLI.run(["merge", "a1", "c3", "--out", "m"], in: ws)
        #expect(counts.status == 2)
        #expect(counts.stderr.contains("is shard 3/3 but a1 is shard 1/2"), "\(counts.stderr)")
        let none = try CLI.run(["merge", "nowhere", "--out", "m"], in: ws)
        #expect(none.status == 2)
        #expect(!FileManager.default.fileExists(atPath: ws + "/m/summary.csv"))
        let ok = try CLI.run(["merge", "a1", "a2", "--out", "m"], in: ws)
        #expect(ok.status == 1, "\(ok.stderr)")
    }

    @Test(arguments: ["0/3", "4/3", "3", "a/b", "1/0"])
    func badShardIsAnError(_ shard: String) throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let r = try CLI.run(["sweep", "sweep.yaml", "--out", "o", "--shard", shard], in: ws)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: --shard \(shard)") || r.stderr.hasPrefix("error: --shard \"\(shard)\""), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws + "/o"))
    }

    @Test func shardAutoWithoutAJobEngineIsAnError() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        var env = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "CLUSTERSIM_SHARD_INDEX"] { env[k] = nil }
        let r = try CLI.run(["sweep", "sweep.yaml", "--out", "o", "--shard", "auto"], in: ws, environment: env)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--shard auto found no job index"), "\(r.stderr)")
    }

    /// Progress goes to standard error only when it is a terminal (a pseudo-terminal from
    /// util-linux `script` here); it never reaches the files or standard output.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script for a terminal"))
    func progressOnATerminalOnly() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let binary = try #require(CLI.binary).path
        let tty = try CLI.run(["-qec", "'\(binary)' sweep sweep.yaml --out tty", "/dev/null"], in: ws, executable: "/usr/bin/script")
        #expect(tty.stdout.contains("points 6/6 · units 12/12 · "), "\(tty.stdout)")
        #expect(tty.stdout.contains("ETA "))
        let plain = try CLI.run(["sweep", "sweep.yaml", "--out", "plain"], in: ws)
        #expect(!plain.stderr.contains("points"))
        #expect(!plain.stdout.contains("units"))
        for f in Self.files { #expect(Self.read(ws + "/tty/" + f) == Self.read(ws + "/plain/" + f)) }
    }

    /// The bad inputs, through `sweep` itself: an unknown path, a value of the wrong type,
    /// an empty sweep, zip lists of different lengths. Exit 2, diagnostics as `validate` gives them.
    @Test(arguments: ["sweep-unknown-path", "sweep-wrong-type", "sweep-empty", "sweep-zip-lengths"])
    func badSweepIsAnError(_ name: String) throws {
        let dir = Repo.path("Scenarios/invalid")
        let out = try CLI.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(["sweep", name + ".yaml", "--out", out + "/o"], in: dir)
        #expect(r.status == 2)
        let expected = try String(contentsOfFile: "\(dir)/\(name).expected", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        #expect(r.stderrLines.filter { isDiagnosticLine($0) } == expected, "\(r.stderr)")
        #expect(r.stderrLines.contains { $0.hasPrefix("hint: ") })
        #expect(!FileManager.default.fileExists(atPath: out + "/o"))
    }

    @Test func aFileWithoutASweepIsAnError() throws {
        let r = try CLI.run(["sweep", "Scenarios/mm1-rho05.yaml", "--out", "/tmp/never-written"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("has no \"sweep\""))
    }

    @Test func resumeOfAnotherSweepIsRefused() throws {
        let ws = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: ws) }
        _ = try CLI.run(["sweep", "sweep.yaml", "--out", "s", "--shard", "1/2"], in: ws)
        let r = try CLI.run(["sweep", "sweep.yaml", "--out", "s", "--shard", "1/2", "--resume", "--set", "seed=4"], in: ws)
        #expect(r.status == 2)
        #expect(r.stderr.contains("belongs to another sweep"), "\(r.stderr)")
        let s = try CLI.run(["sweep", "sweep.yaml", "--out", "s", "--shard", "2/2", "--resume"], in: ws)
        #expect(s.status == 2)
        #expect(s.stderr.contains("holds shard 1/2, not 2/2"), "\(s.stderr)")
    }

    /// SIGKILL mid-sweep, then `--resume`: the same files as an uninterrupted run. Release only:
    /// the units must be long enough to kill the process between them.
    @Test(.enabled(if: isOptimizedBuild, "needs units long enough to kill mid-way (release build)"))
    func killedSweepResumesToTheSameFiles() throws {
        let ws = try Self.workspace(Self.scenario.replacingOccurrences(of: "duration: 300s", with: "duration: 20000s")
            .replacingOccurrences(of: "output: {timeseries: 60s, events: true}", with: "output: {timeseries: 2000s, events: true}"))
        defer { try? FileManager.default.removeItem(atPath: ws) }
        let whole = try CLI.run(["sweep", "sweep.yaml", "--out", "whole", "--jobs", "2"], in: ws)
        #expect(whole.status == 1)

        let binary = try #require(CLI.binary)
        let p = Process()
        p.executableURL = binary
        p.arguments = ["sweep", "sweep.yaml", "--out", "killed", "--jobs", "1"]
        p.currentDirectoryURL = URL(fileURLWithPath: ws)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let journal = ws + "/killed/units.journal"
        func unitsDone() -> Int {
            (Self.read(journal) ?? "").components(separatedBy: "\nE\t").count - 1
        }
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && unitsDone() < 3 && Date() < deadline { usleep(2_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the sweep finished before it could be killed")
        let done = unitsDone()
        #expect(done >= 3 && done < 12, "killed after \(done) of 12 units")
        #expect(!FileManager.default.fileExists(atPath: ws + "/killed/summary.csv"))

        let resumed = try CLI.run(["sweep", "sweep.yaml", "--out", "killed", "--jobs", "2", "--resume"], in: ws)
        #expect(resumed.status == whole.status, "\(resumed.stderr)")
        Self.expectSameFiles(ws + "/whole", ws + "/killed")
        #expect(resumed.stdout == whole.stdout)
    }
}
