import Foundation
import ScenarioSpec
import SimStats

/// `--shard K/N`: shard K (1 … N) runs the units whose number u (point-major, see
/// ``SweepInfo/unitCount``) has u mod N = K − 1. Round robin spreads slow and fast points alike.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    public init(index: Int, count: Int) { self.index = index; self.count = count }
    public static let whole = Shard(index: 1, count: 1)
    public var description: String { "\(index)/\(count)" }
    public var isWhole: Bool { count == 1 }

    public func contains(unit u: Int) -> Bool { u % count == index - 1 }

    /// Parses `K/N` with 1 ≤ K ≤ N.
    public static func parse(_ text: String) -> Result<Shard, JournalError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            return .failure(JournalError("--shard \(quoted(text)) is not K/N", hint: "write e.g. --shard 2/4 (shard 2 of 4), or --shard auto"))
        }
        guard n >= 1, n <= 100_000 else {
            return .failure(JournalError("--shard \(text): the count N must be between 1 and 100000"))
        }
        guard k >= 1, k <= n else {
            return .failure(JournalError("--shard \(text): K must be between 1 and \(n)", hint: "shards are numbered from 1: --shard 1/\(n) … --shard \(n)/\(n)"))
        }
        return .success(Shard(index: k, count: n))
    }

    /// `--shard auto`: the shard from the job engine's environment.
    ///
    /// - Slurm job arrays: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_COUNT`
    ///   (`--array=0-3` and `--array=1-4` both give shards 1/4 … 4/4).
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (0-based); Kubernetes does not expose the
    ///   completion count to the pod, so the manifest sets `CLUSTERSIM_SHARD_COUNT` to it.
    /// - Anything else: `CLUSTERSIM_SHARD_INDEX` (1-based) and `CLUSTERSIM_SHARD_COUNT`.
    public static func auto(environment env: [String: String]) -> Result<Shard, JournalError> {
        func int(_ k: String) -> Int? { env[k].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        if let id = int("SLURM_ARRAY_TASK_ID") {
            guard let n = int("SLURM_ARRAY_TASK_COUNT") else {
                return .failure(JournalError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not",
                                             hint: "run inside a job array (sbatch --array=1-N)"))
            }
            let k = id - (int("SLURM_ARRAY_TASK_MIN") ?? 0) + 1
            return parse("\(k)/\(n)").mapError { JournalError("--shard auto (Slurm): " + $0.message, hint: "the array must be contiguous, e.g. --array=1-\(n)") }
        }
        if let index = int("JOB_COMPLETION_INDEX") {
            guard let n = int("CLUSTERSIM_SHARD_COUNT") else {
                return .failure(JournalError("--shard auto: JOB_COMPLETION_INDEX is set but CLUSTERSIM_SHARD_COUNT is not",
                                             hint: "set env CLUSTERSIM_SHARD_COUNT to the Job's completions (docs/scale-out.md)"))
            }
            return parse("\(index + 1)/\(n)").mapError { JournalError("--shard auto (Kubernetes): " + $0.message) }
        }
        if let k = int("CLUSTERSIM_SHARD_INDEX"), let n = int("CLUSTERSIM_SHARD_COUNT") {
            return parse("\(k)/\(n)").mapError { JournalError("--shard auto: " + $0.message) }
        }
        return .failure(JournalError("--shard auto found no job index in the environment",
                                     hint: "it reads SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (Slurm arrays), JOB_COMPLETION_INDEX with CLUSTERSIM_SHARD_COUNT (Kubernetes Indexed Jobs), or CLUSTERSIM_SHARD_INDEX/CLUSTERSIM_SHARD_COUNT; or write --shard K/N"))
    }
}

func quoted(_ s: String) -> String { "\"" + s + "\"" }

/// One SLO judged at one point.
public struct SLOOutcome: Sendable {
    public var slo: SLO
    public var point: Int
    /// The estimate it was judged on (nil when summary.csv has no such row).
    public var interval: Interval?
    public var met: Bool
}

