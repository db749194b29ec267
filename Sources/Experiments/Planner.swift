import ScenarioSpec
import SimStats

/// One value a plan tried, with the evidence.
public struct PlanStep: Sendable {
    public var value: Int64
    public var run: RunResult
    /// The SLOs judged on intervals at the plan's confidence.
    public var slo: [SLOOutcome]
    /// Every SLO met and no limit hit.
    public var met: Bool
}

public struct PlanResult: Sendable {
    public var scenario: Scenario
    public var vary: String
    public var range: ClosedRange<Int64>
    public var confidence: Double
    public var search: PlanSearch
    /// In the order tried.
    public var steps: [PlanStep]
    /// The least value meeting every SLO; nil when the range holds none.
    public var answer: Int64?
    /// Why there is no answer, or what the answer rests on.
    public var explanation: String
}

public enum Planner {
    /// Most values a linear search tries: our own bound (DESIGN.md rule 3), so a wide range
    /// cannot keep a plan running for days.
    public static let maxLinearSteps: Int64 = 10_000

    /// Finds the least value of `plan.vary` in `plan.range` for which every SLO holds at
    /// `plan.confidence`, judging each SLO on its interval's worse end.
    ///
    /// Bisection assumes success is monotone (a value that meets the SLOs is followed by values
    /// that do, as with replicas or cores): it tries the top of the range (no answer if it fails),
    /// the bottom (the answer if it meets them), then halves the gap between the highest failing
    /// and the lowest passing value. Linear search tries every value from the bottom up.
    public static func run(_ scenario: Scenario, jobs: Int,
                           progress: (@Sendable (PlanStep) -> Void)? = nil) throws(ScenarioError) -> PlanResult {
        guard let plan = scenario.plan else {
            throw ScenarioError([Diagnostic(.error, "\(scenario.file) has no \"plan\"", at: nil,
                                            hint: "add e.g. plan: {vary: services.web.replicas, range: [1, 64]} and at least one slo")])
        }
        var steps: [PlanStep] = []
        func attempt(_ v: Int64) throws(ScenarioError) -> Bool {
            let s = try plan.scenario(for: v)
            let r = Runner.run(s, jobs: jobs)
            let summary = Runner.summarize(r.replications, confidence: plan.confidence, point: 0)
            var run = r
            run.summary = summary
            let slo = SLOCheck.evaluate(s.slos, summary: summary, point: 0)
            run.slo = slo
            let met = !r.limitHit && slo.allSatisfy(\.met)
            let step = PlanStep(value: v, run: run, slo: slo, met: met)
            steps.append(step)
            progress?(step)
            return met
        }
        let lo = plan.range.lowerBound, hi = plan.range.upperBound
        var answer: Int64? = nil
        var explanation: String
        switch plan.search {
        case .bisection:
            let topMeets = try attempt(hi)
            let bottomMeets = topMeets && lo < hi ? try attempt(lo) : topMeets
            if !topMeets {
                explanation = "no value in [\(lo), \(hi)] meets every SLO: even \(hi), the top of the range, does not"
            } else if bottomMeets {
                answer = lo
                explanation = "\(lo), the bottom of the range, already meets every SLO"
            } else {
                var failing = lo, passing = hi
                while passing - failing > 1 {
                    let mid = failing + (passing - failing) / 2
                    if try attempt(mid) { passing = mid } else { failing = mid }
                }
                answer = passing
                explanation = "\(passing) meets every SLO and \(failing) does not; bisection assumes more is never worse"
            }
        case .linear:
            explanation = ""
            var v = lo
            var tried: Int64 = 0
            while v <= hi && tried < maxLinearSteps {
                if try attempt(v) { answer = v; break }
                tried += 1
                if v == hi { break }
                v += 1
            }
            if let a = answer {
                explanation = a == lo ? "\(a), the bottom of the range, already meets every SLO"
                                      : "\(a) is the first value from \(lo) up that meets every SLO"
            } else if tried >= maxLinearSteps && v < hi {
                explanation = "no value in [\(lo), \(lo + maxLinearSteps - 1)] meets every SLO; a linear search tries at most \(maxLinearSteps) values"
            } else {
                explanation = "no value in [\(lo), \(hi)] meets every SLO"
            }
        }
        return PlanResult(scenario: scenario, vary: plan.vary, range: plan.range, confidence: plan.confidence, search: plan.search,
                          steps: steps, answer: answer, explanation: explanation)
    }
}
