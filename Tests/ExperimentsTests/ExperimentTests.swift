import Foundation
import Experiments
import ScenarioSpec
import SimStats
import Testing

private func load(_ yaml: String, overrides: [String] = []) throws -> Scenario {
    try ScenarioLoader.parse(yaml: yaml, file: "test.yaml", baseDirectory: "", overrides: overrides)
}

private let optimized: Bool = {
    #if DEBUG
    return false
    #else
    return true
    #endif
}()

/// A small sweep: 3 × 2 points, 2 replications, with a time series.
private let sweepYAML = """
name: exp
seed: 5
duration: 120s
replications: 2
services:
  web:
    replicas: 1
    instance: {cores: 1, concurrency: 2}
    endpoints: {home: {work: {dist: exponential, mean: 10ms}}}
workload:
  - {name: browse, to: web.home, arrival: poisson, rate: 20/s}
slo:
  - {name: mean, scope: all, metric: latency_mean, max: 15ms}
output: {timeseries: 30s}
sweep:
  parameters:
    services.web.replicas: [1, 2, 3]
    workload.browse.rate: [20/s, 60/s]
"""

@Suite struct JournalTests {
    @Test func unitsReadBackBitForBit() throws {
        let s = try load(sweepYAML)
        let info = SweepInfo(scenario: s, version: "test")
        let units = try SweepRunner.run(s, shard: .whole, jobs: 2)
        #expect(units.count == 12)
        var text = Journal.header(info, shard: .whole)
        for k in units.keys.sorted() { text += Journal.record(units[k]!) }
        let path = NSTemporaryDirectory() + "journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try Journal.read(path: path)
        #expect(c.info == info)
        #expect(c.shard == .whole)
        #expect(c.units.count == 12)
        #expect(c.validBytes == text.utf8.count)
        for u in c.units {
            let orig = try #require(units[u.point * 2 + u.result.index])
            #expect(Journal.record(u) == Journal.record(orig))
            #expect(u.result.metrics == orig.result.metrics || u.result.metrics.map(\.value).contains { $0.isNaN })
            #expect(u.result.timeseries.count == orig.result.timeseries.count)
        }
        // The same summary from the journal as from memory.
        let a = SweepRunner.assemble(info, units: units)
        var fromJournal: [Int: UnitResult] = [:]
        for u in c.units { fromJournal[u.point * 2 + u.result.index] = u }
        let b = SweepRunner.assemble(c.info, units: fromJournal)
        #expect(a.points.map(\.summary) == b.points.map(\.summary))
        // Common random numbers: replication r has the same seed at every point.
        #expect(Set(a.points.map { $0.replications[1].seed }).count == 1)
    }