/// One sweep point's results.
public struct PointResult: Sendable {
    public var index: Int
    public var values: [String]
    public var replications: [ReplicationResult]
    public var summary: [SummaryRow]
    public var slo: [SLOOutcome]
}

/// Everything a sweep produced (or a merge joined).
public struct SweepResult: Sendable {
    public var info: SweepInfo
    public var points: [PointResult]
    public var limitHit: Bool { points.contains { $0.replications.contains { $0.limitMessage != nil } } }
    public var sloFailed: Bool { points.contains { $0.slo.contains { !$0.met } } }
}

public enum SLOCheck {
    /// Judges every SLO on a point's summary rows: met when the interval's worse end meets the bound.
    public static func evaluate(_ slos: [SLO], summary: [SummaryRow], point: Int) -> [SLOOutcome] {
        slos.map { o in
            let row = summary.first { $0.scope == o.scope && $0.metric == o.metric }
            let iv = row?.interval
            let met = iv.map { o.isMet(low: $0.low, high: $0.high) } ?? false
            return SLOOutcome(slo: o, point: point, interval: iv, met: met)
        }
    }
}

/// Runs a sweep's units (points × replications) on worker threads.
public enum SweepRunner {
    /// Progress after each unit: units done (including resumed ones), the total, points complete.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int, _ pointsDone: Int, _ points: Int) -> Void

    /// Runs the units of `shard` that `finished` does not already hold, `jobs` at a time, appending
    /// each to `journal` as it completes. Returns every unit of the shard (finished ones first
    /// taken over), keyed by unit number.
    ///
    /// Common random numbers: a unit runs replication r of its point's scenario, whose streams are
    /// seeded from (master seed, r, stream name), so replication r draws the same numbers at every point.
    public static func run(_ scenario: Scenario, shard: Shard, jobs: Int, finished: [UnitResult] = [],
                           journal: JournalWriter? = nil, progress: Progress? = nil) throws(JournalError) -> [Int: UnitResult] {
        let points = scenario.sweep?.points.map(\.scenario) ?? [scenario]
        let reps = scenario.replications
        let total = points.count * reps
        var have: [Int: UnitResult] = [:]
        for u in finished { have[u.point * reps + u.result.index] = u }
        let todo = (0..<total).filter { shard.contains(unit: $0) && have[$0] == nil }
        let mine = (0..<total).filter { shard.contains(unit: $0) }.count
        let box = UnitBox(todo: todo, have: have, reps: reps, mine: mine, pointCount: points.count, shard: shard)
        let work: @Sendable () -> Void = {
            while let u = box.claim() {
                let p = u / reps, r = u % reps
                let res = UnitResult(point: p, result: Runner.runReplication(points[p], replication: r))
                do throws(JournalError) {
                    try journal?.append(res)
                } catch {
                    box.fail(error)
                    return
                }
                let (done, pd) = box.finish(u, res)
                progress?(done, mine, pd, box.pointsInShard)
            }
        }
        let workers = max(1, min(jobs, todo.count))
        if workers == 1 { work() } else { DispatchQueue.concurrentPerform(iterations: workers) { _ in work() } }
        if let e = box.error { throw e }
        return box.results()
    }

    /// Assembles the result of a complete set of units: points in order, replications in order.
    public static func assemble(_ info: SweepInfo, units: [Int: UnitResult]) -> SweepResult {
        let reps = info.replications
        var points: [PointResult] = []
        for (p, values) in info.points.enumerated() {
            let rs = (0..<reps).compactMap { units[p * reps + $0]?.result }
            let summary = Runner.summarize(rs, confidence: info.confidence, point: p)
            points.append(PointResult(index: p, values: values, replications: rs, summary: summary,
                                      slo: SLOCheck.evaluate(info.slos, summary: summary, point: p)))
        }
        return SweepResult(info: info, points: points)
    }

