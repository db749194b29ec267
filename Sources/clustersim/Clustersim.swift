import ArgumentParser
import Experiments
import Foundation
import ReportWriter
import ScenarioSpec

/// Exit codes of spec/reports.md.
enum ExitCodes {
    static let ok: Int32 = 0
    static let sloViolated: Int32 = 1
    static let invalidInput: Int32 = 2
    static let limitHit: Int32 = 3
}

@main
struct Clustersim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clustersim",
        abstract: "A deterministic discrete-event simulator of microservice clusters.",
        discussion: """
        Examples:
          clustersim run Scenarios/quickstart.yaml
          clustersim run Scenarios/mm1-rho09.yaml --replications 10 --jobs 2 --out /tmp/mm1
          clustersim run Scenarios/quickstart.yaml --set workload.search.rate=40/s --seed 7
          clustersim validate Scenarios/*.yaml
          clustersim sweep Scenarios/capacity.yaml --jobs 2
          clustersim plan Scenarios/capacity.yaml
          clustersim compare Scenarios/capacity.yaml --against services.api.replicas=5 --set services.api.replicas=4

        Exit codes: 0 ok, 1 an SLO is violated, 2 invalid input, 3 a run hit a limit.
        """,
        version: ClustersimVersion.string,
        subcommands: [Run.self, Validate.self, SweepCommand.self, Merge.self, CompareCommand.self, PlanCommand.self]
    )

    /// Parses and runs, mapping argument errors to exit code 2 (invalid input) as the spec asks.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode {
            Foundation.exit(e.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitCodes.invalidInput)
        }
    }
}

enum ClustersimVersion {
    static let string = "0.1.0"
}

/// Prints diagnostics compiler style on standard error, then a count.
func printDiagnostics(_ diags: [Diagnostic]) {
    var text = diags.map(\.description).joined(separator: "\n")
    let errors = diags.filter { $0.severity == .error }.count
    if errors > 0 { text += "\n\(errors) error\(errors == 1 ? "" : "s")" }
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func writeStderr(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate a scenario, print a summary table and write the reports.",
        discussion: """
        Reports go to --out (default Reports/<name>/): summary.csv, replications.csv, timeseries.csv,
        and events.jsonl when output.events is true.

        Examples:
          clustersim run Scenarios/quickstart.yaml
          clustersim run Scenarios/mm1-rho05.yaml --replications 20 --jobs 2
          clustersim run shop.yaml --set services.web.replicas=6 --set workload.buy.rate=800/s
        """
    )

    @Argument(help: "The scenario file (YAML).") var file: String
    @Option(help: "Directory for the report files (default Reports/<name>/).") var out: String?
    @Option(help: "Master seed (overrides the file's seed).") var seed: UInt64?
    @Option(help: "Number of replications (overrides the file).") var replications: Int?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value: PATH=VALUE, e.g. services.web.replicas=6 (repeatable).", valueName: "PATH=VALUE"))
    var sets: [String] = []
    @Option(help: "Replications run in parallel on this many threads (results do not depend on it).") var jobs: Int = 1
    @Option(help: "Standard output format: table or json.") var format: OutputFormat = .table
    @Option(help: "Write a JUnit XML file with one test case per SLO.") var junit: String?

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let r = replications, r < 1 { throw ValidationError("--replications must be at least 1") }
    }

    func run() throws {
        var overrides = sets
        if let s = seed { overrides.append("seed=\(s)") }
        if let r = replications { overrides.append("replications=\(r)") }
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: file, overrides: overrides)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode(ExitCodes.invalidInput)
        }
        // Progress only when a person watches standard error; never on standard output or in reports.
        // Progress only when a person watches standard error; never on standard output or in
        // reports. The wall clock is read here, in the executable, never in the model.
        var progress: (@Sendable (Int, Int, ReplicationResult) -> Void)? = nil
        if isatty(2) == 1 {
            let meter = ProgressMeter()
            progress = { done, total, finished in meter.report(done: done, total: total, finished: finished) }
        }
        let result = Runner.run(scenario, jobs: jobs, progress: progress)
        let dir = out ?? "Reports/\(scenario.name)"
        do {
            try Reports.write(result, to: dir)
        } catch {
            writeStderr("error: cannot write reports to \(dir): \(error.localizedDescription)\n")
            throw ExitCode(ExitCodes.invalidInput)
        }
        switch format {
        case .table: print(SummaryTable.render(result), terminator: "")
        case .json: print(Reports.json(result), terminator: "")
        }
        if let junit {
            try writeJUnit(Reports.junit(name: scenario.name, outcomes: result.slo, parameters: [], values: [:]), to: junit)
        }
        if let sweep = scenario.sweep {
            writeStderr("note: this run is of the scenario as written; its sweep of \(sweep.points.count) points runs with clustersim sweep\n")
        }
        if let plan = scenario.plan {
            writeStderr("note: this run is of the scenario as written; its plan (\(plan.vary) in [\(plan.range.lowerBound), \(plan.range.upperBound)]) runs with clustersim plan\n")
        }
        if result.limitHit {
            for r in result.replications {
                if let l = r.limitMessage { writeStderr("error: replication \(r.index + 1) hit a limit: \(l)\n") }
            }
            throw ExitCode(ExitCodes.limitHit)
        }
        if result.slo.contains(where: { !$0.met }) { throw ExitCode(ExitCodes.sloViolated) }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them; print every diagnostic.",
        discussion: "Example:\n  clustersim validate Scenarios/*.yaml"
    )

    @Argument(help: "Scenario files.") var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one scenario file to validate") }
    }

    func run() throws {
        var failed = false
        for f in files {
            do {
                _ = try ScenarioLoader.load(path: f)
                print("\(f): ok")
            } catch {
                printDiagnostics(error.diagnostics)
                if error.diagnostics.contains(where: { $0.severity == .error }) { failed = true }
            }
        }
        if failed { throw ExitCode(ExitCodes.invalidInput) }
    }
}

/// Prints "replications 3/5 · simulated 2.0e+05 s · 12.3 M events · 4.1 M events/s" on standard error.
final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private var events: Int64 = 0
    private var simulated: Double = 0

    func report(done: Int, total: Int, finished: ReplicationResult) {
        lock.lock(); defer { lock.unlock() }
        events += finished.events
        simulated += Double(finished.endTime) / 1e9
        let secs = max(Date().timeIntervalSince(start), 1e-6)
        let line = String(format: "\rreplications %d/%d · simulated %.3g s · %.3g M events · %.3g M events/s",
                          done, total, simulated, Double(events) / 1e6, Double(events) / 1e6 / secs)
        writeStderr(line + (done == total ? "\n" : ""))
    }
}