    @Test func aTornTailIsDroppedAndAnythingElseDamagedIsRefused() throws {
        let s = try load(sweepYAML)
        let info = SweepInfo(scenario: s, version: "test")
        let units = try SweepRunner.run(s, shard: Shard(index: 1, count: 4), jobs: 1)
        #expect(units.count == 3)
        let header = Journal.header(info, shard: Shard(index: 1, count: 4))
        let records = units.keys.sorted().map { Journal.record(units[$0]!) }
        let full = header + records.joined()
        let path = NSTemporaryDirectory() + "journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Cut anywhere inside the last record: the first two records survive.
        let keep = header.utf8.count + records[0].utf8.count + records[1].utf8.count
        for cut in [keep, keep + 1, keep + 40, full.utf8.count - 1] {
            try Data(Array(full.utf8).prefix(cut)).write(to: URL(fileURLWithPath: path))
            let c = try Journal.read(path: path)
            #expect(c.units.count == 2, "cut at \(cut)")
            #expect(c.validBytes == keep)
        }
        // A damaged record followed by a good one is not a crash: refuse it.
        let damaged = header + records[0].replacingOccurrences(of: "\nM\t", with: "\nX\t") + records[1]
        try damaged.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: JournalError.self) { try Journal.read(path: path) }
        // A damaged count is refused, not trusted (nor allocated).
        var u = records[0].split(separator: "\n", maxSplits: 1).map(String.init)
        var f = u[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        f[13] = "999999999999999"
        u[0] = f.joined(separator: "\t")
        try (header + u.joined(separator: "\n") + records[1]).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: JournalError.self) { try Journal.read(path: path) }
        try "not a journal\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: JournalError.self) { try Journal.read(path: path) }
    }

    @Test func resumingRunsOnlyWhatIsMissing() throws {
        let s = try load(sweepYAML)
        let all = try SweepRunner.run(s, shard: .whole, jobs: 1)
        let some = [all[0]!, all[5]!, all[11]!]
        let counter = Counter()
        let rest = try SweepRunner.run(s, shard: .whole, jobs: 2, finished: some) { _, _, _, _ in counter.bump() }
        #expect(counter.value == 9)
        #expect(rest.count == 12)
        for k in 0..<12 { #expect(Journal.record(rest[k]!) == Journal.record(all[k]!)) }
    }

    @Test func shardsSplitTheUnitsRoundRobin() throws {
        #expect((0..<12).filter { Shard(index: 2, count: 3).contains(unit: $0) } == [1, 4, 7, 10])
        for n in 1...5 {
            var seen = Set<Int>()
            for k in 1...n { for u in 0..<12 where Shard(index: k, count: n).contains(unit: u) { #expect(seen.insert(u).inserted) } }
            #expect(seen.count == 12)
        }
    }

    @Test func shardParsing() throws {
        #expect(try Shard.parse("2/4").get() == Shard(index: 2, count: 4))
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/2/3", "-1/3", ""] {
            #expect(throws: JournalError.self, "\(bad)") { try Shard.parse(bad).get() }
        }
        // Slurm arrays from 0 or from 1; Kubernetes indexes from 0.
        #expect(try Shard.auto(environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"]).get()
                == Shard(index: 1, count: 4))
        #expect(try Shard.auto(environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"]).get()
                == Shard(index: 4, count: 4))
        #expect(try Shard.auto(environment: ["JOB_COMPLETION_INDEX": "2", "CLUSTERSIM_SHARD_COUNT": "3"]).get() == Shard(index: 3, count: 3))
        #expect(try Shard.auto(environment: ["CLUSTERSIM_SHARD_INDEX": "1", "CLUSTERSIM_SHARD_COUNT": "2"]).get() == Shard(index: 1, count: 2))
        #expect(throws: JournalError.self) { try Shard.auto(environment: ["JOB_COMPLETION_INDEX": "2"]).get() }
        #expect(throws: JournalError.self) { try Shard.auto(environment: ["JOB_COMPLETION_INDEX": "3", "CLUSTERSIM_SHARD_COUNT": "3"]).get() }
        #expect(throws: JournalError.self) { try Shard.auto(environment: [:]).get() }
    }

    @Test func sloOutcomesJudgeTheWorseEnd() throws {
        let s = try load(sweepYAML)
        let result = SweepRunner.assemble(SweepInfo(scenario: s, version: "t"), units: try SweepRunner.run(s, shard: .whole, jobs: 2))
        for p in result.points {
            let row = try #require(p.summary.first { $0.scope == "all" && $0.metric == "latency_mean" })
            #expect(p.slo.count == 1)
            #expect(p.slo[0].met == (row.interval.high <= 0.015))
        }
        #expect(result.points.contains { $0.slo[0].met })
        #expect(result.points.contains { !$0.slo[0].met })
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func bump() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// `plan` and `compare` against theory. Release only: they simulate about 10⁷ events.
@Suite(.enabled(if: optimized, "simulation-heavy: runs in release builds (make test)"))
struct PlanAndCompareTests {
    /// W of M/M/c by Erlang C (reference/validation.md §1.2): B₀ = 1, B_k = aB_{k−1}/(k + aB_{k−1}),
    /// C = B_c/(1 − ρ(1 − B_c)), W = C/(cμ − λ) + 1/μ.
    static func erlangW(lambda: Double, mu: Double, c: Int) -> Double {
        let a = lambda / mu
        guard a < Double(c) else { return .infinity }
        var b = 1.0
        for k in 1...c { b = a * b / (Double(k) + a * b) }
        let rho = a / Double(c)
        let C = b / (1 - rho * (1 - b))
        return C / (Double(c) * mu - lambda) + 1 / mu
    }

    /// M/M/c with λ = 8/s and exponential work of mean 1 s: c workers (`concurrency`) on more cores
    /// than workers, so each request in service has a core of its own and the rest wait in FIFO order.
    static let mmc = """
    name: mmc-plan
    seed: 11
    duration: 20000s
    warmup: auto
    replications: 5
    services:
      server:
        instance: {cores: 64, concurrency: 1, queue: {capacity: unbounded}}
        endpoints: {serve: {work: {dist: exponential, mean: 1s}}}
    workload:
      - {name: load, to: server.serve, arrival: poisson, rate: 8/s}
    slo:
      - {name: mean-latency, scope: all, metric: latency_mean, max: 1.4s}
    plan:
      vary: services.server.instance.concurrency
      range: [1, 40]
    """

    @Test func planFindsTheLeastServersErlangCAllows() throws {
        let theory = (1...40).first { Self.erlangW(lambda: 8, mu: 1, c: $0) <= 1.4 }
        #expect(theory == 10)   // W(9) = 1.653 s, W(10) = 1.2046 s
        let result = try Planner.run(try load(Self.mmc), jobs: 2)
        #expect(result.answer.map(Int.init) == theory, "\(result.explanation)")
        // The evidence: every value tried, bisection from the ends; the answer met, the one below failed.
        let tried = result.steps.map(\.value)
        #expect(tried.prefix(2) == [40, 1])
        #expect(tried.count <= 2 + 6)
        let at10 = try #require(result.steps.first { $0.value == 10 })
        let at9 = try #require(result.steps.first { $0.value == 9 })
        #expect(at10.met && !at9.met)
        let iv = try #require(at10.slo.first?.interval)
        #expect(iv.low <= 1.2046 + 0.02 && 1.2046 - 0.02 <= iv.high, "W(10) interval \(iv.low) … \(iv.high)")
    }

    @Test func planSaysSoWhenTheRangeHoldsNoAnswer() throws {
        let s = try load(Self.mmc, overrides: ["plan.range=[2, 9]"])
        let result = try Planner.run(s, jobs: 2)
        #expect(result.answer == nil)
        #expect(result.steps.map(\.value) == [9])
        #expect(result.explanation.contains("even 9, the top of the range, does not"))
        let linear = try Planner.run(try load(Self.mmc, overrides: ["plan.range=[8, 12]", "plan.search=linear"]), jobs: 2)
        #expect(linear.answer == 10)
        #expect(linear.steps.map(\.value) == [8, 9, 10])
    }

    /// FIFO and LIFO give the same mean latency in M/M/c (work-conserving, order independent of
    /// service times): a parameter with no effect on the mean. On common random numbers the paired
    /// interval of the difference contains 0 and is narrower than the unpaired one. (A fixed warm-up:
    /// MSER would pick a different truncation for each discipline and loosen the pairing.)
    @Test func compareOfAParameterWithNoEffect() throws {
        let yaml = """
        name: cmp
        seed: 21
        duration: 5000s
        warmup: 500s
        replications: 10
        services:
          server:
            instance: {cores: 2, concurrency: 2, queue: {capacity: unbounded, discipline: fifo}}
            endpoints: {serve: {work: {dist: exponential, mean: 1s}}}
        workload:
          - {name: load, to: server.serve, arrival: poisson, rate: 1.5/s}
        """
        let base = Runner.run(try load(yaml), jobs: 2)
        let cand = Runner.run(try load(yaml, overrides: ["services.server.instance.queue.discipline=lifo"]), jobs: 2)
        let c = Compare.compare(baseline: base, candidate: cand, baselineLabel: "fifo", candidateLabel: "lifo",
                                confidence: 0.95, threshold: 0.05)
        let row = try #require(c.rows.first { $0.scope == "all" && $0.metric == "latency_mean" })
        #expect(row.difference.low <= 0 && 0 <= row.difference.high, "paired \(row.difference.low) … \(row.difference.high)")
        #expect(row.difference.halfWidth < row.unpaired.halfWidth / 2,
                "paired ±\(row.difference.halfWidth) vs unpaired ±\(row.unpaired.halfWidth)")
        #expect(row.unpaired.low <= 0 && 0 <= row.unpaired.high)
        #expect(!row.regression)
        // The tail does change (LIFO's is longer): a significant worsening, flagged as a regression.
        let p99 = try #require(c.rows.first { $0.scope == "all" && $0.metric == "latency_p99" })
        #expect(p99.difference.low > 0 && p99.regression)
        #expect(c.regressed)
        // Limited to the mean, nothing regresses.
        let onlyMean = Compare.compare(baseline: base, candidate: cand, baselineLabel: "fifo", candidateLabel: "lifo",
                                       confidence: 0.95, threshold: 0.05, metrics: ["latency_mean"])
        #expect(!onlyMean.regressed)
    }
}