    /// Joins shard journals into the complete set of units, refusing shards of different scenarios,
    /// versions or shard counts, a shard given twice, a missing shard, or an incomplete one.
    public static func merge(_ shards: [(directory: String, contents: Journal.Contents)]) throws(JournalError) -> (SweepInfo, [Int: UnitResult]) {
        guard let first = shards.first else { throw JournalError("merge needs at least one shard directory") }
        let info = first.contents.info
        let n = first.contents.shard.count
        var seen: [Int: String] = [:]
        for (dir, c) in shards {
            if c.info.fingerprint != info.fingerprint || c.info.name != info.name {
                throw JournalError("\(dir) holds a shard of scenario \(quoted(c.info.name)) (fingerprint \(c.info.fingerprint)), but \(first.directory) one of \(quoted(info.name)) (fingerprint \(info.fingerprint))",
                                   hint: "merge only the shards of one sweep: the same file, --set values, seed and replications")
            }
            if c.info.version != info.version {
                throw JournalError("\(dir) was written by clustersim \(c.info.version), \(first.directory) by \(info.version)",
                                   hint: "run every shard with the same clustersim version: results differ between versions")
            }
            if c.info != info {
                throw JournalError("\(dir) and \(first.directory) describe different sweeps", hint: "merge only the shards of one sweep")
            }
            if c.shard.count != n {
                throw JournalError("\(dir) is shard \(c.shard) but \(first.directory) is shard \(first.contents.shard)",
                                   hint: "every shard of a sweep uses the same N in --shard K/N")
            }
            if let other = seen[c.shard.index] {
                throw JournalError("shard \(c.shard) is given twice: \(other) and \(dir)")
            }
            seen[c.shard.index] = dir
        }
        let missing = (1...n).filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw JournalError("shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing",
                               hint: "merge every shard's directory: clustersim merge DIR1 … DIR\(n) --out DIR")
        }
        let reps = info.replications
        var units: [Int: UnitResult] = [:]
        for (dir, c) in shards {
            let shard = c.shard
            var count = 0
            for u in c.units {
                let k = u.point * reps + u.result.index
                guard shard.contains(unit: k) else {
                    throw JournalError("\(dir) holds unit \(k), which is not part of shard \(shard)")
                }
                if units[k] == nil { count += 1 }
                units[k] = u
            }
            let expected = (0..<info.unitCount).filter { shard.contains(unit: $0) }.count
            if count != expected {
                throw JournalError("shard \(shard) in \(dir) is incomplete: \(count) of \(expected) units finished",
                                   hint: "rerun it with the same command and --resume; it continues where it stopped")
            }
        }
        return (info, units)
    }
}

private final class UnitBox: @unchecked Sendable {
    private let lock = NSLock()
    private var todo: [Int]
    private var next = 0
    private var have: [Int: UnitResult]
    private let reps: Int
    private let mine: Int
    private var failure: JournalError?
    private var remainingPerPoint: [Int: Int] = [:]
    private(set) var pointsInShard = 0
    private var pointsDone = 0

    init(todo: [Int], have: [Int: UnitResult], reps: Int, mine: Int, pointCount: Int, shard: Shard) {
        self.todo = todo; self.have = have; self.reps = reps; self.mine = mine
        for p in 0..<pointCount {
            let n = (0..<reps).filter { shard.contains(unit: p * reps + $0) }.count
            guard n > 0 else { continue }
            pointsInShard += 1
            let left = (0..<reps).filter { shard.contains(unit: p * reps + $0) && have[p * reps + $0] == nil }.count
            if left == 0 { pointsDone += 1 } else { remainingPerPoint[p] = left }
        }
    }

    func claim() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, next < todo.count else { return nil }
        next += 1
        return todo[next - 1]
    }

    func finish(_ u: Int, _ r: UnitResult) -> (Int, Int) {
        lock.lock(); defer { lock.unlock() }
        have[u] = r
        let p = u / reps
        if let left = remainingPerPoint[p] {
            remainingPerPoint[p] = left - 1
            if left == 1 { pointsDone += 1 }
        }
        return (have.count, pointsDone)
    }

    func fail(_ e: JournalError) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil { failure = e }
    }

    var error: JournalError? { lock.lock(); defer { lock.unlock() }; return failure }

    func results() -> [Int: UnitResult] {
        lock.lock(); defer { lock.unlock() }
        return have
    }
}
