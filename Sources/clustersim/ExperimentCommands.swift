import ArgumentParser
import Experiments
import Foundation
import ReportWriter
import ScenarioSpec

/// Loads a scenario or prints its diagnostics and exits with code 2.
func loadOrExit(_ file: String, overrides: [String]) throws -> Scenario {
    do {
        return try ScenarioLoader.load(path: file, overrides: overrides)
    } catch {
        printDiagnostics(error.diagnostics)
        throw ExitCode(ExitCodes.invalidInput)
    }
}

/// Prints `error: …` (and its hint) on standard error and exits with code 2.
func fail(_ e: JournalError) -> ExitCode {
    writeStderr(e.description + "\n")
    return ExitCode(ExitCodes.invalidInput)
}

/// Writes a JUnit file, or fails with code 2.
func writeJUnit(_ text: String, to path: String) throws {
    do {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try Reports.atomicWrite(text, to: path)
    } catch {
        writeStderr("error: cannot write \(path): \(error.localizedDescription)\n")
        throw ExitCode(ExitCodes.invalidInput)
    }
}

func overrideArguments(_ sets: [String], seed: UInt64?, replications: Int?) -> [String] {
    var o = sets
    if let s = seed { o.append("seed=\(s)") }
    if let r = replications { o.append("replications=\(r)") }
    return o
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every sweep point × replication (or one shard of them) and write the reports.",
        discussion: """
        Reports go to --out (default Reports/<name>/sweep/): summary.csv and replications.csv with one
        column per parameter, timeseries.csv, slo.csv when the scenario has SLOs, events.jsonl when
        output.events is true. Each finished unit is appended to units.journal in that directory
        (fsync'd), so --resume after a crash runs only what is missing.

        With --shard K/N only shard K's units run and units.journal is the output: join the N
        directories with `clustersim merge`. --shard auto reads the index from the job engine
        (Slurm job arrays, Kubernetes Indexed Jobs; see docs/scale-out.md).

        Examples:
          clustersim sweep Scenarios/capacity.yaml --jobs 2
          clustersim sweep Scenarios/capacity.yaml --shard 2/4 --out shard-2
          clustersim sweep Scenarios/capacity.yaml --resume
        """
    )

    @Argument(help: "The scenario file (YAML), with a `sweep` section.") var file: String
    @Option(help: "Directory for the report files (default Reports/<name>/sweep/).") var out: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: PATH=VALUE (repeatable).", valueName: "PATH=VALUE"))
    var sets: [String] = []
    @Option(help: "Master seed (overrides the file's seed).") var seed: UInt64?
    @Option(help: "Replications per point (overrides the file).") var replications: Int?
    @Option(help: ArgumentHelp("Run only shard K of N (1 ≤ K ≤ N), or `auto` to read it from Slurm or Kubernetes.", valueName: "K/N|auto"))
    var shard: String?
    @Option(help: "Units run in parallel on this many threads (results do not depend on it).") var jobs: Int = 1
    @Flag(help: "Continue an interrupted sweep from the units already in the output directory.") var resume = false
    @Option(help: "Write a JUnit XML file with one test case per SLO and point.") var junit: String?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let r = replications, r < 1 { throw ValidationError("--replications must be at least 1") }
    }

    func run() throws {
        // Check the shard before loading: a bad --shard is a usage error, whatever the file.
        var which = Shard.whole
        if let text = shard {
            let parsed = text == "auto" ? Shard.auto(environment: ProcessInfo.processInfo.environment) : Shard.parse(text)
            switch parsed {
            case .success(let s): which = s
            case .failure(let e): throw fail(e)
            }
        }
        let scenario = try loadOrExit(file, overrides: overrideArguments(sets, seed: seed, replications: replications))
        guard let sweep = scenario.sweep else {
            writeStderr("error: \(file) has no \"sweep\"\nhint: add e.g. sweep: {parameters: {services.web.replicas: [2, 4, 8]}}, or use clustersim run\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        let info = SweepInfo(scenario: scenario, version: ClustersimVersion.string)
        let dir = out ?? "Reports/\(scenario.name)/sweep"
        let journalPath = (dir as NSString).appendingPathComponent(Journal.fileName)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            writeStderr("error: cannot create \(dir): \(error.localizedDescription)\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        var finished: [UnitResult] = []
        let writer: JournalWriter
        do throws(JournalError) {
            if resume && FileManager.default.fileExists(atPath: journalPath) {
                let c = try Journal.read(path: journalPath)
                if c.info != info {
                    throw JournalError("\(journalPath) belongs to another sweep (scenario \(quoted(c.info.name)), fingerprint \(c.info.fingerprint), clustersim \(c.info.version))",
                                       hint: "resume with the same file, --set values, seed and replications, or drop --resume to start afresh")
                }
                if c.shard != which {
                    throw JournalError("\(journalPath) holds shard \(c.shard), not \(which)", hint: "resume with --shard \(c.shard)")
                }
                finished = c.units
                writer = try JournalWriter.resume(path: journalPath, validBytes: c.validBytes)
            } else {
                if resume { writeStderr("note: \(journalPath) does not exist: nothing to resume, starting from the beginning\n") }
                writer = try JournalWriter.create(path: journalPath, header: Journal.header(info, shard: which))
            }
        } catch {
            throw fail(error)
        }
        var progress: SweepRunner.Progress? = nil
        if isatty(2) == 1 {
            let meter = SweepProgress(resumed: finished.count)
            progress = { done, total, pd, pts in meter.report(done: done, total: total, pointsDone: pd, points: pts) }
        }
        let units: [Int: UnitResult]
        do throws(JournalError) {
            units = try SweepRunner.run(scenario, shard: which, jobs: jobs, finished: finished, journal: writer, progress: progress)
        } catch {
            throw fail(error)
        }
        if !which.isWhole {
            let limit = units.values.contains { $0.result.limitMessage != nil }
            print("\(scenario.name): shard \(which) of a sweep of \(sweep.points.count) points × \(scenario.replications) replications: "
                  + "\(units.count) units in \(journalPath)")
            print("when every shard is done: clustersim merge DIR1 … DIR\(which.count) --out DIR")
            if limit {
                for u in units.values.sorted(by: { ($0.point, $0.result.index) < ($1.point, $1.result.index) }) {
                    if let l = u.result.limitMessage { writeStderr("error: point \(u.point) replication \(u.result.index + 1) hit a limit: \(l)\n") }
                }
                throw ExitCode(ExitCodes.limitHit)
            }
            return
        }
        let result = SweepRunner.assemble(info, units: units)
        try finish(result, dir: dir, junit: junit)
        try? FileManager.default.removeItem(atPath: journalPath)
        try exitStatus(result)
    }
}

/// Writes a sweep's reports, prints its table and the JUnit file.
func finish(_ result: SweepResult, dir: String, junit: String?) throws {
    do {
        try Reports.write(result, to: dir)
    } catch {
        writeStderr("error: cannot write reports to \(dir): \(error.localizedDescription)\n")
        throw ExitCode(ExitCodes.invalidInput)
    }
    print(ExperimentTable.sweep(result), terminator: "")
    if let junit {
        let values = Dictionary(result.points.map { ($0.index, $0.values) }, uniquingKeysWith: { a, _ in a })
        try writeJUnit(Reports.junit(name: result.info.name, outcomes: result.points.flatMap(\.slo),
                                     parameters: result.info.parameters, values: values), to: junit)
    }
}

/// Exit code 3 when a limit was hit, else 1 when an SLO failed.
func exitStatus(_ result: SweepResult) throws {
    if result.limitHit {
        for p in result.points {
            for r in p.replications {
                if let l = r.limitMessage { writeStderr("error: point \(p.index) replication \(r.index + 1) hit a limit: \(l)\n") }
            }
        }
        throw ExitCode(ExitCodes.limitHit)
    }
    if result.sloFailed { throw ExitCode(ExitCodes.sloViolated) }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the shard directories of a sweep into the reports one machine would have written.",
        discussion: """
        Each DIR is the --out directory of one `clustersim sweep --shard K/N` (its units.journal).
        The shards must come from the same scenario, --set values, seed, replications and clustersim
        version, and together cover 1/N … N/N. The files written are byte for byte those of the
        sweep run whole.

        Example:
          clustersim merge shard-1 shard-2 shard-3 --out Reports/capacity/sweep
        """
    )

    @Argument(help: "Shard output directories (or their units.journal files).") var directories: [String]
    @Option(help: "Directory for the merged report files.") var out: String
    @Option(help: "Write a JUnit XML file with one test case per SLO and point.") var junit: String?

    func validate() throws {
        if directories.isEmpty { throw ValidationError("name at least one shard directory") }
    }

    func run() throws {
        var shards: [(directory: String, contents: Journal.Contents)] = []
        for d in directories {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: d, isDirectory: &isDir)
            let path = exists && !isDir.boolValue ? d : (d as NSString).appendingPathComponent(Journal.fileName)
            guard FileManager.default.fileExists(atPath: path) else {
                throw fail(JournalError("\(d) holds no \(Journal.fileName)",
                                        hint: "merge takes the --out directories of clustersim sweep --shard K/N runs"))
            }
            do throws(JournalError) {
                shards.append((d, try Journal.read(path: path)))
            } catch {
                throw fail(error)
            }
        }
        let merged: (SweepInfo, [Int: UnitResult])
        do throws(JournalError) {
            merged = try SweepRunner.merge(shards)
        } catch {
            throw fail(error)
        }
        if merged.0.version != ClustersimVersion.string {
            writeStderr("note: the shards were written by clustersim \(merged.0.version); this is \(ClustersimVersion.string)\n")
        }
        let result = SweepRunner.assemble(merged.0, units: merged.1)
        try finish(result, dir: out, junit: junit)
        try exitStatus(result)
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Paired comparison of two configurations on common random numbers.",
        discussion: """
        The baseline is FILE with the --against values; the candidate is FILE (or CANDIDATE) with the
        --set values. Both run the same replications from the same seed, so replication r of each
        draws the same random numbers, and every metric's difference (candidate − baseline) gets a
        paired interval, much narrower than comparing two independent runs.

        A metric regresses when it has a direction (latencies and error rates worse higher,
        throughput worse lower), its paired interval lies wholly on the worse side of 0, and its
        mean change exceeds --threshold. Any regression: exit code 1.

        Examples:
          clustersim compare shop.yaml --against services.web.replicas=4 --set services.web.replicas=3
          clustersim compare before.yaml after.yaml --format markdown --threshold 2%
        """
    )

    @Argument(help: "The baseline scenario file.") var file: String
    @Argument(help: "The candidate scenario file (default: FILE).") var candidate: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("A candidate value: PATH=VALUE (repeatable).", valueName: "PATH=VALUE"))
    var sets: [String] = []
    @Option(name: .customLong("against"), help: ArgumentHelp("A baseline value: PATH=VALUE (repeatable).", valueName: "PATH=VALUE"))
    var against: [String] = []
    @Option(help: "Master seed of both (overrides the files).") var seed: UInt64?
    @Option(help: "Replications of both (overrides the files).") var replications: Int?
    @Option(help: "Replications run in parallel on this many threads.") var jobs: Int = 1
    @Option(help: "Relative change beyond which a significant worsening is a regression: 5% or 0.05.") var threshold: String = "5%"
    @Option(name: .customLong("metric"), help: "Only this metric may count as a regression (repeatable).") var metrics: [String] = []
    @Option(help: "Standard output format: table or markdown (for a pull request comment).") var format: Style = .table
    @Option(help: "Directory for compare.csv and compare.md.") var out: String?

    enum Style: String, ExpressibleByArgument { case table, markdown }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let r = replications, r < 1 { throw ValidationError("--replications must be at least 1") }
        if candidate == nil && sets.isEmpty && against.isEmpty {
            throw ValidationError("nothing to compare: give a second file, or --set and/or --against values")
        }
    }

    func run() throws {
        guard let t = Self.parseThreshold(threshold) else {
            writeStderr("error: --threshold \"\(threshold)\" is not a fraction\nhint: write e.g. --threshold 5% or --threshold 0.05\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        let baseFile = file, candFile = candidate ?? file
        var diags: [Diagnostic] = []
        var base: Scenario? = nil, cand: Scenario? = nil
        do { base = try ScenarioLoader.load(path: baseFile, overrides: overrideArguments(against, seed: seed, replications: replications)) }
        catch { diags += error.diagnostics.map { d in var d = d; d.message = d.location?.file == "--set" ? "in --against: " + d.message : d.message; return d } }
        do { cand = try ScenarioLoader.load(path: candFile, overrides: overrideArguments(sets, seed: seed, replications: replications)) }
        catch { diags += error.diagnostics }
        guard let base, let cand else {
            printDiagnostics(diags)
            throw ExitCode(ExitCodes.invalidInput)
        }
        if base.seed != cand.seed || base.replications != cand.replications {
            writeStderr("error: the two configurations must share seed and replications for common random numbers "
                        + "(baseline: seed \(base.seed), \(base.replications) replications; candidate: seed \(cand.seed), \(cand.replications))\n"
                        + "hint: pass --seed N and --replications N to set both\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        if base.replications < 2 {
            writeStderr("error: a comparison needs at least 2 replications for an interval\nhint: pass --replications 10\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        let a = Runner.run(base, jobs: jobs)
        let b = Runner.run(cand, jobs: jobs)
        func label(_ f: String, _ o: [String], _ flag: String) -> String {
            ([f] + o.map { "\(flag) \($0)" }).joined(separator: " ")
        }
        let c = Compare.compare(baseline: a, candidate: b, baselineLabel: label(baseFile, against, "--against"),
                                candidateLabel: label(candFile, sets, "--set"), confidence: base.confidence, threshold: t,
                                metrics: metrics)
        if let out {
            do { try CompareReport.write(c, to: out) } catch {
                writeStderr("error: cannot write reports to \(out): \(error.localizedDescription)\n")
                throw ExitCode(ExitCodes.invalidInput)
            }
        }
        print(CompareReport.render(c, style: format == .markdown ? .markdown : .table), terminator: "")
        if a.limitHit || b.limitHit {
            writeStderr("error: a replication hit a limit; the comparison is of runs cut short\n")
            throw ExitCode(ExitCodes.limitHit)
        }
        if c.regressed { throw ExitCode(ExitCodes.sloViolated) }
    }

    static func parseThreshold(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") { return Double(t.dropLast()).flatMap { $0 >= 0 && $0.isFinite ? $0 / 100 : nil } }
        return Double(t).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil }
    }
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Find the least value of plan.vary in plan.range that meets every SLO.",
        discussion: """
        An SLO counts as met when its interval's worse end (at plan.confidence) meets it. Bisection
        (the default) assumes that more of the parameter is never worse; `search: linear` tries
        every value from the bottom. The evidence (each value tried, with its intervals) is printed
        and written to --out (default Reports/<name>/plan/): plan.csv, summary.csv, replications.csv.

        Exit codes: 0 an answer, 1 no value in the range meets every SLO, 2 invalid input.

        Example:
          clustersim plan Scenarios/capacity.yaml --jobs 2
        """
    )

    @Argument(help: "The scenario file (YAML), with `plan` and `slo`.") var file: String
    @Option(help: "Directory for the report files (default Reports/<name>/plan/).") var out: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: PATH=VALUE (repeatable).", valueName: "PATH=VALUE"))
    var sets: [String] = []
    @Option(help: "Master seed (overrides the file's seed).") var seed: UInt64?
    @Option(help: "Replications per value (overrides the file).") var replications: Int?
    @Option(help: "Replications run in parallel on this many threads.") var jobs: Int = 1

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let r = replications, r < 1 { throw ValidationError("--replications must be at least 1") }
    }

    func run() throws {
        let scenario = try loadOrExit(file, overrides: overrideArguments(sets, seed: seed, replications: replications))
        guard scenario.plan != nil else {
            writeStderr("error: \(file) has no \"plan\"\nhint: add e.g. plan: {vary: services.web.replicas, range: [1, 64]} and at least one slo\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        var progress: (@Sendable (PlanStep) -> Void)? = nil
        if isatty(2) == 1 {
            progress = { step in writeStderr("tried \(step.value): \(step.met ? "meets every SLO" : "fails")\n") }
        }
        let result: PlanResult
        do {
            result = try Planner.run(scenario, jobs: jobs, progress: progress)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(ExitCodes.invalidInput)
        }
        let dir = out ?? "Reports/\(scenario.name)/plan"
        do { try PlanReport.write(result, to: dir) } catch {
            writeStderr("error: cannot write reports to \(dir): \(error.localizedDescription)\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        print(PlanReport.render(result), terminator: "")
        if result.answer == nil { throw ExitCode(ExitCodes.sloViolated) }
    }
}

func quoted(_ s: String) -> String { "\"" + s + "\"" }

/// "points 3/6 · units 7/12 · 14 s elapsed · ETA 12 s" on standard error.
final class SweepProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private let resumed: Int

    init(resumed: Int) { self.resumed = resumed }

    func report(done: Int, total: Int, pointsDone: Int, points: Int) {
        lock.lock(); defer { lock.unlock() }
        let secs = Date().timeIntervalSince(start)
        let ranHere = done - resumed
        var eta = "-"
        if ranHere > 0, done < total {
            let left = secs / Double(ranHere) * Double(total - done)
            eta = left < 90 ? String(format: "%.0f s", left) : left < 5400 ? String(format: "%.1f min", left / 60) : String(format: "%.1f h", left / 3600)
        } else if done == total {
            eta = "done"
        }
        let line = String(format: "\rpoints %d/%d · units %d/%d · %.0f s elapsed · ETA ", pointsDone, points, done, total, secs) + eta
        writeStderr(line + (done == total ? "\n" : ""))
    }
}