@Suite struct MergeTests {
    static func shards(_ n: Int, version: String = "v1") throws -> [(directory: String, contents: Journal.Contents)] {
        let s = try load(sweepYAML)
        let info = SweepInfo(scenario: s, version: version)
        return try (1...n).map { k in
            let shard = Shard(index: k, count: n)
            let units = try SweepRunner.run(s, shard: shard, jobs: 1)
            let text = Journal.header(info, shard: shard) + units.keys.sorted().map { Journal.record(units[$0]!) }.joined()
            let path = NSTemporaryDirectory() + "journal-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return ("shard-\(k)", try Journal.read(path: path))
        }
    }

    @Test func mergeRefusesAnotherVersionAndUnfinishedShards() throws {
        let good = try Self.shards(2)
        let (info, units) = try SweepRunner.merge(good)
        #expect(units.count == info.unitCount)
        let other = try Self.shards(2, version: "v2")
        do {
            _ = try SweepRunner.merge([good[0], other[1]])
            Issue.record("merged shards of two versions")
        } catch {
            #expect(error.message == "shard-2 was written by clustersim v2, shard-1 by v1")
        }
        var unfinished = good[1]
        unfinished.contents.units.removeLast()
        do {
            _ = try SweepRunner.merge([good[0], unfinished])
            Issue.record("merged an unfinished shard")
        } catch {
            #expect(error.message == "shard 2/2 in shard-2 is incomplete: 5 of 6 units finished")
        }
    }
}
