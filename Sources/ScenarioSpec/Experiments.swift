/// The questions a scenario asks (scenario-format.md, "SLOs, sweeps, plans"): service level
/// objectives, a parameter sweep, a capacity plan.

/// One `slo` entry: a bound on one summary metric of one scope.
public struct SLO: Sendable, Equatable {
    public enum Bound: String, Sendable, Equatable { case max, min }
    public var name: String
    /// As in the reports: `all`, `service:NAME`, `endpoint:SERVICE.ENDPOINT`, `workload:NAME`.
    public var scope: String
    public var metric: String
    /// The metric's unit in the reports (`s`, `1/s`, `ratio`, `count`).
    public var unit: String
    public var bound: Bound
    /// The bound in the report's unit (seconds for `250ms`, 0.001 for `0.1%`).
    public var value: Double
    /// The bound as written (`250ms`, `0.1%`).
    public var text: String
    public var location: SourceLocation

    public init(name: String, scope: String, metric: String, unit: String, bound: Bound, value: Double, text: String,
                location: SourceLocation = SourceLocation(file: "<memory>", line: 1, column: 1)) {
        self.name = name; self.scope = scope; self.metric = metric; self.unit = unit; self.bound = bound
        self.value = value; self.text = text; self.location = location
    }

    /// Whether an estimate meets the objective: its interval's worse end must (`ci_high` for a
    /// `max`, `ci_low` for a `min`). No value (NaN) never meets it.
    public func isMet(low: Double, high: Double) -> Bool {
        switch bound {
        case .max: return !high.isNaN && high <= value
        case .min: return !low.isNaN && low >= value
        }
    }

    /// The end of an interval that is judged.
    public func worseEnd(low: Double, high: Double) -> Double { bound == .max ? high : low }
}

/// `sweep.mode`.
public enum SweepMode: String, Sendable, Equatable, CaseIterable {
    /// Every combination of the values, the last parameter varying fastest.
    case grid
    /// Row by row: point i takes the i-th value of every list.
    case zip
}

/// One point of a sweep: the value of each parameter, as written, and the scenario with them in place.
public struct SweepPoint: Sendable {
    public var values: [String]
    public var scenario: Scenario
}

/// A decoded sweep with every point expanded and validated.
public struct Sweep: Sendable {
    public var mode: SweepMode
    /// Parameter paths, in file order: the report columns.
    public var parameters: [String]
    public var points: [SweepPoint]
}

/// `plan.search`.
public enum PlanSearch: String, Sendable, Equatable, CaseIterable {
    /// Bisection: assumes that once a value meets every SLO, every larger value does too.
    case bisection
    /// Every value from the low end up, until one meets every SLO.
    case linear
}

/// A capacity plan: the least value of an integer parameter in a range that meets every SLO.
public struct Plan: Sendable {
    public var vary: String
    public var range: ClosedRange<Int64>
    /// Confidence of the intervals the SLOs are judged on.
    public var confidence: Double
    public var search: PlanSearch
    let template: ScenarioTemplate

    /// The scenario with `vary` set to `value`.
    /// - Throws: ``ScenarioError`` when the value is not valid there (it was checked at both ends
    ///   of the range when the file was read).
    public func scenario(for value: Int64) throws(ScenarioError) -> Scenario {
        try template.scenario(setting: vary, to: value)
    }
}
